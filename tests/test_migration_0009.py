"""Migration 0009 adds columns to `learners` and `users`: on SQLite a batch copy of those tables would drop the old
ones, cascading to every enrolment and unlinking every account. Nothing may be lost, up or down."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from bootcamp import create_app
from bootcamp.extensions import db

from .conftest import BASE_CONFIG
from .test_migration_0008 import _insert_0007_rows
from .test_setup import empty_database  # noqa: F401 (a fixture: an empty SQLite file or PostgreSQL database)

COUNTED = ("learners", "enrolments", "exam_candidates", "exam_results", "users")


def _counts() -> dict[str, object]:
    with db.engine.connect() as connection:
        counts: dict[str, object] = {
            table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() for table in COUNTED
        }
        counts["linked"] = connection.execute(sa.text("SELECT learner_id FROM users")).scalars().all()
    return counts


def test_migration_0009_keeps_every_enrolment_and_account_up_and_down(empty_database: str) -> None:  # noqa: F811
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade(revision="0007_attendance")
        with db.engine.begin() as connection:
            _insert_0007_rows(connection)
            connection.execute(
                sa.text(
                    "INSERT INTO users (email, name, role, active, learner_id, created_at, session_token) "
                    "SELECT 'l@example.org', 'L', 'learner', :yes, min(id), '2024-01-01 09:00:00', 't' FROM learners"
                ),
                {"yes": True},
            )
        upgrade(revision="0008_certification")
        before = _counts()
        assert before["enrolments"] and before["exam_results"] and before["linked"] != [None]
        upgrade(revision="0009_mail_and_surveys")
        assert _counts() == before
        assert db.session.execute(sa.text("SELECT count(*) FROM learners WHERE contact_consent")).scalar_one() == 0
        db.session.remove()
        downgrade(revision="0008_certification")
        assert _counts() == before
        db.engine.dispose()
