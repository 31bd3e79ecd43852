"""`flask backup` while the app writes, and `flask restore`."""

import sqlite3
import threading
from contextlib import closing

import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import Site


def _sites(path) -> int:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute("SELECT count(*) FROM sites").fetchone()[0]


def test_backup_under_concurrent_writes_then_restore(sqlite_app: Flask, tmp_path) -> None:
    app = sqlite_app
    runner = app.test_cli_runner()
    with app.app_context():
        db.session.add_all(Site(name=f"Avant {n}") for n in range(50))
        db.session.commit()
    stop, written = threading.Event(), []

    def writer() -> None:
        with app.app_context():
            number = 0
            while not stop.is_set() and number < 2000:
                db.session.add(Site(name=f"Pendant {number}"))
                db.session.commit()
                written.append(number)
                number += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        result = runner.invoke(args=["backup", str(tmp_path / "copy.sqlite")])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    copied = _sites(tmp_path / "copy.sqlite")
    assert 50 + 20 <= copied <= 50 + len(written)  # one consistent state taken during the writes
    with closing(sqlite3.connect(tmp_path / "copy.sqlite")) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    assert runner.invoke(args=["restore", str(tmp_path / "copy.sqlite")], input="n\n").exit_code == 1
    restored = runner.invoke(args=["restore", str(tmp_path / "copy.sqlite")], input="y\n")
    assert restored.exit_code == 0, restored.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Site)) == copied


def test_backup_refuses_to_overwrite_and_restore_refuses_a_stranger(sqlite_app: Flask, tmp_path) -> None:
    app = sqlite_app
    runner = app.test_cli_runner()
    (tmp_path / "exists.sqlite").write_text("")
    assert "already exists" in runner.invoke(args=["backup", str(tmp_path / "exists.sqlite")]).output
    (tmp_path / "notes.txt").write_text("not a database")
    result = runner.invoke(args=["restore", str(tmp_path / "notes.txt"), "--yes"])
    assert result.exit_code == 1 and "not a Bootcamp database" in result.output


def test_restore_ends_every_session(sqlite_app: Flask, tmp_path) -> None:
    """A logout rotates the account's session token; restoring an older copy must not bring the old one back."""
    from tests import factories
    from tests.conftest import PASSWORD, AuthActions

    app = sqlite_app
    runner = app.test_cli_runner()
    with app.app_context():
        factories.user("manager@example.org", factories.Role.MANAGER, PASSWORD)
        db.session.commit()
    client = app.test_client()
    AuthActions(client).login("manager@example.org")
    assert client.get("/cohorts/").status_code == 200
    assert runner.invoke(args=["backup", str(tmp_path / "copy.sqlite")]).exit_code == 0
    kept = app.test_client()
    kept.set_cookie("session", client.get_cookie("session").value)  # a copy of the cookie, made before logout
    AuthActions(client).logout()
    assert kept.get("/cohorts/").status_code == 302
    restored = runner.invoke(args=["restore", str(tmp_path / "copy.sqlite"), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert kept.get("/cohorts/").status_code == 302  # the logout still holds
    assert "session" in restored.output
    assert AuthActions(app.test_client()).login("manager@example.org").status_code == 302
