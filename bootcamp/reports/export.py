"""The indicator tables as CSV and XLSX: the same numbers as the dashboard, small groups hidden."""

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook

from .queries import Counts

COLUMNS = (
    "group", "entrants", "dropped", "finished", "sat_exam", "certified", "due", "known", "employed", "durable",
    "positive", "employment_rate", "positive_rate", "durable_rate", "response_rate", "conservative_employment_rate",
)  # fmt: skip
COUNTS = COLUMNS[1:11]
RATES = COLUMNS[11:]


def safe_text(text: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula (CSV injection): =, +, -, @ get a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def table_row(counts: Counts) -> list[str | int | float | None]:
    """One row: counts as integers, rates as percentages with one decimal; a group under 5 shows `<5` only."""
    if counts.small:
        return [safe_text(counts.group), "<5", *([None] * (len(COLUMNS) - 2))]
    rates = [getattr(counts, name) for name in RATES]
    return [
        safe_text(counts.group),
        *(getattr(counts, name) for name in COUNTS),
        *(None if rate is None else round(rate, 1) for rate in rates),
    ]


def to_csv(rows: Iterable[Counts]) -> str:
    """UTF-8 text, comma-separated, header row, one row per group (`all` first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for counts in rows:
        writer.writerow(
            ["" if cell is None else f"{cell:.1f}" if isinstance(cell, float) else cell for cell in table_row(counts)]
        )
    return buffer.getvalue()


def to_xlsx(tables: dict[str, list[Counts]], notes: list[str]) -> bytes:
    """A workbook with one sheet per breakdown, numbers as numbers, and a sheet with the definitions."""
    workbook = Workbook()
    about = workbook.active
    about.title = "definitions"
    for line in notes:
        about.append([line])
    for name, rows in tables.items():
        sheet = workbook.create_sheet(name)
        sheet.append(COLUMNS)
        for counts in rows:
            sheet.append(table_row(counts))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
