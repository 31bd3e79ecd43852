"""The query string, read one way by every view: typed and bounded values, a clear 400 on a wrong one.

Views never read `request.args` themselves; they ask this module for a page number, an id, a date, a choice
or a short text. A value that cannot be what the parameter means (letters for a number, a number larger than
a database key, a year 9999) answers 400 with a one-line reason, before any query runs. The filter forms read
from the URL (the dashboard's, the journal's) get it from `args()`; their date fields keep to the same bounds
(bootcamp/dates.py), their choices to the existing ones.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, NoReturn, TypeVar

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .dates import date_problem
from .forms import MAX_ID

T = TypeVar("T")

MAX_PAGE = 100_000  # far past the last page of any list, far below what an SQL OFFSET can hold
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
MAX_TEXT = 200


def bad(name: str, problem: str) -> NoReturn:
    """Answer 400 for the parameter `name`, with what is wrong with it."""
    abort(400, description=_("Paramètre « %(name)s » invalide : %(problem)s", name=name, problem=problem))


def _raw(name: str) -> str | None:
    value = request.args.get(name)
    return None if value is None or not value.strip() else value.strip()


def integer(name: str, default: int | None = None, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """A whole number between `minimum` and `maximum` (an id by default); absent or blank gives `default`."""
    text = _raw(name)
    if text is None:
        return default
    if not re.fullmatch(r"-?[0-9]{1,20}", text):
        bad(name, _("un nombre entier est attendu."))
    value = int(text)
    if not minimum <= value <= maximum:
        bad(name, _("un nombre entre %(low)d et %(high)d est attendu.", low=minimum, high=maximum))
    return value


def page(name: str = "page") -> int:
    """A page number of a list, 1 when absent."""
    return integer(name, 1, 1, MAX_PAGE) or 1


def choice(name: str, allowed: Iterable[str], default: str | None = None) -> str | None:
    """One of `allowed`; absent gives `default`. A value not allowed falls back to `default` when there is one
    (a link's sort order or view, harmless to ignore), and answers 400 when there is none (it is required)."""
    allowed = list(allowed)
    text = _raw(name)
    if text in allowed:
        return text
    if default is not None:
        return default
    bad(name, _("valeurs possibles : %(values)s.", values=", ".join(allowed)))


def day(name: str, default: date | None = None) -> date | None:
    """A date written 2026-12-25 or 25/12/2026, within the dates the app accepts; absent gives `default`."""
    text = _raw(name)
    if text is None:
        return default
    for form in DATE_FORMATS:
        try:
            value = datetime.strptime(text, form).date()
        except ValueError:
            continue
        if problem := date_problem(value):
            bad(name, problem + ".")
        return value
    bad(name, _("une date est attendue, par exemple 25/12/2026."))


def text(name: str, default: str = "", max_length: int = MAX_TEXT) -> str:
    """A short free text (a name to search, a path to come back to), stripped; too long answers 400."""
    value = _raw(name)
    if value is None:
        return default
    if len(value) > max_length:
        bad(name, _("%(n)d caractères au plus.", n=max_length))
    return value


def kept(*dropped: str) -> dict[str, Any]:
    """The query string minus `dropped`, for the links of a page that keep its filters (pages, views)."""
    return {key: values for key, values in request.args.to_dict(flat=False).items() if key not in dropped}


def args() -> MultiDict[str, str]:
    """The query string for a filter form read from the URL (its fields do their own checks)."""
    return request.args


def month(name: str = "month", default: date | None = None) -> date | None:
    """A month written 2026-11, as its first day, within the dates the app accepts; absent gives `default`."""
    text = _raw(name)
    if text is None:
        return default
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", text) or text < "0001":
        bad(name, _("un mois est attendu, par exemple 2026-11."))
    value = date(int(text[:4]), int(text[5:]), 1)
    if problem := date_problem(value):
        bad(name, problem + ".")
    return value


class Paginated:
    """What the pagination macro (_macros.html) reads beside `page` and `pages`: a list's page links."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@dataclass
class Page(Paginated, Generic[T]):
    """One page of a list counted in SQL, as the pagination macro reads it."""

    rows: list[T]
    page: int
    total: int
    per_page: int

    @property
    def pages(self) -> int:  # type: ignore[override]
        return max(1, -(-self.total // self.per_page))
