"""The indicator tables as CSV and XLSX: the same numbers as the dashboard, small groups hidden."""

import io
import re
from collections.abc import Iterable

from openpyxl import Workbook

from ..indicators import COUNT_FIELDS, Row

# The machine format: every count, then the insertion rates (completion, dropout, certification: on the page only).
EXPORTED_RATES = ("employment_rate", "positive_rate", "durable_rate", "response_rate", "conservative_employment_rate")
COLUMNS = ("group", *COUNT_FIELDS, *EXPORTED_RATES)


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
    """One row: counts as integers, rates as percentages with one decimal; a hidden group shows `<5` only."""
    if row.hidden:
        return [row.group, "<5", *([None] * (len(COLUMNS) - 2))]
    rates = [row.rates[name] for name in EXPORTED_RATES]
    return [
        row.group,
        *(getattr(row.counts, name) for name in COUNT_FIELDS),
        *(None if rate is None else round(rate, 1) for rate in rates),
    ]


def to_csv(rows: Iterable[Row]) -> str:
    """UTF-8 text, comma-separated, header row, one row per group (`all` first)."""
    return csv_line(COLUMNS) + "".join(csv_line(table_row(row)) for row in rows)


def to_xlsx(tables: dict[str, list[Row]], notes: list[str]) -> bytes:
    """A workbook with one sheet per breakdown, numbers as numbers, and a sheet with the definitions."""
    workbook = Workbook()
    about = workbook.active
    about.title = "definitions"
    for line in notes:
        about.append([line])
    for name, rows in tables.items():
        sheet = workbook.create_sheet(name)
        sheet.append(COLUMNS)
        for row in rows:
            group, *cells = table_row(row)
            sheet.append([safe_text(group), *cells])  # one cell each: only its start can make a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
