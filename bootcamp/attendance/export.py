"""A cohort's attendance for a month, one row per learner: the funders' CSV (/cohorts/<id>/attendance/export.csv and
`flask attendance export`, byte for byte the same) and the people's XLSX (French headers)."""

import io
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font

from ..models import Cohort, Learner
from ..reports.export import csv_line, safe_text
from .hours import Hours
from .queries import month_hours, month_learners

# The machine format: never to change (funders' tools read it).
COLUMNS = (
    "learner_id",
    "last_name",
    "first_name",
    "planned_hours",
    "present_hours",
    "justified_absence_hours",
    "unjustified_absence_hours",
    "late_minutes",
    "attendance_rate",
)
HEADERS = {
    "learner_id": _l("N° apprenant·e"),
    "last_name": _l("Nom"),
    "first_name": _l("Prénom"),
    "planned_hours": _l("Heures prévues"),
    "present_hours": _l("Heures de présence"),
    "justified_absence_hours": _l("Heures d'absence justifiée"),
    "unjustified_absence_hours": _l("Heures d'absence non justifiée"),
    "late_minutes": _l("Minutes de retard ou de départ anticipé"),
    "attendance_rate": _l("Taux de présence"),
}
Cells = list[int | str | Decimal | None]


def export_rows(cohort: Cohort, month: date) -> list[Cells]:
    """One row per learner of the month, by name: hours with two decimals, the rate in per cent with one decimal
    (None when nothing is planned) (two queries)."""
    hours = month_hours(cohort.id, month)
    return [_row(learner, hours.get(enrolment.id, Hours())) for learner, enrolment in month_learners(cohort, month)]


def _row(learner: Learner, figures: Hours) -> Cells:
    return [
        learner.id,
        learner.last_name,
        learner.first_name,
        figures.planned_hours,
        figures.present_hours,
        figures.justified_absence_hours,
        figures.unjustified_absence_hours,
        figures.late_minutes,
        figures.attendance_rate,
    ]


def to_csv(rows: list[Cells]) -> str:
    """UTF-8 text, comma-separated, the header row then one row per learner; names made safe (reports/export.py)."""
    return csv_line(COLUMNS) + "".join(csv_line(row) for row in rows)


def to_xlsx(rows: list[Cells], title: str) -> bytes:
    """The same rows for people: a title line, bold French headers, numbers as numbers, the rate as a percentage."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_l("Présences"))
    sheet.append([safe_text(title)])
    sheet.append([str(HEADERS[column]) for column in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        learner_id, last_name, first_name, *hours, late, rate = row
        sheet.append(
            [
                learner_id,
                safe_text(str(last_name)),
                safe_text(str(first_name)),
                *(float(value) for value in hours),
                late,
                None if rate is None else float(rate) / 100,
            ]
        )
        sheet.cell(sheet.max_row, len(COLUMNS)).number_format = "0.0%"
        for index in range(4, 8):
            sheet.cell(sheet.max_row, index).number_format = "0.00"
    sheet.freeze_panes = "D3"
    for index in range(1, len(COLUMNS) + 1):
        sheet.column_dimensions[sheet.cell(2, index).column_letter].width = 14 if index == 1 else 22
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
