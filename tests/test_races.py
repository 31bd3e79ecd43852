"""Races for real: many people at once against gunicorn with several workers, on SQLite and on PostgreSQL.

Nobody silently overwrites anybody (no save accepted over a change it had not seen), no server error under
load, and no more password guesses than the throttle allows. `make races` prints the same figures.
"""

from datetime import date
from pathlib import Path

import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import (
    Cohort,
    CompetencyAssessment,
    Enrolment,
    EnrolmentStatus,
    ExamCandidate,
    ExamResult,
    Outcome,
    Role,
    User,
)

from . import factories, races

AT_ONCE = 20


def _check(tally: races.Tally, server: races.Server) -> None:
    print(races.HEADER, tally.row(), sep="\n")
    assert not tally.other, tally.other[:3]
    assert tally.server_errors == tally.unanswered == tally.lost == 0
    errors = server.errors()
    assert "database is locked" not in errors and "Traceback" not in errors, errors[-3000:]


def test_one_grid_cell_saved_once_from_one_snapshot(app: Flask, world, tmp_path: Path) -> None:
    with app.app_context():
        cell = (world.learner_id, world.competency_id)
        snapshot = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(CompetencyAssessment.id), 0)))
        uri = app.config["SQLALCHEMY_DATABASE_URI"]

    def saved() -> int:
        with app.app_context():
            return db.session.scalar(
                sa.select(sa.func.count()).where(
                    CompetencyAssessment.id > snapshot,
                    CompetencyAssessment.learner_id == cell[0],
                    CompetencyAssessment.competency_id == cell[1],
                )
            )

    with races.Server(uri, tmp_path, workers=6) as server:
        tally = races.grid_same_cell(server.base, world.emails["trainer"], world.cohort_id, cell, AT_ONCE, saved)
    _check(tally, server)
    assert (tally.saved, tally.refused) == (1, AT_ONCE - 1)


def test_one_follow_up_saved_once_from_one_form(app: Flask, world, tmp_path: Path) -> None:
    with app.app_context():
        enrolment = factories.learner(db.session.get(Cohort, world.cohort_id)).enrolments[0]
        enrolment.status, enrolment.exit_date = EnrolmentStatus.FINISHED, enrolment.cohort.end_date
        db.session.commit()
        enrolment_id, uri = enrolment.id, app.config["SQLALCHEMY_DATABASE_URI"]

    def saved() -> int:
        with app.app_context():
            outcome = db.session.scalar(sa.select(Outcome).where(Outcome.enrolment_id == enrolment_id))
            return 0 if outcome is None else outcome.version

    with races.Server(uri, tmp_path, workers=6) as server:
        tally = races.outcome_same_point(server.base, world.emails["manager"], enrolment_id, 0, AT_ONCE, saved)
    _check(tally, server)
    assert (tally.saved, tally.refused) == (1, AT_ONCE - 1)


def test_many_logins_at_once_with_nine_workers(app: Flask, world, tmp_path: Path) -> None:
    """With the real password hash: a login hashes outside the write lock, so none waits past its timeout."""
    count = 45  # five rounds of nine at once: as many in flight as with more, in half the time
    hashed = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY).hash(races.PASSWORD)
    with app.app_context():
        emails = [f"person{number}@example.org" for number in range(count)]
        db.session.execute(
            sa.insert(User),
            [{"email": email, "name": email, "role": Role.TRAINER, "password_hash": hashed} for email in emails],
        )
        db.session.commit()
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
    with races.Server(uri, tmp_path, workers=9, hash_profile="RFC_9106_LOW_MEMORY") as server:
        tally = races.logins(server.base, emails)
    _check(tally, server)
    assert tally.saved == count


def test_concurrent_wrong_passwords_are_throttled_at_five(app: Flask, world, tmp_path: Path) -> None:
    with app.app_context():
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
    with races.Server(uri, tmp_path, workers=9) as server:
        tally = races.guesses(server.base, world.emails["learner"], AT_ONCE)
    _check(tally, server)
    assert tally.saved <= 5 and tally.saved + tally.refused == AT_ONCE


def test_one_exam_grid_saved_once_from_one_snapshot(app: Flask, world, tmp_path: Path) -> None:
    """8 managers save the same session's results from one snapshot: one saved, 7 refused, nothing overwritten."""
    with app.app_context():
        enrolments = [db.session.get(Enrolment, id) for id in (world.enrolment_id, world.other_enrolment_id)]
        programme = enrolments[0].cohort.programme
        session_id = factories.exam(programme, date(2026, 11, 2), enrolments).id  # begun: results may be recorded
        db.session.commit()
        uri = app.config["SQLALCHEMY_DATABASE_URI"]

    def saved() -> int:
        with app.app_context():
            newest = db.session.scalar(
                sa.select(sa.func.max(ExamResult.version))
                .join(ExamCandidate)
                .where(ExamCandidate.session_id == session_id)
            )
            return newest - 1

    with races.Server(uri, tmp_path, workers=6) as server:
        tally = races.exam_results_same_snapshot(server.base, world.emails["manager"], session_id, 8, saved)
    _check(tally, server)
    assert (tally.saved, tally.refused) == (1, 7)
