"""Keeping what does not change between two writes: the dashboard's aggregates, the cohort and learner pages.

Every transaction that changes a row the pages show raises the one number of the `data_version` table, in
the same transaction (SQLAlchemy session events below, including bulk UPDATE/DELETE). A page asks for that
number once (one small query), and reuses what it computed for the same key and the same number; anything
written since gives a new number, so nothing stale is ever shown. Each worker process keeps its own
entries, least recently used first out, within MAX_ENTRIES.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, g, render_template
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from . import dates
from .extensions import db
from .models import AuditEvent, DataVersion, LoginAttempt, User

T = TypeVar("T")
MAX_ENTRIES = 512
# Writes that change nothing a cached page shows: login bookkeeping, and the audit trail (never alone).
IGNORED = (LoginAttempt, AuditEvent, DataVersion)
LOGIN_FIELDS = {"last_login_at", "session_token", "password_hash"}
IGNORED_TABLES = {LoginAttempt.__tablename__, DataVersion.__tablename__}


class Store:
    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, key: Hashable, version: int, compute: Callable[[], T]) -> T:
        with self.lock:
            found = self.entries.get(key)
            if found is not None and found[0] == version:
                self.entries.move_to_end(key)
                self.hits += 1
                return found[1]
        value = compute()
        with self.lock:
            self.misses += 1
            self.entries[key] = (version, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


store = Store()


VERSION = sa.select(DataVersion.value).where(DataVersion.id == 1)  # built once: every kept page asks


def data_version() -> int:
    """The data's version, read once per request."""
    if "data_version" not in g:
        g.data_version = db.session.connection().scalar(VERSION) or 0  # Core: a number, no ORM object to load
    return g.data_version


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """compute(), or what it returned for the same key, language and day while the data has not changed (the
    day: what is late or due next changes at midnight)."""
    database = current_app.config["SQLALCHEMY_DATABASE_URI"]
    return store.get_or_compute((database, str(get_locale()), dates.today(), key), data_version(), compute)


def cached_fragment(template: str, key: Hashable, context: Callable[[], dict]) -> Markup:
    """A partial template rendered with context(), or the HTML it gave for the same key, language and data.
    The partial must hold nothing of the person's own (no CSRF token, no name): those stay outside."""
    return cached((template, key), lambda: render_fragment(template, **context()))


def render_fragment(template: str, **context: Any) -> Markup:
    """A partial template as HTML to put in a page."""
    # Jinja's output, autoescaped: HTML already
    return Markup(render_template(template, **context))  # nosec


CSRF_SLOT = Markup("<!-- csrf_token -->")


def with_csrf(html: Markup) -> Markup:
    """The fragment with this person's CSRF token where the partial put csrf_slot."""
    token = Markup('<input name="csrf_token" type="hidden" value="{}">').format(generate_csrf())
    return html.replace(CSRF_SLOT, token)  # Markup.replace: the result stays Markup


def init_app(app: Flask) -> None:
    store.clear()  # a new app (a test's) starts empty, whatever an earlier one of this process kept
    app.jinja_env.globals["csrf_slot"] = CSRF_SLOT


def _matters(instance: object) -> bool:
    if isinstance(instance, IGNORED):
        return False
    if isinstance(instance, User):
        state = sa.inspect(instance)
        changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
        return state.pending or state.deleted or bool(changed - LOGIN_FIELDS)
    return True


def _raise_version(connection: sa.Connection) -> None:
    connection.execute(sa.update(DataVersion).where(DataVersion.id == 1).values(value=DataVersion.value + 1))


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _note_changes(session: sa.orm.Session, _context: Any, _instances: Any) -> None:
    if any(_matters(instance) for instance in (*session.new, *session.dirty, *session.deleted)):
        session.info["data_changed"] = True


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _raise_after_flush(session: sa.orm.Session, _context: Any) -> None:
    if session.info.pop("data_changed", False):
        _raise_version(session.connection())


@sa.event.listens_for(sa.orm.Session, "do_orm_execute")
def _raise_after_bulk(state: sa.orm.ORMExecuteState) -> None:
    table = getattr(state.statement, "table", None)
    if (state.is_update or state.is_delete or state.is_insert) and getattr(table, "name", None) not in IGNORED_TABLES:
        _raise_version(state.session.connection())
