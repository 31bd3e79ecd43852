"""The indicator tables as CSV and XLSX: the same numbers as the dashboard, small groups hidden.

Two formats: the machine's (`to_csv`: codes, English headers, comma and decimal point; /insertion/export.csv and
`flask export indicators`, never to change) and the people's (`to_xlsx` and `to_excel_csv`: French sheet names
and headers, each group's label then its code, numbers as numbers, rates in %).
"""

import io
import re
from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from ..indicators import COUNT_FIELDS, Row

# The machine format: every count, then the insertion rates (completion, dropout, certification: on the page only).
EXPORTED_RATES = ("employment_rate", "positive_rate", "durable_rate", "response_rate", "conservative_employment_rate")
COLUMNS = ("group", *COUNT_FIELDS, *EXPORTED_RATES)

# The people's format: the group's label, then the machine's columns (`group` is the code), with these headers.
PEOPLE_COLUMNS = ("label", *COLUMNS)
HEADERS = {
    "label": _l("Groupe"),
    "group": _l("Code"),
    "entrants": _l("Entrées"),
    "dropped": _l("Abandons"),
    "finished": _l("Formation terminée"),
    "sat_exam": _l("Présenté·es à l'examen"),
    "certified": _l("Titre obtenu"),
    "due": _l("Relevés échus"),
    "known": _l("Situation connue"),
    "employed": _l("En emploi"),
    "durable": _l("En emploi durable"),
    "positive": _l("Sortie positive"),
    "employment_rate": _l("Taux d'emploi"),
    "positive_rate": _l("Taux de sortie positive"),
    "durable_rate": _l("Taux d'emploi durable"),
    "response_rate": _l("Taux de réponse"),
    "conservative_employment_rate": _l("Taux d'emploi prudent"),
}
SHEET_NAMES = {
    "gender": _l("Genre"),
    "age": _l("Âge"),
    "public": _l("Publics"),
    "diploma": _l("Diplôme"),
    "referrer": _l("Prescripteur"),
    "site": _l("Site"),
    "cohort": _l("Promotion"),
    "year": _l("Année d'entrée"),
}
# What a hidden group shows in `entrants`: under 5, or hidden too so that the small one cannot be derived (`*`).
SMALL, SECONDARY = "<5", "*"


# A spreadsheet may split a CSV line on any of these (a French one uses `;`), and reads a piece that starts
# with one of FORMULA_STARTS as a formula (OWASP, CSV injection).
SEPARATORS = ",;\t"
FORMULA_STARTS = "=+-@\t\r"
_FORMULA_AFTER_SEPARATOR = re.compile(f"(^|[{SEPARATORS}])(?=[{re.escape(FORMULA_STARTS)}])")
_NEEDS_QUOTES = re.compile(f'[{SEPARATORS}"\r\n]')


def safe_text(text: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula: =, +, -, @, tab or CR at its start get a quote."""
    return "'" + text if text[:1] and text[:1] in FORMULA_STARTS else text


def csv_cell(value: object) -> str:
    """One CSV field that stays one cell and no formula whatever separator a spreadsheet splits on: a quote
    before each formula start after a separator, and double quotes around a field that holds a separator."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    if not isinstance(value, str):
        return str(value)
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", value)
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES.search(text) else text


def csv_line(cells: Iterable[object]) -> str:
    """A CSV line, comma-separated (the machine format), every text field made safe by csv_cell."""
    return ",".join(csv_cell(cell) for cell in cells) + "\n"


def table_row(row: Row) -> list[str | int | float | None]:
    """One row: counts as integers, rates as percentages with one decimal; a hidden group shows `<5` (or `*`,
    hidden by secondary suppression) only."""
    if row.hidden:
        return [row.group, SECONDARY if row.secondary else SMALL, *([None] * (len(COLUMNS) - 2))]
    rates = [row.rates[name] for name in EXPORTED_RATES]
    return [
        row.group,
        *(getattr(row.counts, name) for name in COUNT_FIELDS),
        *(None if rate is None else round(rate, 1) for rate in rates),
    ]


def to_csv(rows: Iterable[Row]) -> str:
    """UTF-8 text, comma-separated, header row, one row per group (`all` first)."""
    return csv_line(COLUMNS) + "".join(csv_line(table_row(row)) for row in rows)


def people_row(row: Row, names: Mapping[str, str], by: str) -> list[str | int | float | None]:
    """One row for people: the group's label then its code (a year is a number in both), then table_row's."""
    code, *cells = table_row(row)
    if by == "year" and row.group.isdigit():
        return [int(row.group), int(row.group), *cells]
    return [names.get(row.group, row.group), code, *cells]


def to_xlsx(
    tables: dict[str, list[Row]], names: dict[str, Mapping[str, str]], about: list[str], meaning: Mapping[str, str]
) -> bytes:
    """The people's workbook: « Définitions » (the `about` lines, then each column's header and `meaning`), then
    one sheet per breakdown with French headers, labels and codes, numbers as numbers, rates as percentages."""
    workbook = Workbook()
    notes = workbook.active
    notes.title = str(_l("Définitions"))
    for line in about:
        notes.append([line])
    notes.append([])
    notes.append([str(_l("Colonne")), str(_l("Définition"))])
    notes.cell(notes.max_row, 1).font = notes.cell(notes.max_row, 2).font = Font(bold=True)
    for column in PEOPLE_COLUMNS:
        notes.append([str(HEADERS[column]), str(meaning[column])])
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 28, 100
    for by, rows in tables.items():
        _data_sheet(workbook.create_sheet(str(SHEET_NAMES[by])), rows, names[by], by)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _data_sheet(sheet: Worksheet, rows: list[Row], names: Mapping[str, str], by: str) -> None:
    """One breakdown: a bold, frozen header row; texts made safe; rates as fractions shown « 66,7 % »."""
    sheet.append([str(HEADERS[column]) for column in PEOPLE_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    first_rate = len(PEOPLE_COLUMNS) - len(EXPORTED_RATES)
    for row in rows:
        cells = people_row(row, names, by)
        cells[:2] = [safe_text(cell) if isinstance(cell, str) else cell for cell in cells[:2]]
        cells[first_rate:] = [None if rate is None else round(rate / 100, 3) for rate in cells[first_rate:]]
        sheet.append(cells)
        for cell in sheet[sheet.max_row][first_rate:]:
            cell.number_format = "0.0%"
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["A"].width = 32
    for index in range(2, len(PEOPLE_COLUMNS) + 1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = 16


def to_excel_csv(rows: Iterable[Row], names: Mapping[str, str], by: str) -> str:
    """« CSV pour Excel »: what a French Excel opens by a double click: a byte order mark (UTF-8), `;` between
    cells, a decimal comma, French headers (rates in %), each group's label then its code; texts made safe."""
    first_rate = len(PEOPLE_COLUMNS) - len(EXPORTED_RATES)
    header = [str(HEADERS[name]) + (" (%)" if index >= first_rate else "") for index, name in enumerate(PEOPLE_COLUMNS)]
    lines = [header, *(people_row(row, names, by) for row in rows)]
    return "\ufeff" + "".join(";".join(_excel_cell(cell) for cell in line) + "\r\n" for line in lines)


def _excel_cell(value: object) -> str:
    """A number as a French spreadsheet reads it (one decimal, comma), a text as csv_cell makes it."""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return csv_cell(value)
