"""Reading the spreadsheets schools already keep: CSV in UTF-8 (BOM or not), `,` or `;`, codes or French labels.

Every problem is collected with its line and column, so that a file is refused whole with the list (the first
MAX_PROBLEMS, and how many more).
"""

import csv
import enum
import hashlib
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import QueryableAttribute

from ..dates import date_problem
from ..forms import column_length
from ..labels import LABELS

# What the web accepts: a request must end well within gunicorn's timeout (30 s; 10,000 rows take about 2 s).
# Bigger files go through the command line (`flask import ...`), which has no limit.
WEB_MAX_ROWS = 10_000
WEB_MAX_BYTES = 2_000_000
MAX_PROBLEMS = 200  # listed; the others are counted


@dataclass(frozen=True)
class Problem:
    line: int  # 1 is the header row
    column: str
    reason: str

    def __str__(self) -> str:
        if self.column:
            return _(
                "ligne %(line)d, colonne %(column)s : %(reason)s",
                line=self.line,
                column=self.column,
                reason=self.reason,
            )
        return _("ligne %(line)d : %(reason)s", line=self.line, reason=self.reason)


class FileRefused(ValueError):
    """The file cannot be read at all (encoding, header)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


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
    if rows > WEB_MAX_ROWS:
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


def _fold(text: str) -> str:
    """Lower case without accents, for matching labels typed by hand."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.strip().lower()) if not unicodedata.combining(c))


def read_rows(
    content: bytes, required: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the data rows (with their line numbers) of a CSV file; refuse what cannot be read."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise FileRefused(
            [Problem(line, "", _("le fichier n'est pas en UTF-8 : enregistrez-le au format « CSV UTF-8 »"))]
        ) from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise FileRefused([Problem(1, "", _("le fichier est vide : il faut une ligne d'en-tête"))])
    separator = ";" if lines[0].count(";") > lines[0].count(",") else ","
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FileRefused([Problem(line, "", _("le fichier contient un caractère nul : est-ce bien un CSV ?"))])
    try:
        return _split(text, separator, required, optional)
    except csv.Error as error:
        raise FileRefused([Problem(1, "", _("le fichier n'est pas un CSV lisible (%(error)s)", error=error))]) from None


def _split(
    text: str, separator: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    header = [name.strip().lower() for name in next(reader)]
    problems = [Problem(1, name, _("colonne obligatoire absente")) for name in required if name not in header]
    problems += [Problem(1, name, _("colonne inconnue")) for name in header if name not in required + optional]
    problems += [
        Problem(1, name, _("colonne en double")) for index, name in enumerate(header) if name in header[:index]
    ]
    if problems:
        raise FileRefused(problems)
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        line = reader.line_num
        if len(cells) > len(header):
            rows.append((line, {"__extra__": str(len(cells) - len(header))}))
            continue
        rows.append((line, {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}))
    return header, rows


_lookups: dict[tuple[type[enum.StrEnum], str], dict[str, enum.StrEnum]] = {}


def _lookup(enum_class: type[enum.StrEnum]) -> dict[str, enum.StrEnum]:
    """Folded label or code -> member, made once per language (translating labels at each cell was half the
    time of an import)."""
    key = (enum_class, str(get_locale()))
    if key not in _lookups:
        table = {_fold(str(LABELS[member])): member for member in enum_class}
        _lookups[key] = table | {member.value: member for member in enum_class}
    return _lookups[key]


def parse_code(value: str, enum_class: type[enum.StrEnum]) -> enum.StrEnum:
    """A code of DOMAIN.md, or its French screen label (« femme », « abandon »...)."""
    member = _lookup(enum_class).get(_fold(value))
    if member is not None:
        return member
    codes = ", ".join(member.value for member in enum_class)
    raise ValueError(_("« %(value)s » n'est pas un code connu (codes : %(codes)s)", value=value, codes=codes))


def parse_date(value: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        if problem := date_problem(day):
            raise ValueError(_("« %(value)s » : %(problem)s", value=value, problem=problem))
        return day
    raise ValueError(_("« %(value)s » n'est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA) ou n'existe pas", value=value))


def parse_yes_no(value: str) -> bool:
    folded = _fold(value)
    if folded in ("yes", "oui", "y", "o", "1", "true", "vrai"):
        return True
    if folded in ("no", "non", "n", "0", "false", "faux"):
        return False
    raise ValueError(_("« %(value)s » : écrivez yes ou no (oui ou non)", value=value))


class RowCheck:
    """Parse the cells of one row, collecting a problem for each cell that does not parse."""

    def __init__(self, line: int, cells: dict[str, str]) -> None:
        self.line, self.cells = line, cells
        self.problems: list[Problem] = []
        if "__extra__" in cells:
            extra = cells["__extra__"]
            self.problems.append(
                Problem(
                    line, "", _("%(extra)s cellule(s) de trop : vérifiez le séparateur et les guillemets", extra=extra)
                )
            )

    def parse(self, column: str, parser: Callable[..., Any], *args: Any) -> Any:
        """The parsed value of a cell, or None when it is empty or wrong (a problem is then noted)."""
        value = self.cells.get(column, "")
        if not value:
            return None
        try:
            return parser(value, *args)
        except ValueError as error:
            self.problems.append(Problem(self.line, column, str(error)))
            return None

    def text(self, column: str, attribute: QueryableAttribute) -> str:
        """The cell's text, checked against the length of the column it is stored in ("" when too long)."""
        value = self.cells.get(column, "")
        limit = column_length(attribute)
        if len(value) > limit:
            self.problems.append(
                Problem(
                    self.line,
                    column,
                    _("texte trop long : %(length)d caractères, %(max)d au plus", length=len(value), max=limit),
                )
            )
            return ""
        return value

    def require(self, columns: tuple[str, ...]) -> None:
        for column in columns:
            if not self.cells.get(column):
                self.problems.append(Problem(self.line, column, _("valeur obligatoire manquante")))

    def refuse(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.line, column, reason))


@dataclass
class Plan:
    """What an import would do: the changes of the valid rows, and every problem. Applied only if no problem."""

    changes: list[Any]
    problems: list[Problem]
    more_problems: int = field(default=0, init=False)  # found beyond the MAX_PROBLEMS listed
    data_version: int = 0  # the data's version (cache.py) when the database was read for this plan

    def __post_init__(self) -> None:
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
