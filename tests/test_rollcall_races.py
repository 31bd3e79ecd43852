"""The roll call and signatures for real: trainers and learners at once against gunicorn with several workers, on
SQLite and on PostgreSQL (tests/races.py). Nobody silently overwrites anybody: of trainers saving one roll call
from one snapshot, one saves and the others get 409; every signature of a cohort signing at once is stored once;
a learner signing while the trainer saves: either both land one after the other, or the trainer gets 409."""

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.models import (
    AttendanceRecord,
    AttendanceSession,
    Cohort,
    HalfDay,
    Presence,
    Role,
    SignatureSource,
    User,
)

from . import factories, races
from .test_races import _check

TRAINERS_AT_ONCE = 8
SIGNING_AT_ONCE = 12
DURING_SAVE = 5


def _records(app: Flask, session_id: int) -> dict[int, AttendanceRecord]:
    with app.app_context():
        found = db.session.scalars(sa.select(AttendanceRecord).where(AttendanceRecord.session_id == session_id))
        records = {record.enrolment_id: record for record in found}
        db.session.expunge_all()
        return records


def test_trainers_saving_one_roll_call_at_once_one_saves_the_others_409(app: Flask, world, tmp_path: Path) -> None:
    """The world's morning (a past day: its roll call may be taken) with four learners: each trainer sends a
    roll call of their own; the stored records are exactly the one that was saved."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        added = [factories.learner(cohort).enrolments[0] for _ in range(3)]
        db.session.commit()
        enrolment_ids = [world.enrolment_id] + [enrolment.id for enrolment in added]
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
    path = f"/cohorts/{world.cohort_id}/attendance/{factories.WORLD_DAY.isoformat()}/am"

    def saved() -> int:
        with app.app_context():
            return db.session.get(AttendanceSession, world.session_id).version - 1

    with races.Server(uri, tmp_path, workers=6) as server:
        tally, submissions, answers = races.roll_call_same_snapshot(
            server.base, world.emails["trainer"], path, enrolment_ids, TRAINERS_AT_ONCE, saved
        )
    _check(tally, server)
    assert (tally.saved, tally.refused) == (1, TRAINERS_AT_ONCE - 1)
    (winner,) = [number for number, (status, _page) in enumerate(answers) if status == 302]
    records = _records(app, world.session_id)
    assert {enrolment: (r.presence, str(r.minutes)) for enrolment, r in records.items()} == {
        enrolment: (Presence.LATE, submissions[winner][f"minutes_{enrolment}"]) for enrolment in enrolment_ids
    }


def _running_now(app: Flask, trainer_id: int, learners: int) -> tuple[int, int, list[str], list[int]]:
    """A cohort of `learners` learners with accounts, and its half-day running now (real time: gunicorn's clock).
    Gives the cohort's and the half-day's ids, the learners' e-mails and enrolment ids."""
    now = dates.now()
    if now.time() > time(23, 50):
        pytest.skip("too close to midnight for a half-day running now")
    midnight = datetime.combine(now.date(), time())
    starts = max(midnight, now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    ends = min(now + timedelta(hours=2), midnight.replace(hour=23, minute=59)).time().replace(second=0, microsecond=0)
    with app.app_context():
        cohort = factories.cohort(trainers=(db.session.get(User, trainer_id),))
        emails, enrolments = [], []
        for number in range(learners):
            learner = factories.learner(cohort)
            factories.user(f"signer{number}@example.org", Role.LEARNER, races.PASSWORD, linked=learner)
            emails.append(f"signer{number}@example.org")
            enrolments.append(learner.enrolments[0])
        session = factories.half_day(cohort, now.date(), HalfDay.AM, starts=starts, ends=ends)
        db.session.commit()
        return cohort.id, session.id, emails, [enrolment.id for enrolment in enrolments]


def test_learners_signing_at_once_and_while_the_trainer_saves(app: Flask, world, tmp_path: Path) -> None:
    """A cohort signs at once: every signature stored once. Then others sign while the trainer saves the roll call
    loaded before: a signature that landed first refuses the trainer's save (409); one that came after the save
    is applied on top of it (the trainer's marks stay, signed_at is added); never one lost under the other."""
    with app.app_context():
        trainer_id = db.session.scalar(sa.select(User.id).where(User.email == world.emails["trainer"]))
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
    total = SIGNING_AT_ONCE + DURING_SAVE
    cohort_id, session_id, emails, enrolment_ids = _running_now(app, trainer_id, total)
    with app.app_context():
        session = db.session.get(AttendanceSession, session_id)
        path = f"/cohorts/{cohort_id}/attendance/{session.day.isoformat()}/am"
        code = session.code

    def submission(form: dict[str, str]) -> dict[str, str]:
        return races.roll_call_marks(form, enrolment_ids, 0)  # everyone late: 1, 2, 3... minutes

    with races.Server(uri, tmp_path, workers=6) as server:
        tally = races.signatures(server.base, emails[:SIGNING_AT_ONCE], code)
        trainer, learners = races.signing_during_roll_call(
            server.base, world.emails["trainer"], path, submission, emails[SIGNING_AT_ONCE:], code
        )
    _check(tally, server)
    assert tally.saved == SIGNING_AT_ONCE
    records = _records(app, session_id)
    assert all(records[enrolment].signed_at is not None for enrolment in enrolment_ids[:SIGNING_AT_ONCE])
    # The trainer's form was loaded after the first signatures: only those of the second group can refuse it.
    assert [status for status, _page in learners] == [302] * DURING_SAVE, [page[:300] for _s, page in learners]
    assert trainer[0] in (302, 409), trainer[1][:300]
    signers = enrolment_ids[SIGNING_AT_ONCE:]
    assert all(records[enrolment].signed_at is not None for enrolment in signers)  # no signature lost
    if trainer[0] == 302:  # saved before every signature of the second group: its marks all stored
        assert all(records[enrolment].presence == Presence.LATE for enrolment in enrolment_ids)
        assert all(records[enrolment].source == SignatureSource.CODE for enrolment in signers)
    else:  # refused: nothing of it stored
        assert "Modification simultanée" in trainer[1]
        assert all(record.presence == Presence.PRESENT and record.minutes == 0 for record in records.values())
    assert "Traceback" not in server.errors()
