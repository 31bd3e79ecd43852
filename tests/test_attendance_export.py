"""A cohort's attendance for a month as CSV (the page's download and `flask attendance export`, byte for byte the
same) and as XLSX with French headers."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.attendance.export import COLUMNS
from bootcamp.extensions import db
from bootcamp.models import Cohort, Enrolment, HalfDay, Justification, Presence

from . import factories
from .conftest import AuthActions
from .factories import WORLD_DAY

HEADER = (
    "learner_id,last_name,first_name,planned_hours,present_hours,justified_absence_hours,"
    "unjustified_absence_hours,late_minutes,attendance_rate"
)


@pytest.fixture
def month(app: Flask, world) -> dict[str, int]:
    """November 2026 of the trainer's cohort: Luc absent on Monday morning (the world's), 20 minutes late that
    afternoon, present on Tuesday morning, absent with his justification accepted on Tuesday afternoon; Zoé Abadie
    with no roll call yet; a learner whose names a spreadsheet would read as a formula and split in two."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        luc = db.session.get(Enrolment, world.enrolment_id)
        tuesday = WORLD_DAY + timedelta(days=1)
        monday_pm = factories.half_day(cohort, WORLD_DAY, HalfDay.PM)
        tuesday_am, tuesday_pm = factories.half_day(cohort, tuesday), factories.half_day(cohort, tuesday, HalfDay.PM)
        factories.attendance(monday_pm, luc, Presence.LATE, minutes=20)
        factories.attendance(tuesday_am, luc)
        factories.attendance(tuesday_pm, luc, Presence.ABSENT, justification=Justification.ACCEPTED)
        zoe = factories.learner(cohort, first_name="Zoé", last_name="Abadie")
        odd = factories.learner(cohort, first_name="Ana, Maria", last_name="=HYPERLINK(1)")
        db.session.commit()
        return {"zoe": zoe.id, "odd": odd.id}


def _expected(world, month: dict[str, int]) -> str:
    return (
        HEADER + "\n"
        f"{month['odd']},'=HYPERLINK(1),\"Ana, Maria\",0.00,0.00,0.00,0.00,0,\n"
        f"{month['zoe']},Abadie,Zoé,0.00,0.00,0.00,0.00,0,\n"
        f"{world.learner_id},Lefèvre,Luc,14.00,6.67,3.50,3.50,20,47.6\n"  # 400 / 840 minutes present
    )


def test_csv_columns_rows_and_figures(client, auth: AuthActions, world, month) -> None:
    auth.login("trainer@example.org")
    response = client.get(f"/cohorts/{world.cohort_id}/attendance/export.csv?month=2026-11")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="presences-promotion-{world.cohort_id}-2026-11.csv"'
    )
    assert response.data.decode("utf-8") == _expected(world, month)
    assert ",".join(COLUMNS) == HEADER


def test_csv_is_the_command_line_byte_for_byte(app: Flask, client, auth: AuthActions, world, month, runner) -> None:
    auth.login("manager@example.org")
    for value in ("2026-11", "2026-10", "2027-01"):
        page = client.get(f"/cohorts/{world.cohort_id}/attendance/export.csv?month={value}").data
        result = runner.invoke(args=["attendance", "export", "--cohort", "MENDE 2026 automne", "--month", value])
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes == page
    assert page.decode("utf-8").splitlines()[1:] == [  # January: nobody has a roll call yet
        f"{month['odd']},'=HYPERLINK(1),\"Ana, Maria\",0.00,0.00,0.00,0.00,0,",
        f"{month['zoe']},Abadie,Zoé,0.00,0.00,0.00,0.00,0,",
        f"{world.learner_id},Lefèvre,Luc,0.00,0.00,0.00,0.00,0,",
    ]


@pytest.mark.parametrize(
    "arguments,message",
    [
        (["--cohort", "Nowhere 2026", "--month", "2026-11"], "no cohort named 'Nowhere 2026'"),
        (["--cohort", "Mende 2026 automne", "--month", "2026-13"], "'2026-13' is not a month written YYYY-MM"),
        (["--cohort", "Mende 2026 automne", "--month", "11/2026"], "'11/2026' is not a month written YYYY-MM"),
        (["--cohort", "Mende 2026 automne", "--month", "9999-01"], "'9999-01' is outside the months"),
    ],
)
def test_command_line_refuses_in_one_line(runner, world, arguments: list[str], message: str) -> None:
    result = runner.invoke(args=["attendance", "export", *arguments])
    assert result.exit_code != 0
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_xlsx_has_french_headers_and_the_same_figures(client, auth: AuthActions, world, month) -> None:
    auth.login("trainer@example.org")
    response = client.get(f"/cohorts/{world.cohort_id}/attendance/export.xlsx?month=2026-11")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Présences — Mende 2026 automne — novembre 2026"
    assert rows[1] == (
        "N° apprenant·e",
        "Nom",
        "Prénom",
        "Heures prévues",
        "Heures de présence",
        "Heures d'absence justifiée",
        "Heures d'absence non justifiée",
        "Minutes de retard ou de départ anticipé",
        "Taux de présence",
    )
    assert rows[2] == (month["odd"], "'=HYPERLINK(1)", "Ana, Maria", 0, 0, 0, 0, 0, None)
    assert rows[4] == (world.learner_id, "Lefèvre", "Luc", 14, 6.67, 3.5, 3.5, 20, pytest.approx(0.476))
    assert sheet.cell(5, 9).number_format == "0.0%"


def test_exports_run_a_fixed_number_of_queries(app: Flask, client, auth: AuthActions, world, count_queries) -> None:
    auth.login("trainer@example.org")

    def counts() -> tuple[int, int]:
        with count_queries() as csv:
            assert client.get(f"/cohorts/{world.cohort_id}/attendance/export.csv?month=2026-11").status_code == 200
        with count_queries() as xlsx:
            assert client.get(f"/cohorts/{world.cohort_id}/attendance/export.xlsx?month=2026-11").status_code == 200
        return csv.count, xlsx.count

    small = counts()
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        for _ in range(15):
            factories.learner(cohort)
        db.session.flush()
        enrolments = db.session.scalars(sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id)).all()
        for offset in range(1, 8):
            session = factories.half_day(cohort, date(2026, 11, offset))
            for enrolment in enrolments:
                factories.attendance(session, enrolment, Presence.ABSENT)
        db.session.commit()
    assert counts() == small
    assert max(small) <= 8
