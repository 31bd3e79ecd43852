"""Reading an XLSX file's first sheet, guarded against oversized and malicious files.

Before openpyxl reads anything, the archive itself is checked: its number of parts, their size once uncompressed
(all together) and how much each one is compressed (a « zip bomb » is compressed hundreds of times); Python's
zipfile never inflates a part beyond the size it declares. The sheet is then streamed (read-only mode), only the
first one, at most XLSX_MAX_COLUMNS columns and the row limit (the web's WEB_MAX_ROWS, XLSX_MAX_ROWS for the
command line); a sheet that declares more is refused before its rows are read. XML entity expansion (« billion
laughs ») is stopped by the expat parser Python ships (2.4 and later).
"""

import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import openpyxl
from flask_babel import gettext as _

from .problems import FileRefused, Problem

XLSX_MAX_PARTS = 500  # files inside the archive (a sheet with styles and strings has about ten)
XLSX_MAX_UNCOMPRESSED = 100_000_000  # bytes, all parts together (10,000 rows of 20 columns: about 8 MB)
XLSX_MAX_RATIO = 100  # uncompressed / compressed, for a part over RATIO_FROM bytes (sheets: 5 to 20)
RATIO_FROM = 1_000_000
XLSX_MAX_COLUMNS = 50
XLSX_MAX_ROWS = 1_000_000  # data rows, from the command line (Excel's own limit is 1,048,576)
BLANK_ROWS = 1_000  # empty rows tolerated besides the data rows (above the header, between rows)


def _refuse(reason: str) -> FileRefused:
    return FileRefused([Problem(1, "", reason)])


def check_archive(content: bytes) -> None:
    """Refuse a file that is not a ZIP archive, or whose parts are too many, too big or too compressed."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise _refuse(_("le fichier n'est pas un XLSX lisible : enregistrez-le de nouveau au format .xlsx")) from None
    if len(parts) > XLSX_MAX_PARTS:
        raise _refuse(
            _("le fichier XLSX contient %(count)d parties, la limite est %(max)d", count=len(parts), max=XLSX_MAX_PARTS)
        )
    size = sum(part.file_size for part in parts)
    if size > XLSX_MAX_UNCOMPRESSED:
        raise _refuse(
            _(
                "décompressé, le fichier XLSX ferait %(size)d octets, la limite est %(max)d",
                size=size,
                max=XLSX_MAX_UNCOMPRESSED,
            )
        )
    for part in parts:
        if part.file_size > RATIO_FROM and part.file_size > XLSX_MAX_RATIO * max(part.compress_size, 1):
            raise _refuse(
                _(
                    "le fichier XLSX est anormalement compressé (%(ratio)d fois) : il n'est pas lu",
                    ratio=part.file_size // max(part.compress_size, 1),
                )
            )


def _text(value: Any) -> str:
    """A cell as the text a CSV would hold: dates as AAAA-MM-JJ, whole numbers without « .0 »."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_xlsx(content: bytes, row_limit: int | None) -> tuple[str, Iterator[tuple[int, list[str]]]]:
    """The first sheet's name and its rows (sheet row number, cells as text); refuse a file over the limits."""
    check_archive(content)
    limit = row_limit or XLSX_MAX_ROWS
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True, keep_links=False)
        sheet = workbook.worksheets[0]
        rows, columns = sheet.max_row or 0, sheet.max_column or 0
    except Exception:  # openpyxl raises many kinds of errors on a broken file (KeyError, ValueError, XML errors...)
        raise _refuse(_("le fichier n'est pas un XLSX lisible : enregistrez-le de nouveau au format .xlsx")) from None
    if rows > limit + BLANK_ROWS or columns > XLSX_MAX_COLUMNS:
        workbook.close()
        raise _refuse(_too_big(limit) if rows > limit + BLANK_ROWS else _too_wide())
    return sheet.title, _rows(workbook, sheet, limit)


def _too_big(limit: int) -> str:
    return _(
        "la feuille a plus de %(max)d lignes de données : découpez-la, ou importez-la en ligne de commande "
        "(flask import)",
        max=limit,
    )


def _too_wide() -> str:
    return _("la feuille a plus de %(max)d colonnes : gardez seulement celles de l'import", max=XLSX_MAX_COLUMNS)


def _rows(workbook: Any, sheet: Any, limit: int) -> Iterator[tuple[int, list[str]]]:
    """Stream the rows, bounded whatever the sheet declares; close the workbook at the end."""
    filled = 0  # rows with a value: the header and the data rows
    last = limit + BLANK_ROWS
    try:
        cells = sheet.iter_rows(min_row=1, max_row=last + 1, max_col=XLSX_MAX_COLUMNS + 1, values_only=True)
        for number, values in enumerate(cells, 1):
            filled += any(value is not None for value in values)
            if number > last or filled > limit + 1:
                raise _refuse(_too_big(limit))
            if len(values) > XLSX_MAX_COLUMNS and values[XLSX_MAX_COLUMNS] is not None:
                raise _refuse(_too_wide())
            yield number, [_text(value) for value in values[:XLSX_MAX_COLUMNS]]
    except FileRefused:
        raise
    except Exception:  # a sheet broken further down
        raise _refuse(_("le fichier n'est pas un XLSX lisible : enregistrez-le de nouveau au format .xlsx")) from None
    finally:
        workbook.close()
