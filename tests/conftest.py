"""Fixtures: one app per pytest worker on a fresh database per test (a migrated SQLite copy, or PostgreSQL
emptied), clients, role accounts, a real SMTP server, a query counter."""

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.orm import joinedload

from bootcamp import cache, create_app
from bootcamp.extensions import db
from bootcamp.frameworks import DWWM, insert_framework, read_framework

from . import factories
from .smtp import SMTPServer

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "PASSWORD_HASH_PROFILE": "CHEAPEST",
}
PASSWORD = "correct horse battery"


def make_app(database: Path, **overrides: object) -> Flask:
    return create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", **overrides})


def postgres_url() -> str | None:
    """TEST_DATABASE_URL, with the psycopg 3 driver (postgresql://... works too)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)


BACKENDS = ["sqlite"] + (["postgresql"] if postgres_url() else [])
BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own, which reads the group to send the tests together
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests are marked `browser` (`-m "not browser"` leaves them out) and kept together on one
    pytest-xdist worker (`make test` runs `-n auto --dist loadgroup`): they share one gunicorn and one Chromium."""
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    """The .mo files from the .po ones when missing or older (`make install` compiles them; this covers a
    direct pytest run after a change of translation)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parent.parent / "bootcamp" / "translations").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            partial = mo.with_name(f"{mo.name}.{os.getpid()}")  # parallel workers: each writes its own, then one
            with po.open("rb") as source, partial.open("wb") as target:  # atomic rename
                write_mo(target, read_po(source))
            os.replace(partial, mo)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database brought up to date by the migrations once, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    app = make_app(path)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database of this run's own (of this xdist worker's own: gw0, gw1...), migrated once and
    dropped at the end (CI must reach it)."""
    url = sa.engine.make_url(postgres_url())
    name = f"bootcamp_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    test_url = url.set(database=name).render_as_string(hide_password=False)
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": test_url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield test_url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(app: Flask) -> None:
    """Back to a freshly migrated state: no rows but the DWWM framework, ids from 1. DELETE, not TRUNCATE: on tables
    this small it is several times quicker (TRUNCATE syncs a new file for each of the ~50 tables)."""
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.execute(sa.text("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"))
        insert_framework(db.session.connection(), read_framework(DWWM))
        db.session.execute(sa.text("INSERT INTO data_version (id, value) VALUES (1, 0)"))  # as migration 0004
        db.session.commit()


# One app per backend and pytest worker, reused by every test (its URL map alone costs ~70 ms to build); each test
# starts on a fresh database (SQLite: the migrated copy, or the one with the world; PostgreSQL: emptied) with the
# configuration as created (a test that changes app.config in place gets it back afterwards) and an empty cache.
_APPS: dict[str, Flask] = {}
_WORLDS: dict[str, tuple[Path, factories.World]] = {}
_LOADED: dict[str, factories.World] = {}  # the world already in the current test's database


def _shared_app(request: pytest.FixtureRequest, backend: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    if backend not in _APPS:
        if backend == "postgresql":
            uri = request.getfixturevalue("postgres_database")
        else:
            uri = f"sqlite:///{tmp_path_factory.mktemp('shared') / 'bootcamp.sqlite'}"
        _APPS[backend] = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri})
    return _APPS[backend]


def _sqlite_file(app: Flask) -> Path:
    return Path(sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)


def _copy_sqlite(source: Path, app: Flask) -> None:
    target = _sqlite_file(app)
    for suffix in ("-wal", "-shm", "-journal"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    shutil.copy(source, target)


def _world_template(app: Flask, migrated_database: Path) -> tuple[Path, factories.World]:
    """A SQLite copy with the world in it, made once per worker (the world costs ~60 ms to build)."""
    if "sqlite" not in _WORLDS:
        _copy_sqlite(migrated_database, app)
        with app.app_context():
            world = factories.make_world(PASSWORD)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        template = _sqlite_file(app).with_name("world.sqlite")
        shutil.copy(_sqlite_file(app), template)
        _WORLDS["sqlite"] = (template, world)
    return _WORLDS["sqlite"]


@pytest.fixture(params=BACKENDS)
def app(
    request: pytest.FixtureRequest, migrated_database: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """The app on a fresh, migrated database: SQLite always, PostgreSQL too when TEST_DATABASE_URL is set."""
    app = _shared_app(request, request.param, tmp_path_factory)
    settings = dict(app.config)
    cache.store.clear()
    _LOADED.clear()
    if request.param == "postgresql":
        _empty_postgres(app)
    elif "world" in request.fixturenames:
        template, _LOADED["world"] = _world_template(app, migrated_database)
        _copy_sqlite(template, app)
    else:
        _copy_sqlite(migrated_database, app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    app.config.clear()
    app.config.update(settings)


@pytest.fixture
def sqlite_app(migrated_database: Path, tmp_path: Path) -> Iterator[Flask]:
    """The app on SQLite only, for what is about SQLite itself (pragmas, online backups)."""
    path = tmp_path / "bootcamp.sqlite"
    shutil.copy(migrated_database, path)
    app = make_app(path)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of a page's form (every logged-in page has one in its logout form)."""
    response = client.get(path, follow_redirects=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class AuthActions:
    """Log in and out through the real forms, CSRF token included."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD):
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": csrf_token(self.client)}
        )

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[SMTPServer]:
    """A real SMTP server (tests/smtp.py) on a free port, the app's MAIL_* settings pointed at it; stopped after."""
    server = SMTPServer().start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False, MAIL_USE_SSL=False,
                      MAIL_USERNAME=None, MAIL_PASSWORD=None, MAIL_TIMEOUT=5)
    yield server
    server.stop()


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def world(app: Flask) -> factories.World:
    """Two cohorts at two sites, a trainer on the first only, and one account per role (on SQLite, already in the
    database the `app` fixture copied)."""
    if "world" in _LOADED:
        return _LOADED["world"]
    with app.app_context():
        world = factories.make_world(PASSWORD)
        db.session.commit()
        return world


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args) -> None:
        if statement != "BEGIN" and not statement.startswith("BEGIN "):  # SQLite's explicit transaction start
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask):
    """Count the SQL statements run inside a `with count_queries() as counter:` block."""
    from contextlib import contextmanager

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)

    return counting


CHROME_FORMS = ("/logout", "/language")


class _FormParser(HTMLParser):
    """Collect what a browser would send for each POST form of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._in_post = False
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":  # the page's own forms, not the header's logout nor the footer's language switch
            self._in_post = a.get("method", "get").lower() == "post" and a.get("action") not in CHROME_FORMS
            if self._in_post:
                self.forms.append({})
        if not self._in_post:
            return
        form = self.forms[-1]
        if tag == "input" and a.get("name") and a.get("type") in ("checkbox", "radio"):
            if "checked" in a:  # several checked boxes of one name make a list
                value = a.get("value", "y")
                previous = form.get(a["name"])
                form[a["name"]] = (
                    value if previous is None else [*(previous if isinstance(previous, list) else [previous]), value]
                )
        elif tag == "input" and a.get("name") and a.get("type") != "submit":
            form[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select, self._select_first = a.get("name"), None
        elif tag == "option" and self._select:
            if self._select_first is None:
                self._select_first = a.get("value", "")
                form.setdefault(self._select, self._select_first)
            if "selected" in a:
                form[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            form[self._textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_post = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            value = self.forms[-1][self._textarea] + data
            # a browser ignores the newline right after <textarea> (WTForms writes "\r\n" there)
            self.forms[-1][self._textarea] = value[2:] if value.startswith("\r\n") else value.removeprefix("\n")


def page_form(client: FlaskClient, path: str, index: int = -1) -> dict:
    """The fields of a page's POST form as the browser would send them unchanged (last form by default)."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return form_from(response.text, index)


def form_from(html: str, index: int = -1) -> dict:
    """The fields of a POST form of an HTML page (a refused form that comes back, for instance)."""
    parser = _FormParser()
    parser.feed(html)
    return dict(parser.forms[index])


def audit_events(app: Flask, entity: str | None = None) -> list:
    from bootcamp.models import AuditEvent

    with app.app_context():
        query = sa.select(AuditEvent).options(joinedload(AuditEvent.actor)).order_by(AuditEvent.id)
        if entity:
            query = query.where(AuditEvent.entity == entity)
        return list(db.session.scalars(query))
