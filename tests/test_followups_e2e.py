"""The issue's « Done when » for follow-ups, with a real SMTP server: a leaver's +6 email arrives, its link records
the answer, the dashboard's response rate moves; a refused address shows as « adresse en échec » and gets no
reminder."""

import csv
import io
import re
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.dates import add_months
from bootcamp.extensions import db
from bootcamp.models import EnrolmentStatus, FollowUpRequest, Outcome, OutcomeSource, Situation

from . import factories
from .conftest import AuthActions, form_from

TODAY = dates.today()
EXPORT = "/insertion/export.csv?by=gender&point=6"


def _leaver_at_six_months(app: Flask, email: str) -> int:
    """A leaver whose +6 follow-up fell due two days ago (exit and +3 recorded by phone), who agreed to be asked."""
    with app.app_context():
        exit_date = add_months(TODAY, -6) - timedelta(days=2)
        cohort = factories.cohort(start=exit_date - timedelta(days=300), end=exit_date)
        learner = factories.learner(cohort, first_name="Inès", personal_email=email, contact_consent=True)
        enrolment = learner.enrolments[0]
        enrolment.status, enrolment.exit_date = EnrolmentStatus.FINISHED, exit_date
        for point in (0, 3):
            db.session.add(Outcome(enrolment=enrolment, point=point, situation=Situation.JOB_SEARCH))
        for number in range(5):  # classmates who did not agree to be asked: the dashboard shows groups of 5 or more
            classmate = factories.learner(cohort).enrolments[0]
            classmate.status, classmate.exit_date = EnrolmentStatus.FINISHED, exit_date
            for point in (0, 3, 6)[: 3 if number < 3 else 2]:
                db.session.add(Outcome(enrolment=classmate, point=point, situation=Situation.CDI))
        db.session.commit()
        return enrolment.id


def _all_row(client) -> dict[str, str]:
    rows = list(csv.DictReader(io.StringIO(client.get(EXPORT).text)))
    return rows[0]


def test_a_leavers_six_month_email_arrives_and_its_answer_moves_the_response_rate(
    app: Flask, client, auth: AuthActions, world, runner, smtp_server, monkeypatch
) -> None:
    monkeypatch.setattr("bootcamp.satisfaction.sending.send_due", lambda today: 0)
    enrolment_id = _leaver_at_six_months(app, "ines.perso@example.com")
    auth.login("manager@example.org")
    before = _all_row(client)
    assert before["group"] == "all"

    asked = runner.invoke(args=["followups", "send"])
    assert asked.exit_code == 0 and asked.output.startswith("follow-ups: 1 asked, 0 reminded")
    assert "envoyé le" in client.get("/outcomes/due?point=6").text
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    (message,) = [sent for sent in smtp_server.messages if sent["To"] != "learner@example.org"]  # not world's
    assert message["To"] == "ines.perso@example.com" and "6 mois" in str(message["Subject"])
    text = message.get_body(("plain",)).get_content()
    assert "Bonjour Inès" in text and "/unsubscribe/" in text
    link = re.search(r"https?://[^/\s]+(/followup/[A-Za-z0-9_-]+)", text).group(1)

    auth.logout()
    opened = client.get(link)
    assert opened.status_code == 302 and opened.location.endswith("/followup")
    form = form_from(client.get("/followup").text)
    form.update(situation="cdi", employer="Lozère Web", job_title="Développeuse", digital="yes", city="Mende")
    assert client.post("/followup", data=form).status_code in (200, 302)
    with app.app_context():
        outcome = db.session.scalar(sa.select(Outcome).where(Outcome.enrolment_id == enrolment_id, Outcome.point == 6))
        request = db.session.scalar(sa.select(FollowUpRequest).where(FollowUpRequest.enrolment_id == enrolment_id))
        assert (outcome.situation, outcome.source, outcome.city) == (Situation.CDI, OutcomeSource.LEARNER, "Mende")
        assert request.answered_at is not None

    auth.login("manager@example.org")
    after = _all_row(client)
    assert int(after["known"]) == int(before["known"]) + 1 and int(after["due"]) == int(before["due"])
    assert after["response_rate"] != before["response_rate"]
    assert "À confirmer (1)" in client.get("/outcomes/due").text
    later = (TODAY + timedelta(days=7)).isoformat()
    assert "0 reminded" in runner.invoke(args=["followups", "send", "--date", later]).output  # answered: no more


def test_a_refused_address_is_not_written_to_again(
    app: Flask, client, auth: AuthActions, world, runner, smtp_server, monkeypatch
) -> None:
    monkeypatch.setattr("bootcamp.satisfaction.sending.send_due", lambda today: 0)
    _leaver_at_six_months(app, "gone@example.com")
    smtp_server.refused.add("gone@example.com")
    assert "1 asked" in runner.invoke(args=["followups", "send"]).output
    runner.invoke(args=["mail", "send"])
    assert smtp_server.recipients() == ["learner@example.org"]  # the world's message; not the refused one
    auth.login("manager@example.org")
    assert "adresse en échec" in client.get("/outcomes/due?point=6").text
    later = (TODAY + timedelta(days=7)).isoformat()
    assert "0 reminded" in runner.invoke(args=["followups", "send", "--date", later]).output
