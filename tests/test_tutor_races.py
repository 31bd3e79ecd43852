"""Races on the tutors' forms: the same form sent from two browsers at once makes one answer and one set of levels;
several `flask placements send` at once (a daily cron on several machines, real processes on one database, SQLite
file or PostgreSQL) email each tutor once."""

import re
import subprocess
import sys
import threading
from collections import Counter
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from bootcamp import dates, tokens
from bootcamp.extensions import db
from bootcamp.models import (
    AssessmentSource,
    CompetencyAssessment,
    MessageKind,
    OutboxMessage,
    Placement,
    ReviewStage,
    TutorReview,
)
from bootcamp.placements.sending import LINK_VALIDITY, TOKEN_PURPOSE

from . import factories
from .conftest import form_from
from .test_mail_races import ROOT, _environ

SENDERS = 3
PLACED = 10
START, END = date(2027, 3, 1), date(2027, 4, 30)
MID_DUE = date(2027, 3, 31)


def test_one_answer_only_even_from_two_browsers_at_once(app: Flask, world, monkeypatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: date(2026, 12, 30))  # the world's mid form: the end of its period
    with app.app_context():
        review = db.session.scalars(
            sa.select(TutorReview).where(
                TutorReview.placement_id == world.placement_id, TutorReview.stage == ReviewStage.MID
            )
        ).one()
        programme = db.session.get(Placement, world.placement_id).enrolment.cohort.programme
        competency_id, review_id = factories.competencies(programme)[0].id, review.id
        token = tokens.issue(TOKEN_PURPOSE, LINK_VALIDITY, subject=str(review_id))
        db.session.commit()
    clients = [app.test_client() for _ in range(2)]
    forms = []
    for number, client in enumerate(clients):
        assert client.get(f"/tutor/{token}").status_code == 302
        form = form_from(client.get("/tutor").text)
        form.update({"appreciation": f"Navigateur {number}", f"level_{competency_id}": str(number + 1)})
        forms.append(form)
    start, statuses = threading.Barrier(2), []

    def submit(index: int) -> None:
        start.wait()
        statuses.append(clients[index].post("/tutor", data=forms[index]).status_code)

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    pages = [client.get("/tutor").text for client in clients]
    assert sorted("Merci, votre bilan est enregistré" in page for page in pages) == [False, True]
    assert any("déjà enregistré" in page for page in pages)
    with app.app_context():
        levels = db.session.scalars(
            sa.select(CompetencyAssessment.level).where(CompetencyAssessment.source == AssessmentSource.TUTOR)
        ).all()
        answered = db.session.get(TutorReview, review_id)
        assert len(levels) == 1 and answered.appreciation == f"Navigateur {levels[0] - 1}"


def test_senders_at_once_email_each_tutor_once(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        cohort = factories.cohort(start=date(2026, 9, 7), end=date(2027, 7, 5))
        for number in range(PLACED):
            enrolment = factories.learner(cohort).enrolments[0]
            factories.placement(enrolment, start=START, end=END, tutor_email=f"tuteur{number}@example.com")
        db.session.commit()
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
    settings = tmp_path / "settings.py"
    settings.write_text('SECRET_KEY = "tutor-race"\nBASE_URL = "http://127.0.0.1:5203"\n')
    environment = {**_environ(), "DATABASE_URL": uri, "BOOTCAMP_SETTINGS": str(settings)}
    command = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "placements", "send",
               "--day", MID_DUE.isoformat()]
    senders = [
        subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(SENDERS)
    ]
    outputs = [process.communicate(timeout=120) for process in senders]
    assert [process.returncode for process in senders] == [0] * SENDERS, outputs
    assert all("Traceback" not in err for _out, err in outputs), outputs
    asked = [int(re.search(r"(\d+) asked", out).group(1)) for out, _err in outputs]
    assert sum(asked) == PLACED, outputs
    with app.app_context():
        recipients = Counter(db.session.scalars(
            sa.select(OutboxMessage.recipient).where(OutboxMessage.kind == MessageKind.TUTOR_REVIEW)
        ))
        sent = db.session.scalars(sa.select(TutorReview.messages).where(TutorReview.stage == ReviewStage.MID)).all()
    assert len(recipients) == PLACED and set(recipients.values()) == {1}
    assert sorted(sent) == [1] * PLACED
