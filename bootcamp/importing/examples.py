"""The learner import's template, to download: French headers (aliases.py) and one example row, as a CSV for
Excel (`;`, UTF-8 with BOM) or an XLSX file (the birth date a real date cell)."""

import io
from datetime import date

import openpyxl
from openpyxl.styles import Font

from .aliases import template_headers
from .learners import OPTIONAL, REQUIRED

# The template's columns, in the order a school's sheet would have them (a column per public flag).
EXAMPLE = {
    "last_name": "Martin",
    "first_name": "Léa",
    "email": "lea.martin@example.org",
    "birth_date": date(1998, 2, 14),
    "gender": "F",
    "postal_code": "48000",
    "phone": "06 12 34 56 78",
    "diploma": "BTS",
    "referrer": "Pôle emploi",
    "jobseeker": "oui",
    "qpv": "non",
    "zrr": "non",
    "rqth": "non",
    "rsa": "non",
    "career_change": "oui",
    "status": "",
    "exit_date": "",
    "dropout_reason": "",
    "certification": "",
}


def _columns() -> tuple[str, ...]:
    return tuple(column for column in EXAMPLE if column in REQUIRED + OPTIONAL)


def template_csv() -> bytes:
    """The template as Excel opens a CSV in French: `;`, UTF-8 with BOM, dates JJ/MM/AAAA."""
    columns = _columns()
    row = [value.strftime("%d/%m/%Y") if isinstance(value, date) else value for value in map(EXAMPLE.get, columns)]
    lines = [";".join(template_headers(columns)), ";".join(row)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def template_xlsx() -> bytes:
    """The template as an XLSX file: a bold header, the example row, the postal code as text."""
    columns = _columns()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Apprenants"
    sheet.append(template_headers(columns))
    sheet.append([EXAMPLE[column] or None for column in columns])
    for index, column in enumerate(columns, 1):
        header = sheet.cell(row=1, column=index)
        header.font = Font(bold=True)
        sheet.column_dimensions[header.column_letter].width = max(12, len(str(header.value)) + 2)
        cell = sheet.cell(row=2, column=index)
        if column == "birth_date":
            cell.number_format = "DD/MM/YYYY"
        elif column in ("postal_code", "phone"):
            cell.number_format = "@"
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
