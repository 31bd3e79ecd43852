"""Reading the spreadsheets schools already keep: CSV in UTF-8 (BOM or not), `,` or `;`, codes or French labels.

Every problem is collected with its line and column, so that a file is refused whole with the full list.
"""

import csv
import enum
import hashlib
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from ..labels import LABELS


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


def parse_code(value: str, enum_class: type[enum.StrEnum]) -> enum.StrEnum:
    """A code of DOMAIN.md, or its French screen label (« femme », « abandon »...)."""
    folded = _fold(value)
    for member in enum_class:
        if folded in (member.value, _fold(str(LABELS[member]))):
            return member
    codes = ", ".join(member.value for member in enum_class)
    raise ValueError(_("« %(value)s » n'est pas un code connu (codes : %(codes)s)", value=value, codes=codes))


def parse_date(value: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
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

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)

    def fingerprint(self, change: Any) -> object:
        raise NotImplementedError

    @property
    def digest(self) -> str:
        """A fingerprint of what applying would do: a confirmation is refused if it changed meanwhile."""
        text = repr([self.fingerprint(change) for change in self.changes])
        return hashlib.sha256(text.encode()).hexdigest()[:20]
