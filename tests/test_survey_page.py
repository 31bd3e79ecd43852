"""The anonymous answer page: opened from a personal link (no account), each statement 1-5, one answer only (even
two submits at once), stored without anything that leads back to the person; and end to end through SMTP."""

import re
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates, tokens
from bootcamp.extensions import db
from bootcamp.models import (
    Enrolment,
    Learner,
    OneTimeToken,
    SurveyCampaign,
    SurveyInvitation,
    SurveyResponse,
    SurveyScore,
    utcnow,
)

from .conftest import page_form

TODAY = date(2027, 7, 1)  # the world's cohorts end on 2027-07-05: their « à chaud » is open


@pytest.fixture(autouse=True)
def _today(monkeypatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: TODAY)


def _invite(app: Flask, world, campaign_id: int | None = None) -> str:
    """Invite the world's learner to its cohort's campaign; the token of their link."""
    with app.app_context():
        learner = db.session.get(Learner, world.learner_id)
        learner.qpv = learner.career_change = True
        invitation = SurveyInvitation(
            campaign_id=campaign_id or world.campaign_id, enrolment_id=world.enrolment_id, recipient=learner.email
        )
        db.session.add(invitation)
        db.session.flush()
        token = tokens.issue("survey", timedelta(days=30), subject=str(invitation.id))
        db.session.commit()
        return token


def _answers(**scores: str) -> dict[str, str]:
    values = {"overall": "5", "trainers": "4", "useful": "3", "recommend": "5"} | scores
    return {f"score_{key}": value for key, value in values.items() if value is not None}


def _opened(client, token: str) -> dict:
    response = client.get(f"/survey/{token}")
    assert response.status_code == 302 and response.headers["Location"] == "/survey"
    return page_form(client, "/survey")


def test_the_link_opens_the_questionnaire_without_the_token_in_the_address(app: Flask, client, world) -> None:
    token = _invite(app, world)
    form = _opened(client, token)
    page = client.get("/survey")
    assert token not in page.text
    assert "Bonjour Luc" in page.text and "Vos réponses sont anonymes" in page.text
    assert "Pas du tout d'accord" in page.text and "Tout à fait d'accord" in page.text
    assert page.text.count("<fieldset") == 4 and page.text.count('type="radio"') == 20
    assert set(form) == {"csrf_token", "comment"}  # nothing chosen in advance


@pytest.mark.parametrize("case", ["unknown", "expired", "other purpose", "closed", "answered"])
def test_bad_links_all_get_the_same_plain_page(app: Flask, client, world, monkeypatch, case: str) -> None:
    token = _invite(app, world)
    with app.app_context():
        if case == "expired":
            db.session.execute(sa.update(OneTimeToken).values(expires_at=utcnow()))
        elif case == "other purpose":
            db.session.execute(sa.update(OneTimeToken).values(purpose="follow_up"))
        elif case == "answered":
            db.session.execute(sa.update(SurveyInvitation).values(answered=True))
        db.session.commit()
    if case == "closed":
        monkeypatch.setattr(dates, "today", lambda: date(2027, 7, 20))
    response = client.get(f"/survey/{'x' * 43 if case == 'unknown' else token}")
    assert response.status_code == 404 and "est plus valable" in response.text
    assert client.get("/survey").status_code == 404


def test_bad_links_are_throttled_per_address(app: Flask, client, world) -> None:
    token = _invite(app, world)
    statuses = [client.get(f"/survey/guess{number}").status_code for number in range(12)]
    assert statuses[:10] == [404] * 10 and statuses[-1] == 429
    assert client.get(f"/survey/{token}").status_code == 429  # even a good one, for a quarter of an hour


def test_an_answer_is_stored_with_the_coarse_profile_only_and_the_link_then_stops(app: Flask, client, world) -> None:
    token = _invite(app, world)
    form = _opened(client, token)
    response = client.post("/survey", data=form | _answers(useful="2") | {"comment": "  Super équipe  "})
    assert response.status_code == 302 and response.headers["Location"] == "/survey"
    assert "Merci pour vos réponses" in client.get("/survey").text
    with app.app_context():
        stored = db.session.scalars(sa.select(SurveyResponse)).one()
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        assert (stored.campaign_id, stored.overall, stored.comment) == (world.campaign_id, 5, "Super équipe")
        assert (stored.gender, stored.age_band) == (enrolment.learner.gender, enrolment.age_band)
        assert stored.qpv and stored.career_change and not stored.rqth and not stored.jobseeker
        scores = dict(db.session.execute(sa.select(SurveyScore.key, SurveyScore.score)).all())
        assert scores == {"overall": 5, "trainers": 4, "useful": 2, "recommend": 5}
        assert db.session.scalars(sa.select(SurveyInvitation.answered)).one() is True
    # nothing in the row leads back to the person: no learner, enrolment, invitation nor time
    columns = {column.name for column in SurveyResponse.__table__.columns}
    assert columns == {"id", "campaign_id", "gender", "age_band", "jobseeker", "qpv", "zrr", "rqth", "rsa",
                       "career_change", "overall", "comment"}
    assert client.get(f"/survey/{token}").status_code == 404  # answered: the link is done


@pytest.mark.parametrize(
    "changes",
    [{"score_overall": None}, {"score_trainers": "6"}, {"score_useful": "0"}, {"score_recommend": "quatre"},
     {"score_overall": ""}, {"comment": "x" * 2001}],
)
def test_every_statement_is_required_between_1_and_5(app: Flask, client, world, changes: dict) -> None:
    form = _opened(client, _invite(app, world)) | _answers()
    for name, value in changes.items():
        if value is None:
            form.pop(name)
        else:
            form[name] = value
    response = client.post("/survey", data=form)
    assert response.status_code == 400 and "Rien n'a été enregistré" in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 0


def test_the_form_needs_its_csrf_token(app: Flask, client, world) -> None:
    form = _opened(client, _invite(app, world))
    form.pop("csrf_token")
    assert client.post("/survey", data=form | _answers()).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 0


def test_one_answer_only_even_from_two_browsers_at_once(app: Flask, world) -> None:
    token = _invite(app, world)
    clients = [app.test_client() for _ in range(2)]
    forms = [_opened(each, token) | _answers() for each in clients]
    start, statuses = threading.Barrier(2), []

    def submit(index: int) -> None:
        start.wait()
        statuses.append(clients[index].post("/survey", data=forms[index]).status_code)

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 404]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 1


def test_the_answer_page_runs_a_fixed_number_of_queries(app: Flask, client, world, count_queries) -> None:
    _opened(client, _invite(app, world))
    with count_queries() as counter:
        assert client.get("/survey").status_code == 200
    assert counter.count <= 6


def test_a_campaign_end_to_end_through_smtp(app: Flask, client, auth, world, runner, smtp_server) -> None:
    """The cohort's last week: `flask followups send` opens the « à chaud » and queues the invitation, `flask mail
    send` delivers it, the link in the email is answered, and the campaign page counts one respondent."""
    with app.app_context():  # the world's campaign was opened by hand, empty: let the daily sending open it
        db.session.execute(sa.delete(SurveyCampaign).where(SurveyCampaign.id == world.campaign_id))
        db.session.commit()
    result = runner.invoke(args=["followups", "send", "--date", TODAY.isoformat()])
    assert result.exit_code == 0 and "questionnaires: 1" in result.output, result.output
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    (message,) = [each for each in smtp_server.messages if "/survey/" in each.get_body(("plain",)).get_content()]
    assert message["To"] == "learner@example.org" and "anonymes" in message.get_body(("html",)).get_content()
    link = re.search(r"https?://\S+(/survey/[A-Za-z0-9_-]+)", message.get_body(("plain",)).get_content()).group(1)
    form = _opened(client, link.rsplit("/", 1)[1])
    assert client.post("/survey", data=form | _answers()).status_code == 302
    with app.app_context():
        campaign_id = db.session.scalar(sa.select(SurveyCampaign.id).where(SurveyCampaign.cohort_id == world.cohort_id))
    auth.login("trainer@example.org")
    page = client.get(f"/surveys/{campaign_id}")
    assert "<dt>Réponses</dt><dd>1</dd>" in page.text and "<dt>Invité·es</dt><dd>1</dd>" in page.text
