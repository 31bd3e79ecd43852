"""The learner's follow-up page and the unsubscribe page, opened from a personal link with no account: the token
leaves the address, dead links all look alike, the answer becomes the outcome « déclaré par l'apprenant·e »
until the school takes it over, openings are throttled, and a GET never unsubscribes anyone."""

import logging
import threading
from datetime import date, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootcamp import dates, tokens
from bootcamp.extensions import db
from bootcamp.followups import answers
from bootcamp.models import (
    AuditEvent,
    Enrolment,
    EnrolmentStatus,
    FollowUpRequest,
    Learner,
    OneTimeToken,
    Outcome,
    OutcomeSource,
    Situation,
    SurveyInvitation,
    utcnow,
)

from .conftest import AuthActions, csrf_token, form_from, page_form

TODAY = date(2026, 11, 27)  # four weeks after the world's leaver (Rose Roux, other cohort) left on 30/10/2026
QUESTION = "Bonjour Rose, où en êtes-vous 6 mois après la formation Développeur web et web mobile ?"
JOB = {"situation": "cdi", "employer": "Lozère Web", "job_title": "Développeuse", "digital": "yes",
       "start_date": "2026-11-16", "city": "Mende"}


@pytest.fixture(autouse=True)
def today(monkeypatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: TODAY)


def _ask(app: Flask, enrolment_id: int, point: int = 6, purpose: str = "follow_up") -> tuple[int, str]:
    """A follow-up request of `enrolment_id` at `point`, as bootcamp/followups/services.py sends it: (its id, its
    link's token)."""
    with app.app_context():
        request = FollowUpRequest(enrolment_id=enrolment_id, point=point, recipient="rose@example.net", messages=1,
                                  first_sent_at=utcnow(), last_sent_at=utcnow())
        db.session.add(request)
        db.session.flush()
        token = tokens.issue(purpose, timedelta(days=30), subject=str(request.id))
        db.session.commit()
        return request.id, token


@pytest.fixture
def asked(app: Flask, world) -> tuple[int, str]:
    """The world's leaver asked her +6 months situation, with her consent to be contacted."""
    with app.app_context():
        db.session.get(Learner, world.other_learner_id).contact_consent = True
        db.session.commit()
    return _ask(app, world.other_enrolment_id)


def _stop_token(app: Flask, request_id: int) -> str:
    """The unsubscribe link's own token of a follow-up request's message (tokens.UNSUBSCRIBE)."""
    with app.app_context():
        token = tokens.issue(tokens.UNSUBSCRIBE["follow_up"], timedelta(days=30), subject=str(request_id))
        db.session.commit()
        return token


def _open(client: FlaskClient, token: str, door: str = "followup") -> None:
    response = client.get(f"/{door}/{token}")
    assert response.status_code == 302 and response.headers["Location"] == f"/{door}", response.status_code


def _answer(client: FlaskClient, **changes: str | None):
    client.get("/followup")  # the thank-you page of an earlier answer, if any: the form comes next
    fields = page_form(client, "/followup") | JOB | changes
    return client.post("/followup", data={key: value for key, value in fields.items() if value is not None})


def _outcomes(app: Flask, enrolment_id: int) -> list[Outcome]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Outcome).where(Outcome.enrolment_id == enrolment_id)))


def _events(app: Flask, entity: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity == entity)))


def test_the_link_leaves_the_address_bar_and_asks_the_question(client: FlaskClient, asked, caplog) -> None:
    _request_id, token = asked
    caplog.set_level(logging.DEBUG)
    _open(client, token)
    page = client.get("/followup")
    assert page.status_code == 200 and token not in page.text and token not in caplog.text
    text = unescape(page.text)
    assert QUESTION in text and "J'ai un CDI" in text and "Je cherche un emploi" in text
    assert 'type="radio"' in page.text and "je ne sais pas" in text and 'type="date"' in page.text


def test_the_exit_point_is_asked_in_its_own_words(app: Flask, client: FlaskClient, world) -> None:
    _request_id, token = _ask(app, world.other_enrolment_id, point=0)
    _open(client, token)
    page = unescape(client.get("/followup").text)
    assert "Bonjour Rose, où en êtes-vous à la fin de la formation Développeur web et web mobile ?" in page


def test_every_dead_link_gets_the_same_page(app: Flask, client: FlaskClient, world, asked) -> None:
    request_id, token = asked
    _, expired = _ask(app, world.other_enrolment_id, point=12)
    _, survey = _ask(app, world.other_enrolment_id, point=3, purpose="survey")  # a questionnaire's token
    with app.app_context():
        db.session.execute(sa.update(OneTimeToken).where(OneTimeToken.token_hash == tokens.digest(expired))
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        garbled = tokens.issue("follow_up", timedelta(days=30), subject="²")
        db.session.commit()
    pages = [client.get(f"/followup/{each}") for each in ("not-a-token", expired, survey, garbled)]
    pages.append(client.get("/followup"))  # no link opened in this session
    with app.app_context():  # the exit undone: the learner is back in training, her follow-ups no longer apply
        enrolment = db.session.get(Enrolment, world.other_enrolment_id)
        enrolment.status, enrolment.exit_date = EnrolmentStatus.IN_TRAINING, None
        db.session.commit()
    pages.append(client.get(f"/followup/{token}"))
    assert {page.status_code for page in pages} == {404}
    assert len({page.text for page in pages}) == 1
    assert "Ce lien n'est plus valable" in unescape(pages[0].text) and "École numérique des Causses" in pages[0].text


def test_a_link_opened_then_gone_stops_at_once(app: Flask, client: FlaskClient, world, asked) -> None:
    request_id, token = asked
    _open(client, token)
    with app.app_context():  # the learner's record erased with her enrolment: the request goes with it
        db.session.delete(db.session.get(Learner, world.other_learner_id))
        db.session.commit()
    assert client.get("/followup").status_code == 404


def test_the_answer_is_recorded_as_the_learners_with_no_actor(app: Flask, client: FlaskClient, world, asked) -> None:
    request_id, token = asked
    AuthActions(client).login("manager@example.org")  # someone logged in on this browser did not answer
    _open(client, token)
    response = _answer(client)
    assert response.status_code == 302 and response.headers["Location"] == "/followup"
    [outcome] = _outcomes(app, world.other_enrolment_id)
    assert (outcome.point, outcome.situation, outcome.source) == (6, Situation.CDI, OutcomeSource.LEARNER)
    assert (outcome.employer, outcome.job_title, outcome.digital, outcome.city) == (
        "Lozère Web", "Développeuse", True, "Mende")
    assert outcome.start_date == date(2026, 11, 16) and outcome.recorded_by_id is None
    assert outcome.confirmed_at is None
    [event] = _events(app, "outcome")
    assert (event.action, event.actor_id, event.learner_id) == ("create", None, world.other_learner_id)
    assert event.after["source"] == "learner" and event.after["city"] == "Mende"
    with app.app_context():
        assert db.session.get(FollowUpRequest, request_id).answered_at is not None
    thanks = unescape(client.get("/followup").text)
    assert "Merci, Rose !" in thanks and "Lozère Web" in thanks
    again = unescape(client.get("/followup").text)  # reopened: the answer, ready to be corrected
    assert "Vous avez répondu le" in again and 'value="Lozère Web"' in again
    assert form_from(again)["situation"] == "cdi" and form_from(again)["digital"] == "yes"


def test_a_job_seeker_gives_no_details(app: Flask, client: FlaskClient, world, asked) -> None:
    _open(client, asked[1])
    assert _answer(client, situation="job_search").status_code == 302
    [outcome] = _outcomes(app, world.other_enrolment_id)
    assert (outcome.situation, outcome.employer, outcome.digital, outcome.start_date, outcome.city) == (
        Situation.JOB_SEARCH, "", None, None, "")


def test_the_answer_can_be_corrected_until_the_school_confirms_it(app: Flask, client: FlaskClient, world,
                                                                  asked) -> None:
    request_id, token = asked
    _open(client, token)
    _answer(client, situation="cdd_short")
    assert _answer(client, situation="cdd_long", digital="unknown").status_code == 302
    [outcome] = _outcomes(app, world.other_enrolment_id)
    assert (outcome.situation, outcome.digital, outcome.version) == (Situation.CDD_LONG, None, 2)
    assert [event.action for event in _events(app, "outcome")] == ["create", "update"]
    with app.app_context():  # a manager checks it (helper « followups »' confirmation does this)
        db.session.get(Outcome, outcome.id).confirmed_at = utcnow()
        db.session.commit()
    page = client.get("/followup")
    assert "vérifiée par l'école" in unescape(page.text) and 'name="situation"' not in page.text
    refused = client.post("/followup", data={"csrf_token": csrf_token(client, "/followup"), **JOB})
    assert refused.status_code == 302
    assert "n'a pas été enregistrée" in unescape(client.get("/followup").text)
    [unchanged] = _outcomes(app, world.other_enrolment_id)
    assert (unchanged.situation, unchanged.version) == (Situation.CDD_LONG, 3)  # 3: the confirmation
    assert len(_events(app, "outcome")) == 2


def test_a_point_the_staff_recorded_is_not_asked_again(app: Flask, client: FlaskClient, world, asked) -> None:
    with app.app_context():
        db.session.add(Outcome(enrolment_id=world.other_enrolment_id, point=6, situation=Situation.TRAINING,
                               employer="Greta Lozère", source=OutcomeSource.STAFF))
        db.session.commit()
    _open(client, asked[1])
    page = unescape(client.get("/followup").text)
    assert "L'école a déjà enregistré votre situation" in page and "Greta Lozère" not in page
    assert 'name="situation"' not in page
    assert client.post("/followup", data={"csrf_token": csrf_token(client, "/followup"), **JOB}).status_code == 302
    [outcome] = _outcomes(app, world.other_enrolment_id)
    assert (outcome.situation, outcome.source, outcome.employer) == (Situation.TRAINING, OutcomeSource.STAFF,
                                                                     "Greta Lozère")
    assert _events(app, "outcome") == []


def test_one_requests_link_never_reaches_another(app: Flask, client: FlaskClient, world, asked) -> None:
    request_a, token_a = asked
    request_b, token_b = _ask(app, world.other_enrolment_id, point=12)
    _open(client, token_a)
    fields = page_form(client, "/followup") | JOB | {"id": str(request_b), "point": "12", "enrolment": "1"}
    assert client.post("/followup", data=fields).status_code == 302
    assert [(o.point, o.situation) for o in _outcomes(app, world.other_enrolment_id)] == [(6, Situation.CDI)]
    with app.app_context():
        assert db.session.get(FollowUpRequest, request_b).answered_at is None
    _open(client, token_b)  # the other link, opened in the same browser, takes over
    assert "12 mois après" in unescape(client.get("/followup").text)


def test_openings_are_throttled_per_address(app: Flask, client: FlaskClient, asked) -> None:
    _request_id, token = asked
    for _ in range(12):  # a learner opening her own link again and again is not refused
        _open(client, token)
    for _ in range(10):
        assert client.get("/followup/guess").status_code == 404
    refused = client.get(f"/followup/{token}")  # the 11th failure: the address waits, even with a good link
    assert refused.status_code == 429 and "Réessayez dans 15 minutes" in refused.text
    assert client.get("/unsubscribe/guess").status_code == 404  # each door counts apart (10 each, 30 in all)
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    _open(elsewhere, token)


def test_posts_without_csrf_token_are_refused(app: Flask, client: FlaskClient, world, asked) -> None:
    request_id, token = asked
    _open(client, token)
    _open(client, _stop_token(app, request_id), "unsubscribe")
    assert client.post("/followup", data=JOB).status_code == 400
    assert client.post("/unsubscribe", data={}).status_code == 400
    assert _outcomes(app, world.other_enrolment_id) == []
    with app.app_context():
        assert db.session.get(Learner, world.other_learner_id).contact_consent is True


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"situation": None}, "Choisissez la phrase qui décrit le mieux votre situation."),
        ({"situation": "unknown"}, "Choisissez l'une des phrases proposées."),
        ({"digital": "maybe"}, "Choisissez oui, non ou je ne sais pas."),
        ({"employer": "x" * 201}, "Texte trop long : 201 caractères, 200 au plus."),
        ({"city": "x" * 101}, "Texte trop long : 101 caractères, 100 au plus."),
        ({"start_date": "2026-09-01"}, "ne peut pas précéder le début de la promotion (07/09/2026)"),
        ({"start_date": "2026-12-01"}, "ne peut pas être après aujourd'hui (27/11/2026)"),
        ({"start_date": "31/02/2026"}, "Date invalide"),
    ],
)
def test_bad_answers_come_back_with_their_errors(app: Flask, client: FlaskClient, world, asked, changes,
                                                 message) -> None:
    _open(client, asked[1])
    response = _answer(client, **changes)
    assert response.status_code == 200 and message in unescape(response.text)
    assert "Rien n'a été enregistré" in unescape(response.text)
    assert _outcomes(app, world.other_enrolment_id) == []


def test_no_answer_ever_gives_a_server_error(app: Flask, client: FlaskClient, asked) -> None:
    _open(client, asked[1])
    fields = page_form(client, "/followup")
    names = [name for name in fields if name != "csrf_token"] + ["situation", "digital", "extra"]
    texts = st.one_of(st.sampled_from(["", " ", "cdi", "yes", "2026-11-01", "01/11/2026", "9999-12-31", "é" * 300]),
                      st.text(max_size=40))

    @settings(max_examples=15, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.dictionaries(st.sampled_from(names), texts, max_size=len(names)))
    def fuzz(changes: dict[str, str]) -> None:
        response = client.post("/followup", data=fields | JOB | changes)
        assert response.status_code in (200, 302, 400), (changes, response.status_code)

    fuzz()


def test_two_answers_at_once_make_one_outcome(app: Flask, world, asked, monkeypatch) -> None:
    """Both read « not answered yet », then save: the second waits for the first's lock, then corrects it."""
    clients = [app.test_client() for _ in range(2)]
    forms = []
    for each in clients:
        _open(each, asked[1])
        forms.append(page_form(each, "/followup"))
    both_read = threading.Barrier(2, timeout=3)  # on SQLite the first holds the write lock: the second waits there
    original = answers.locked

    def meet_then_lock(row):
        try:
            both_read.wait()
        except threading.BrokenBarrierError:
            pass
        return original(row)

    monkeypatch.setattr(answers, "locked", meet_then_lock)
    statuses = []
    threads = [threading.Thread(target=lambda c=c, f=f, s=s: statuses.append(
        c.post("/followup", data=f | JOB | {"situation": s}).status_code))
        for c, f, s in zip(clients, forms, ("cdi", "training"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    [outcome] = _outcomes(app, world.other_enrolment_id)
    assert outcome.source == OutcomeSource.LEARNER
    assert sorted(event.action for event in _events(app, "outcome")) == ["create", "update"]


def test_opening_an_unsubscribe_link_changes_nothing_and_the_button_stops_the_messages(
    app: Flask, client: FlaskClient, world, asked
) -> None:
    request_id, token = asked
    stop = _stop_token(app, request_id)
    # a token opens its one form and nothing else: the answer link's, no unsubscribe page; the unsubscribe one, no form
    assert client.get(f"/unsubscribe/{token}").status_code == 404 and client.get(f"/followup/{stop}").status_code == 404
    _open(client, stop, "unsubscribe")
    page = client.get("/unsubscribe")
    assert page.status_code == 200 and "Ne plus recevoir de messages" in page.text and stop not in page.text
    with app.app_context():
        assert db.session.get(Learner, world.other_learner_id).contact_consent is True
        assert db.session.get(FollowUpRequest, request_id).unsubscribed_at is None
    assert client.post("/unsubscribe", data=page_form(client, "/unsubscribe")).status_code == 302
    with app.app_context():
        assert db.session.get(Learner, world.other_learner_id).contact_consent is False
        assert db.session.get(FollowUpRequest, request_id).unsubscribed_at is not None
    [event] = _events(app, "learner")
    assert (event.actor_id, event.before, event.after) == (None, {"contact_consent": True}, {"contact_consent": False})
    done = unescape(client.get("/unsubscribe").text)
    assert "C'est fait" in done and "Ma progression" in done and 'type="submit">Ne plus' not in done


def test_a_questionnaire_link_unsubscribes_too(app: Flask, client: FlaskClient, world) -> None:
    with app.app_context():
        invitation = SurveyInvitation(campaign_id=world.campaign_id, enrolment_id=world.enrolment_id,
                                      recipient="learner@example.org", messages=1)
        other = FollowUpRequest(enrolment_id=world.enrolment_id, point=0, recipient="luc@example.com", messages=1)
        db.session.add_all([invitation, other])
        db.session.get(Learner, world.learner_id).contact_consent = True
        db.session.flush()
        token = tokens.issue("survey", timedelta(days=20), subject=str(invitation.id))
        stop = tokens.issue(tokens.UNSUBSCRIBE["survey"], timedelta(days=20), subject=str(invitation.id))
        db.session.commit()
        invitation_id, other_id = invitation.id, other.id
    assert client.get(f"/followup/{token}").status_code == 404  # a questionnaire link answers no follow-up
    assert client.get(f"/unsubscribe/{token}").status_code == 404  # nor unsubscribes: its message's other link does
    _open(client, stop, "unsubscribe")
    assert client.post("/unsubscribe", data=page_form(client, "/unsubscribe")).status_code == 302
    with app.app_context():
        assert db.session.get(Learner, world.learner_id).contact_consent is False
        assert db.session.get(SurveyInvitation, invitation_id).unsubscribed_at is not None
        assert db.session.get(FollowUpRequest, other_id).unsubscribed_at is not None  # everything else stops too
    again = client.post("/unsubscribe", data={"csrf_token": csrf_token(client, "/unsubscribe")})
    assert again.status_code == 302 and len(_events(app, "learner")) == 1  # done already: nothing more to record


def test_a_dead_unsubscribe_link_gets_the_same_page(client: FlaskClient, asked) -> None:
    gone = client.get("/followup/not-a-token")
    for response in (client.get("/unsubscribe/not-a-token"), client.get("/unsubscribe")):
        assert (response.status_code, response.text) == (404, gone.text)


def test_the_pages_run_a_fixed_number_of_queries(app: Flask, client: FlaskClient, asked, count_queries) -> None:
    request_id, token = asked
    with count_queries() as opening:
        _open(client, token)
    with count_queries() as question:
        assert client.get("/followup").status_code == 200
    _answer(client)
    with count_queries() as answered:
        assert client.get("/followup").status_code == 200
    _open(client, _stop_token(app, request_id), "unsubscribe")
    with count_queries() as unsubscribe:
        assert client.get("/unsubscribe").status_code == 200
    assert (opening.count, question.count, answered.count, unsubscribe.count) == (7, 3, 3, 2)
