"""Migration 0010: the statuses trainers typed on grades become hand-ins that derive back to the same statuses, the
outbox learns a new kind of email without losing the follow-up requests' and invitations' references to their last
message (on SQLite its CHECK is widened in place: a rebuild would drop the table and empty them), and exits get their
employer's comparison key. Down again, the statuses come back as they were (SQLite and PostgreSQL)."""

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from bootcamp import create_app
from bootcamp.extensions import db
from bootcamp.handins.status import status_of, statuses
from bootcamp.models import Enrolment, HandIn, SubmissionStatus

from .conftest import BASE_CONFIG
from .test_setup import empty_database  # noqa: F401 (a fixture: an empty SQLite file or PostgreSQL database)

TODAY = date(2026, 1, 15)  # every due date below has passed
BRIEFS = {"Portfolio": date(2025, 3, 14), "API de réservation": date(2025, 5, 23), "Déploiement": date(2025, 9, 26)}
# Per learner (status, exit date): their typed status on each brief (None: never graded) and who graded it.
LEARNERS = [
    ("in_training", None, ["submitted", "late", "missing"], "trainer"),
    ("in_training", None, ["late", "submitted", None], "other"),
    ("finished", date(2025, 10, 31), ["missing", "missing", "submitted"], "trainer"),
    ("finished", date(2025, 10, 31), ["submitted", "submitted", "late"], None),
    ("dropped", date(2025, 6, 2), ["submitted", "missing", None], "other"),
]
EMPLOYERS = {"Lozère Numérique": "lozere numerique", "  SARL   Élan\u00a0Cévenol ": "sarl elan cevenol", "": ""}
COUNTED = ("learners", "enrolments", "grades", "projects", "outbox_messages", "users")


def _one(connection: sa.Connection, sql: str, **values: object) -> int:
    return connection.execute(sa.text(sql + " RETURNING id"), values).scalar_one()


def _insert_world(connection: sa.Connection) -> dict[str, object]:
    """A site, a cohort, two trainers, learners and their enrolments, briefs, typed grades, emails referenced by a
    follow-up request and a survey invitation, and exits with employers, as 0009 held them."""
    programme = connection.execute(sa.text("SELECT id FROM programmes")).scalar_one()
    site = _one(connection, "INSERT INTO sites (name, key) VALUES ('Mende', 'mende')")
    cohort = _one(
        connection,
        "INSERT INTO cohorts (name, site_id, programme_id, start_date, end_date) "
        "VALUES ('Mende 2025', :site, :programme, :start, :end)",
        site=site, programme=programme, start=date(2025, 1, 6), end=date(2025, 10, 31),
    )
    users = {
        key: _one(
            connection,
            "INSERT INTO users (email, name, role, active, created_at, session_token) "
            "VALUES (:email, :name, 'trainer', :yes, :now, :token)",
            email=f"{key}@example.org", name=key.title(), yes=True, now=datetime(2025, 1, 2, 9), token=key,
        )
        for key in ("trainer", "other")
    }
    projects = {
        title: _one(
            connection,
            "INSERT INTO projects (cohort_id, title, due_date, created_by_id, created_at) "
            "VALUES (:cohort, :title, :due, :by, :now)",
            cohort=cohort, title=title, due=due, by=users["trainer"], now=datetime(2025, 1, 6, 9),
        )
        for title, due in BRIEFS.items()
    }
    grades: dict[tuple[int, int], tuple[str, int | None]] = {}
    enrolments = []
    for number, (status, exit_date, typed, grader) in enumerate(LEARNERS):
        learner = _one(
            connection,
            "INSERT INTO learners (first_name, last_name, gender, created_at) VALUES ('Lou', :name, 'female', :now)",
            name=f"Martin{number}", now=datetime(2024, 12, 1, 9),
        )
        enrolments.append(
            _one(
                connection,
                "INSERT INTO enrolments (learner_id, cohort_id, status, exit_date, dropout_reason) "
                "VALUES (:learner, :cohort, :status, :exit, :reason)",
                learner=learner, cohort=cohort, status=status, exit=exit_date,
                reason="job" if status == "dropped" else None,
            )
        )
        for project, value in zip(projects.values(), typed, strict=True):
            if value is None:
                continue
            author = users[grader] if grader else None
            connection.execute(
                sa.text(
                    "INSERT INTO grades (learner_id, project_id, score_hundredths, status, feedback, graded_by_id, "
                    "graded_at) VALUES (:learner, :project, :score, :status, 'Bien', :by, :at)"
                ),
                {"learner": learner, "project": project, "score": None if value == "missing" else 1350,
                 "status": value, "by": author, "at": datetime(2025, 6, 30, 16)},
            )
            grades[learner, project] = (value, author)
    return {"users": users, "projects": projects, "grades": grades, "enrolments": enrolments,
            "messages": _insert_mail(connection, cohort, enrolments)}


def _insert_mail(connection: sa.Connection, cohort: int, enrolments: list[int]) -> dict[str, int]:
    """Three emails of three kinds; a follow-up request and a survey invitation citing theirs; exits with employers."""
    messages = {
        kind: _one(
            connection,
            "INSERT INTO outbox_messages (kind, recipient, subject, body_text, body_html, state, created_at, due_at) "
            "VALUES (:kind, 'lou@example.org', 'Sujet', 'Texte', '<p>Texte</p>', 'sent', :now, :now)",
            kind=kind, now=datetime(2025, 11, 3, 8),
        )
        for kind in ("follow_up", "survey", "password_reset")
    }
    connection.execute(
        sa.text(
            "INSERT INTO follow_up_requests (enrolment_id, point, recipient, messages, first_sent_at, last_sent_at, "
            "last_message_id) VALUES (:enrolment, 0, 'lou@example.org', 1, :now, :now, :message)"
        ),
        {"enrolment": enrolments[2], "now": datetime(2025, 11, 3, 8), "message": messages["follow_up"]},
    )
    campaign = _one(
        connection,
        "INSERT INTO survey_campaigns (cohort_id, kind, statements, opened_at, closes_on) "
        "VALUES (:cohort, 'hot', '[]', :now, :closes)",
        cohort=cohort, now=datetime(2025, 10, 20, 9), closes=date(2025, 11, 14),
    )
    connection.execute(
        sa.text(
            "INSERT INTO survey_invitations (campaign_id, enrolment_id, recipient, messages, last_message_id) "
            "VALUES (:campaign, :enrolment, 'lou@example.org', 1, :message)"
        ),
        {"campaign": campaign, "enrolment": enrolments[3], "message": messages["survey"]},
    )
    for enrolment, employer in zip(enrolments[2:], EMPLOYERS, strict=True):
        connection.execute(
            sa.text(
                "INSERT INTO outcomes (enrolment_id, point, situation, employer, job_title, recorded_at) "
                "VALUES (:enrolment, 0, :situation, :employer, '', :now)"
            ),
            {"enrolment": enrolment, "situation": "cdi" if employer else "job_search", "employer": employer,
             "now": datetime(2025, 11, 3, 9)},
        )
    return messages


def _counts(connection: sa.Connection) -> dict[str, int]:
    return {table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() for table in COUNTED}


def _references(connection: sa.Connection) -> tuple[list[int | None], list[int | None]]:
    return (
        connection.execute(sa.text("SELECT last_message_id FROM follow_up_requests")).scalars().all(),
        connection.execute(sa.text("SELECT last_message_id FROM survey_invitations")).scalars().all(),
    )


def _queue(connection: sa.Connection, kind: str) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO outbox_messages (kind, recipient, subject, body_text, body_html, state, created_at, due_at) "
            "VALUES (:kind, 'tuteur@entreprise.example', 'Avis', 'Texte', '<p>Texte</p>', 'queued', :now, :now)"
        ),
        {"kind": kind, "now": datetime(2026, 1, 15, 8)},
    )


def _check_sqlite_file(connection: sa.Connection) -> None:
    if connection.dialect.name == "sqlite":
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalars().all() == ["ok"]
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []


def _check_upgraded(world: dict, before: dict) -> None:
    """0010's rows: versions where a status said so, the same statuses derived, references and counts kept."""
    grades, projects = world["grades"], world["projects"]
    due = {project: BRIEFS[title] for title, project in projects.items()}
    hand_ins = db.session.execute(
        sa.select(HandIn.learner_id, HandIn.project_id, HandIn.number, HandIn.handed_in_on, HandIn.recorded_by_id,
                  HandIn.repository_url)
    ).all()
    expected = {
        (learner, project, 1, due[project] + timedelta(days=1 if status == "late" else 0), author, "")
        for (learner, project), (status, author) in grades.items() if status != "missing"
    }
    assert {tuple(row) for row in hand_ins} == expected and len(hand_ins) == len(expected) == 9
    first_on = {(row.learner_id, row.project_id): row.handed_in_on for row in hand_ins}
    for (learner, project), (status, _author) in grades.items():
        derived = status_of(False, first_on.get((learner, project)), due[project], TODAY)
        assert derived == SubmissionStatus(status)
    derived_sql = statuses(sa.select(Enrolment.id), TODAY)
    rows = db.session.execute(sa.select(derived_sql.c.learner_id, derived_sql.c.project_id, derived_sql.c.status))
    in_sql = {(learner, project): status for learner, project, status in rows}
    assert {key: in_sql[key] for key in grades} == {key: status for key, (status, _by) in grades.items()}
    with db.engine.begin() as connection:
        assert _counts(connection) == before["counts"]
        assert _references(connection) == before["references"] != ([None], [None])
        keys = connection.execute(sa.text("SELECT employer, employer_key FROM outcomes")).all()
        assert dict(keys) == EMPLOYERS
        _queue(connection, "tutor_review")
        assert _references(connection) == before["references"]
        _check_sqlite_file(connection)


def test_migration_0010_turns_typed_statuses_into_hand_ins_and_keeps_the_outbox_references(
    empty_database: str,  # noqa: F811
) -> None:
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade(revision="0009_mail_and_surveys")
        with db.engine.begin() as connection:
            world = _insert_world(connection)
            before = {"counts": _counts(connection), "references": _references(connection)}
            typed = dict(connection.execute(sa.text("SELECT id, status FROM grades")).all())
        assert set(typed.values()) == {"submitted", "late", "missing"}
        upgrade(revision="0010_hand_ins_and_placements")
        _check_upgraded(world, before)
        db.session.remove()
        downgrade(revision="0009_mail_and_surveys")
        with db.engine.begin() as connection:
            assert dict(connection.execute(sa.text("SELECT id, status FROM grades")).all()) == typed
            kinds = connection.execute(sa.text("SELECT kind FROM outbox_messages ORDER BY id")).scalars().all()
            assert kinds == ["follow_up", "survey", "password_reset"]  # the tutor's email went, the others stay
            assert _references(connection) == before["references"]
            assert _counts(connection) == before["counts"]
            _check_sqlite_file(connection)
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            _queue(connection, "tutor_review")
        db.engine.dispose()
