"""Reading the spreadsheets schools already keep: CSV (UTF-8 with or without BOM, else Windows-1252, `,` or `;`)
or XLSX (xlsx.py), headers and values in French or as codes (aliases.py).

Every problem is collected with its line and column, so that a file is refused whole with the list (the first
MAX_PROBLEMS, and how many more).
"""

import csv
import enum
import hashlib
import io
import unicodedata
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import QueryableAttribute

from ..dates import date_problem
from ..forms import column_length
from ..labels import label
from .aliases import ALIASES, DATE_FORMATS, KINDS, header_words, key, words
from .problems import FileRefused, Problem
from .xlsx import read_xlsx

# What the web accepts: a request must end well within gunicorn's timeout (30 s; 10,000 rows take about 2 s).
# Bigger files go through the command line (`flask import ...`), which has no limit.
WEB_MAX_ROWS = 10_000
WEB_MAX_BYTES = 2_000_000
MAX_PROBLEMS = 200  # listed; the others are counted
# The most data rows an XLSX file may have here: the web sets WEB_MAX_ROWS (pages.py), the command line leaves None
# (xlsx.XLSX_MAX_ROWS then).
ROW_LIMIT: ContextVar[int | None] = ContextVar("ROW_LIMIT", default=None)
XLSX_SIGNATURE = b"PK\x03\x04"


def too_big_for_web(content: bytes) -> Problem | None:
    """Why a file is refused by the web import before it is read (bytes, then rows), or None."""
    command = "flask import"
    if len(content) > WEB_MAX_BYTES:
        return Problem(
            1,
            "",
            _(
                "le fichier fait %(size)d octets, la limite du site est %(max)d : importez-le en ligne de commande "
                "(%(command)s)",
                size=len(content),
                max=WEB_MAX_BYTES,
                command=command,
            ),
        )
    rows = content.count(b"\n") + (not content.endswith(b"\n")) - 1  # lines, less the header
    if rows > WEB_MAX_ROWS and not content.startswith(XLSX_SIGNATURE):  # an XLSX file's rows: xlsx.py
        return Problem(
            1,
            "",
            _(
                "le fichier a %(rows)d lignes, la limite du site est %(max)d : importez-le en ligne de commande "
                "(%(command)s)",
                rows=rows,
                max=WEB_MAX_ROWS,
                command=command,
            ),
        )
    return None


def fold(text: str) -> str:
    """A name as typed, whatever its case, accents and spaces (« Mende 2026  Automne » is « mende 2026 automne »)."""
    folded = unicodedata.normalize("NFKD", " ".join(text.split()).casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


@dataclass
class Table:
    """The rows of a file, their cells keyed by machine column name, and what was read."""

    rows: list[tuple[int, dict[str, str]]]
    names: dict[str, str]  # machine column name -> the header as the file spells it
    source: str  # what was read, for the preview (« CSV, UTF-8 », « XLSX, feuille Feuil1 »)


def decode(content: bytes) -> tuple[str, str]:
    """The text of a CSV file and its encoding: UTF-8 (with or without BOM), else Windows-1252 (Excel's « CSV »
    in French). Refuse with every line that reads in neither, or that is not in UTF-8 when the rest of the file is."""
    try:
        return content.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    utf8, windows, problems = False, [], []
    for number, line in enumerate(content.removeprefix(b"\xef\xbb\xbf").splitlines(), 1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8 = True
            continue
        except UnicodeDecodeError:
            pass
        try:
            line.decode("cp1252")
            windows.append(number)
        except UnicodeDecodeError as error:
            byte = f"0x{line[error.start]:02X}"
            reason = _("octet %(byte)s illisible : le fichier n'est ni en UTF-8 ni en Windows-1252", byte=byte)
            problems.append(Problem(number, "", reason))
    if utf8 or content.startswith(b"\xef\xbb\xbf"):  # a UTF-8 file with some lines in another encoding
        reason = _("cette ligne n'est pas en UTF-8 comme le reste du fichier : enregistrez-le au format « CSV UTF-8 »")
        problems += [Problem(number, "", reason) for number in windows]
    if problems:
        raise FileRefused(sorted(problems, key=lambda problem: problem.line))
    return content.decode("cp1252"), "Windows-1252"


def read_table(content: bytes, required: tuple[str, ...], optional: tuple[str, ...]) -> Table:
    """The rows of a CSV or XLSX file (its first sheet), with French headers matched to the machine names; refuse
    what cannot be read, with every problem found."""
    if content.startswith(XLSX_SIGNATURE):
        sheet, lines = read_xlsx(content, ROW_LIMIT.get())
        return _table(lines, required, optional, _("XLSX, feuille « %(sheet)s »", sheet=sheet))
    text, encoding = decode(content)
    if not text.strip():
        raise FileRefused([Problem(1, "", _("le fichier est vide : il faut une ligne d'en-tête"))])
    first = text.splitlines()[0]
    separator = ";" if first.count(";") > first.count(",") else ","
    nul_lines = sorted({text[:index].count("\n") + 1 for index, char in enumerate(text) if char == "\x00"})
    if nul_lines:
        reason = _("le fichier contient un caractère nul : est-ce bien un CSV ?")
        raise FileRefused([Problem(line, "", reason) for line in nul_lines])
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    try:
        lines = [(reader.line_num, cells) for cells in reader]
    except csv.Error as error:
        raise FileRefused([Problem(1, "", _("le fichier n'est pas un CSV lisible (%(error)s)", error=error))]) from None
    return _table(lines, required, optional, _("CSV, %(encoding)s", encoding=encoding))


def read_rows(
    content: bytes, required: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (machine names) and the data rows (with their line numbers) of a file; refuse what cannot be
    read."""
    table = read_table(content, required, optional)
    return list(table.names), table.rows


def _header(cells: list[str], known: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """The machine name of each column of the header row (its own name when unknown), and machine name -> the
    header as written. Empty headers at the end (a trailing `;`, Excel's empty columns) are dropped."""
    written = [cell.strip() for cell in cells]
    while written and not written[-1]:
        written.pop()
    aliases = header_words()
    header = [name if (name := aliases.get(key(cell))) in known else cell.lower() for cell in written]
    return header, dict(zip(header, written))


def _table(
    lines: Iterable[tuple[int, list[str]]], required: tuple[str, ...], optional: tuple[str, ...], source: str
) -> Table:
    lines = iter(lines)
    for top, first in lines:  # the first row that is not empty (an XLSX sheet may start lower)
        if any(cell.strip() for cell in first):
            break
    else:
        raise FileRefused([Problem(1, "", _("le fichier est vide : il faut une ligne d'en-tête"))])
    header, names = _header(first, required + optional)
    missing = [name for name in required if name not in header]
    problems = [Problem(top, _column_name(name), _("colonne obligatoire absente")) for name in missing]
    unknown = [name for name in header if name not in required + optional]
    problems += [Problem(top, names[name], _("colonne inconnue")) for name in unknown]
    problems += [
        Problem(top, names[name], _("colonne en double")) for index, name in enumerate(header) if name in header[:index]
    ]
    if problems:
        raise FileRefused(problems)
    rows = []
    for line, cells in lines:
        if not any(cell.strip() for cell in cells):
            continue
        extra = [cell for cell in cells[len(header) :] if cell.strip()]
        if extra:
            rows.append((line, {"__extra__": str(len(cells) - len(header))}))
            continue
        rows.append((line, {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}))
    return Table(rows, names, source)


def _column_name(name: str) -> str:
    """A column as a problem names it: its French header, then its machine name (« Nom (last_name) »)."""
    aliases = ALIASES["column"].get(name) or ALIASES["flag"].get(name)
    return f"{aliases[0]} ({name})" if aliases and key(aliases[0]) != key(name) else name


_lookups: dict[tuple[type[enum.StrEnum], str], dict[str, enum.StrEnum]] = {}


def _lookup(enum_class: type[enum.StrEnum]) -> dict[str, enum.StrEnum]:
    """key(word) -> member: the codes, the aliases, the French labels and those of the reader's language; made
    once per language (translating labels at each cell was half the time of an import)."""
    locale = str(get_locale())
    if (enum_class, locale) not in _lookups:
        with force_locale("fr"):
            french = {key(label(member)): member for member in enum_class}
        table = {key(label(member)): member for member in enum_class} | french
        if enum_class in KINDS:
            table |= {word: enum_class(code) for word, code in words(KINDS[enum_class]).items()}
        _lookups[enum_class, locale] = table | {key(member.value): member for member in enum_class}
    return _lookups[enum_class, locale]


def parse_code(value: str, enum_class: type[enum.StrEnum]) -> enum.StrEnum:
    """A code of DOMAIN.md, its French screen label (« femme », « abandon »...) or an alias (« F », « BTS »...)."""
    member = _lookup(enum_class).get(key(value))
    if member is not None:
        return member
    codes = ", ".join(member.value for member in enum_class)
    raise ValueError(_("« %(value)s » n'est pas un code connu (codes : %(codes)s)", value=value, codes=codes))


EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (its serial numbers count the phantom 29/02/1900)


def parse_date(value: str) -> date:
    """A date as JJ/MM/AAAA (or with - or .), AAAA-MM-JJ, or an Excel serial number (a date column saved as a
    number); each checked against the dates the app accepts."""
    day = None
    if value.isdigit() and len(value) == 5:  # 10000 is 16/05/1927, 99999 is 2173
        day = EXCEL_EPOCH + timedelta(days=int(value))
    for pattern in DATE_FORMATS:
        if day is not None:
            break
        try:
            day = datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    if day is None:
        raise ValueError(_("« %(value)s » n'est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA) ou n'existe pas", value=value))
    if problem := date_problem(day):
        raise ValueError(_("« %(value)s » : %(problem)s", value=value, problem=problem))
    return day


def parse_yes_no(value: str) -> bool:
    """yes or no, in English or French (oui, non, x, vrai, faux, 1, 0...)."""
    answer = words("yes_no").get(key(value))
    if answer is None:
        raise ValueError(_("« %(value)s » : écrivez yes ou no (oui ou non)", value=value))
    return answer == "yes"


class RowCheck:
    """Parse the cells of one row, collecting a problem for each cell that does not parse."""

    def __init__(self, line: int, cells: dict[str, str], names: dict[str, str] | None = None) -> None:
        self.line, self.cells = line, cells
        self.names = names or {}  # machine name -> the header as the file spells it, for the problems
        self.problems: list[Problem] = []
        if "__extra__" in cells:
            extra = int(cells["__extra__"])
            reason = ngettext(
                "%(num)d cellule de trop : vérifiez le séparateur et les guillemets",
                "%(num)d cellules de trop : vérifiez le séparateur et les guillemets",
                extra,
            )
            self.problems.append(Problem(line, "", reason))

    def parse(self, column: str, parser: Callable[..., Any], *args: Any) -> Any:
        """The parsed value of a cell, or None when it is empty or wrong (a problem is then noted)."""
        value = self.cells.get(column, "")
        if not value:
            return None
        try:
            return parser(value, *args)
        except ValueError as error:
            self.problems.append(Problem(self.line, self.names.get(column, column), str(error)))
            return None

    def text(self, column: str, attribute: QueryableAttribute) -> str:
        """The cell's text, checked against the length of the column it is stored in ("" when too long)."""
        value = self.cells.get(column, "")
        limit = column_length(attribute)
        if len(value) > limit:
            self.problems.append(
                Problem(
                    self.line,
                    self.names.get(column, column),
                    _("texte trop long : %(length)d caractères, %(max)d au plus", length=len(value), max=limit),
                )
            )
            return ""
        return value

    def require(self, columns: tuple[str, ...]) -> None:
        for column in columns:
            if not self.cells.get(column):
                self.refuse(column, _("valeur obligatoire manquante"))

    def refuse(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.line, self.names.get(column, column), reason))


@dataclass
class Plan:
    """What an import would do: the changes of the valid rows, and every problem. Applied only if no problem."""

    changes: list[Any]
    problems: list[Problem]
    more_problems: int = field(default=0, init=False)  # found beyond the MAX_PROBLEMS listed
    data_version: int = 0  # the data's version (cache.py) when the database was read for this plan
    source: str = ""  # what was read (Table.source), said in the preview

    def __post_init__(self) -> None:
        self.problems.sort(key=lambda problem: problem.line)  # stable: a line's problems keep their order
        self.more_problems = max(0, len(self.problems) - MAX_PROBLEMS)
        del self.problems[MAX_PROBLEMS:]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.more_problems

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)

    def of_kind(self, kind: str) -> list[Any]:
        """The changes to apply of one kind (create, update), for the caller to write; refused plans have none."""
        if not self.ok:
            raise ValueError("a refused import cannot be applied")
        return [change for change in self.changes if change.kind == kind]

    def counts(self) -> dict[str, int]:
        return {kind: self.count(kind) for kind in ("create", "update", "unchanged")}

    def fingerprint(self, change: Any) -> object:
        raise NotImplementedError

    @property
    def digest(self) -> str:
        """A fingerprint of what applying would do: a confirmation is refused if it changed meanwhile."""
        text = repr([self.fingerprint(change) for change in self.changes])
        return hashlib.sha256(text.encode()).hexdigest()[:20]
