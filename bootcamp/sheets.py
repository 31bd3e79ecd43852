"""Versioned sheets: one page where a person changes many rows at once, each change checked against what they saw.

The competency grid, the grading of a brief and the roll call all follow the same flow, written here once:

- GET: the sheet's partial is the same for every member of staff of a role until the next write, so it is kept
  (cache.cached_fragment); the person's CSRF token is put in afterwards.
- POST: the sheet is read again as of the snapshot the form carried (what the person saw), the form says what
  the person changed (`changes()`), and the sheet saves all of it, or nothing if someone else changed one of the
  same rows meanwhile (its conflicts). Saved: one commit, a message, back to the page (POST-redirect-GET).
  Refused: rollback, and the sheet as it is now with the person's values on top (`keep()`), so that saving
  again applies them.
"""

from abc import ABC, abstractmethod
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from flask import flash, redirect, render_template, request
from flask_babel.speaklater import LazyString
from flask_login import current_user
from werkzeug.wrappers import Response

from .cache import cached_fragment, render_fragment, with_csrf
from .extensions import db
from .forms import posted_id

Data = TypeVar("Data")  # what the sheet shows, as of a snapshot
Changes = TypeVar("Changes")  # what the person changed


class Result(Protocol):
    """What a save gives back: whether it was saved, and how many changes."""

    @property
    def ok(self) -> bool: ...

    @property
    def saved(self) -> int: ...


@dataclass(frozen=True)
class Saved:
    """A save's result when its only refusal is a set of conflicts (row -> what someone else saved meanwhile)."""

    saved: int
    conflicts: dict[Any, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.conflicts


class SheetForm(Protocol[Changes]):
    """The form of a versioned sheet: a `snapshot` field, and the changes it carries compared with what it showed."""

    def validate_on_submit(self) -> bool: ...

    def changes(self) -> Changes: ...

    def keep(self, changes: Changes) -> None: ...


class Sheet(ABC, Generic[Data, Changes]):
    """A versioned sheet: what to read, how to save, where to go; `respond` does the rest."""

    partial: str  # the template kept between writes: nothing of the person's own (no CSRF token, no name)
    page: str  # the page around it
    nothing_changed: LazyString | None = None  # the message when the form changes nothing (None: save anyway)

    @abstractmethod
    def key(self) -> Hashable:
        """What the kept partial depends on, besides the role and the data's version."""

    @abstractmethod
    def read(self, as_of: int | None = None) -> Data:
        """The sheet now, or as of the snapshot a form was loaded with."""

    @abstractmethod
    def form(self, data: Data, posted: bool = True) -> SheetForm[Changes]:
        """The form for `data`, with the request's values or (posted=False) with the recorded ones."""

    @abstractmethod
    def save(self, data: Data, form: Any, changes: Changes) -> Result:
        """Save the changes, or none of them; the caller commits or rolls back."""

    @abstractmethod
    def context(self, data: Data, form: Any, result: Result | None) -> dict[str, Any]:
        """The partial's context."""

    @abstractmethod
    def page_context(self) -> dict[str, Any]:
        """The page's context (what its title needs)."""

    @abstractmethod
    def url(self) -> str:
        """Where a saved sheet goes back to."""

    @abstractmethod
    def saved_message(self, result: Result) -> str:
        """The message once saved."""


def respond(sheet: Sheet[Any, Any]) -> Response | str:
    """The page of a sheet: the kept one on GET, a save or the refused changes on top of the sheet on POST."""
    if request.method == "GET":
        body = cached_fragment(sheet.partial, (sheet.key(), current_user.role), lambda: _fresh(sheet))
        return _page(sheet, body)
    return _submit(sheet)


def _fresh(sheet: Sheet[Data, Any]) -> dict[str, Any]:
    data = sheet.read()
    return sheet.context(data, sheet.form(data, posted=False), None)


def _submit(sheet: Sheet[Data, Changes]) -> Response | str:
    data = sheet.read(as_of=posted_id("snapshot"))
    form = sheet.form(data)
    result = None
    if form.validate_on_submit():
        changes = form.changes()
        if not changes and sheet.nothing_changed:
            flash(str(sheet.nothing_changed), "info")
            return redirect(sheet.url())
        result = sheet.save(data, form, changes)
        if result.ok:
            db.session.commit()
            flash(sheet.saved_message(result), "success")
            return redirect(sheet.url())
        db.session.rollback()
        # The sheet as it is now, with this person's changes on top: saving again applies them.
        data = sheet.read()
        form = sheet.form(data, posted=False)
        form.keep(changes)
    return _page(sheet, render_fragment(sheet.partial, **sheet.context(data, form, result)))


def _page(sheet: Sheet[Any, Any], body: Any) -> str:
    return render_template(sheet.page, **sheet.page_context(), body=with_csrf(body))
