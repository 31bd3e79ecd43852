"""Several `flask followups send` at once (a daily cron on several machines), real processes on one database (a
SQLite file, and PostgreSQL): each follow-up point is asked once, each questionnaire opened once and each person
invited once; nothing is queued twice."""

import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.models import (
    EnrolmentStatus,
    FollowUpRequest,
    MessageKind,
    OutboxMessage,
    SurveyCampaign,
    SurveyInvitation,
)

from . import factories
from .test_mail_races import ROOT, _environ

SENDERS = 3
LEAVERS = 12
IN_THE_LAST_WEEK = 8


def _people(today) -> None:
    """Leavers who left a week ago and agree to be asked, and a cohort in its last week (its « à chaud » opens)."""
    left = factories.cohort("Rodez 2026 printemps", start=today - timedelta(days=300), end=today - timedelta(days=7))
    for _ in range(LEAVERS):
        person = factories.learner(left, contact_consent=True)
        person.personal_email = f"{person.first_name.lower()}@example.com"
        person.enrolments[0].status, person.enrolments[0].exit_date = EnrolmentStatus.FINISHED, left.end_date
    ending = factories.cohort("Mende 2026 printemps", start=today - timedelta(days=300), end=today + timedelta(days=2))
    for _ in range(IN_THE_LAST_WEEK):
        factories.learner(ending)


def test_senders_at_once_ask_each_point_and_invite_each_person_once(app: Flask, tmp_path: Path) -> None:
    today = dates.today()
    with app.app_context():
        _people(today)
        db.session.commit()
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
    settings = tmp_path / "settings.py"
    settings.write_text('SECRET_KEY = "followups-race"\nBASE_URL = "http://127.0.0.1:5621"\n')
    environment = {**_environ(), "DATABASE_URL": uri, "BOOTCAMP_SETTINGS": str(settings)}
    command = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "followups", "send"]
    senders = [
        subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(SENDERS)
    ]
    outputs = [process.communicate(timeout=120) for process in senders]
    assert [process.returncode for process in senders] == [0] * SENDERS, outputs
    assert all("Traceback" not in err for _out, err in outputs), outputs
    with app.app_context():
        requests = db.session.execute(sa.select(FollowUpRequest.enrolment_id, FollowUpRequest.messages)).all()
        campaigns = db.session.scalars(sa.select(SurveyCampaign.cohort_id)).all()
        invitations = db.session.scalars(sa.select(SurveyInvitation.messages)).all()
        queued = Counter(db.session.scalars(sa.select(OutboxMessage.kind)))
    assert len(requests) == LEAVERS and {messages for _id, messages in requests} == {1}
    assert len(campaigns) == 1  # the ending cohort's « à chaud », opened once
    assert len(invitations) == IN_THE_LAST_WEEK and set(invitations) == {1}
    assert queued[MessageKind.FOLLOW_UP] == LEAVERS and queued[MessageKind.SURVEY] == len(invitations)
