"""Error pages when the database fails under a request: a full disk, a race caught by a unique rule, a lock."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import Outcome

from .conftest import AuthActions, page_form


@contextmanager
def failing_writes(app: Flask, error_class: str, message: str) -> Iterator[None]:
    """Every INSERT fails the way the database driver would fail it."""
    with app.app_context():
        engine = db.engine
        dbapi = engine.dialect.dbapi

    def fail(_conn, _cursor, statement: str, *_args) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            raise getattr(dbapi, error_class)(message)

    sa.event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", fail)


def _outcomes(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Outcome))


@pytest.mark.parametrize(
    ("error_class", "message", "status", "words"),
    [
        ("OperationalError", "database or disk is full", 500, "Erreur du serveur"),
        ("IntegrityError", "duplicate key value violates unique constraint", 409, "Modification simultanée"),
        ("OperationalError", "database is locked", 503, "Service très sollicité"),
    ],
)
def test_a_failed_write_gets_the_app_page_and_saves_nothing(
    app: Flask, client, auth: AuthActions, world, error_class: str, message: str, status: int, words: str
) -> None:
    """The error handlers work with the broken session a failed flush leaves (was a bare 500: the handler
    itself failed with PendingRollbackError while rendering the page)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    auth.login("manager@example.org")
    url = f"/outcomes/{world.other_enrolment_id}/0"
    form = page_form(client, url) | {"situation": "cdi", "employer": "Mairie"}
    with failing_writes(app, error_class, message):
        response = client.post(url, data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == status and words in page and "Traceback" not in page
    assert "<span>manager <span class=\"role\">" in page  # the page still knows who is logged in
    if status == 503:
        assert response.headers["Retry-After"] == "5"
    assert _outcomes(app) == 0
    assert client.post(url, data=page_form(client, url) | {"situation": "cdi"}).status_code == 302  # then it works


def test_a_versioned_update_overtaken_between_check_and_write_is_a_conflict(
    app: Flask, client, auth: AuthActions, world, monkeypatch
) -> None:
    """Two saves of an enrolment from the same version on PostgreSQL: both pass the form's check, the second
    UPDATE ... WHERE version = n finds no row (StaleDataError), which was a 500."""
    from sqlalchemy.orm.exc import StaleDataError

    from bootcamp.cohorts import views

    def overtaken(*_args: object) -> bool:
        raise StaleDataError("UPDATE statement on table 'enrolments' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setattr(views, "change_enrolment", overtaken)
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/enrolments/{world.enrolment_id}"
    response = client.post(url, data=page_form(client, url))
    assert response.status_code == 409 and "Modification simultanée" in response.text
