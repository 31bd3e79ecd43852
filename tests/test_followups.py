"""Follow-ups asked by email: who is asked and when, reminders at 7 and 14 days (three messages at most), none after
an answer, an unsubscription or a bounce, idempotent runs; where asking stands on /outcomes/due; confirming or
correcting a learner's declaration; the learner's contact for after the training (/me and the managers' form)."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import audit, dates, tokens
from bootcamp.extensions import db
from bootcamp.followups.services import WINDOW_DAYS, send_due
from bootcamp.models import (
    Enrolment,
    EnrolmentStatus,
    FollowUpRequest,
    Learner,
    MessageKind,
    MessageState,
    OutboxMessage,
    Outcome,
    OutcomeSource,
    Situation,
    User,
    utcnow,
)
from bootcamp.personal_data import erase_learner

from . import factories
from .conftest import AuthActions, audit_events, csrf_token, form_from, page_form

TODAY = dates.today()


def _leaver(cohort, exit_date: date = TODAY - timedelta(days=3), consent: bool = True, **fields: object) -> Learner:
    """A leaver (finished on `exit_date`) who agreed to be contacted, or not."""
    learner = factories.learner(cohort, contact_consent=consent, **fields)
    learner.enrolments[0].status, learner.enrolments[0].exit_date = EnrolmentStatus.FINISHED, exit_date
    return learner


def _cohort():
    return factories.cohort(start=TODAY - timedelta(days=400), end=TODAY - timedelta(days=3))


def _outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == MessageKind.FOLLOW_UP)))


def _token(message: OutboxMessage) -> str:
    return re.search(r"/followup/([A-Za-z0-9_-]+)", message.body_text).group(1)


def test_leavers_who_agreed_are_asked_once_at_their_personal_address(app: Flask) -> None:
    """Consent, an address and a point due within the window, not recorded: asked; a second run queues nothing."""
    with app.app_context():
        cohort = _cohort()
        personal = _leaver(cohort, personal_email="Perso@Example.com")
        school_only = _leaver(cohort)
        refused = _leaver(cohort, consent=False, personal_email="non@example.com")
        no_address = _leaver(cohort, email=None)
        recorded = _leaver(cohort, personal_email="fait@example.com")
        db.session.add(Outcome(enrolment=recorded.enrolments[0], point=0, situation=Situation.CDI))
        too_old = _leaver(cohort, exit_date=TODAY - timedelta(days=WINDOW_DAYS + 1), personal_email="vieux@example.com")
        still_training = factories.learner(cohort, contact_consent=True, personal_email="encore@example.com")
        db.session.commit()
        sent = send_due(TODAY)
        db.session.commit()
        assert (sent.asked, sent.reminded) == (2, 0)
        messages = _outbox()
        assert sorted(m.recipient for m in messages) == sorted(["perso@example.com", school_only.email])
        requests = db.session.scalars(sa.select(FollowUpRequest).order_by(FollowUpRequest.id)).all()
        assert {(r.enrolment.learner_id, r.point, r.messages) for r in requests} == {
            (personal.id, 0, 1),
            (school_only.id, 0, 1),
        }
        for request in requests:
            message = db.session.get(OutboxMessage, request.last_message_id)
            token = _token(message)
            stop = re.search(r"/unsubscribe/([A-Za-z0-9_-]+)", message.body_text).group(1)
            assert stop != token and f"/unsubscribe/{stop}" in message.body_html
            assert f"/followup/{token}" in message.body_html
            assert tokens.find(tokens.UNSUBSCRIBE["follow_up"], tokens.digest(stop)).subject == str(request.id)
            found = tokens.find("follow_up", tokens.digest(token))
            assert found is not None and found.subject == str(request.id)
            assert 29 <= (found.expires_at - utcnow()).days <= 30
            assert "Bonjour Prénom" in message.body_text and message.locale == "fr"
            # sentences apart in both versions (a block tag at a line's end eats its newline: `+%}` keeps it)
            assert "maintenant ?\n\nQuelques questions" in message.body_text
            assert "maintenant ?\nQuelques questions" in message.body_html
        again = send_due(TODAY)
        db.session.commit()
        assert (again.asked, again.reminded) == (0, 0) and len(_outbox()) == 2
        assert {refused.id, no_address.id, too_old.id, still_training.id, recorded.id}.isdisjoint(
            {r.enrolment.learner_id for r in requests}
        )


def test_a_learner_who_chose_english_is_written_to_in_english(app: Flask) -> None:
    with app.app_context():
        learner = _leaver(_cohort(), personal_email="en@example.com")
        factories.user("en.account@example.org", factories.Role.LEARNER, "x", linked=learner).locale = "en"
        db.session.commit()
        send_due(TODAY)
        (message,) = _outbox()
        assert message.locale == "en"  # rendered in English (the catalogue's words once merged)


def test_reminders_come_7_and_14_days_after_the_first_message_then_stop(app: Flask) -> None:
    with app.app_context():
        _leaver(_cohort(), personal_email="rappel@example.com")
        db.session.commit()
        counts = []
        for day in (0, 0, 6, 7, 7, 13, 14, 14, 21, 40):
            sent = send_due(TODAY + timedelta(days=day))
            db.session.commit()
            counts.append((day, sent.asked, sent.reminded))
        assert counts == [
            (0, 1, 0), (0, 0, 0), (6, 0, 0), (7, 0, 1), (7, 0, 0), (13, 0, 0), (14, 0, 1), (14, 0, 0), (21, 0, 0),
            (40, 0, 0),
        ]
        request = db.session.scalar(sa.select(FollowUpRequest))
        messages = _outbox()
        assert request.messages == 3 and len(messages) == 3 and request.last_message_id == messages[-1].id
        assert [m.subject.startswith("Rappel") for m in messages] == [False, True, True]
        assert (request.last_sent_at.date() - request.first_sent_at.date()).days == 14
        links = [_token(m) for m in messages]
        assert len(set(links)) == 3  # a new link each time; the older ones still open the form until they expire
        assert all(tokens.find("follow_up", tokens.digest(link)) is not None for link in links)


@pytest.mark.parametrize("stop", ["outcome", "answered", "unsubscribed", "bounced", "consent", "erased"])
def test_nothing_more_after_an_answer_an_unsubscription_a_bounce(app: Flask, stop: str) -> None:
    with app.app_context():
        learner = _leaver(_cohort(), personal_email="stop@example.com")
        db.session.commit()
        assert send_due(TODAY).asked == 1
        request = db.session.scalar(sa.select(FollowUpRequest))
        if stop == "outcome":  # recorded by the staff meanwhile (a phone call)
            db.session.add(Outcome(enrolment=request.enrolment, point=0, situation=Situation.TRAINING))
        elif stop == "answered":
            request.answered_at = utcnow()
        elif stop == "unsubscribed":
            request.unsubscribed_at = utcnow()
        elif stop == "bounced":
            db.session.get(OutboxMessage, request.last_message_id).state = MessageState.FAILED
        elif stop == "consent":
            learner.contact_consent = False
        else:
            erase_learner(learner)
        db.session.commit()
        assert send_due(TODAY + timedelta(days=7)).reminded == 0
        assert len(_outbox()) == (0 if stop == "erased" else 1)  # an erasure deletes the messages to the person


def test_the_command_prints_its_counts_and_refuses_a_bad_date(app: Flask, runner, monkeypatch) -> None:
    monkeypatch.setattr("bootcamp.satisfaction.sending.send_due", lambda today: 4)
    with app.app_context():
        _leaver(_cohort(), personal_email="cli@example.com")
        db.session.commit()
    result = runner.invoke(args=["followups", "send"])
    assert result.exit_code == 0 and result.output == "follow-ups: 1 asked, 0 reminded; questionnaires: 4\n"
    later = (TODAY + timedelta(days=7)).isoformat()
    result = runner.invoke(args=["followups", "send", "--date", later])
    assert result.output == "follow-ups: 0 asked, 1 reminded; questionnaires: 4\n"
    for bad in ("2026-13-01", "demain", "9999-01-01"):
        result = runner.invoke(args=["followups", "send", "--date", bad])
        assert result.exit_code != 0 and "--date" in result.output and "Traceback" not in result.output
    with app.app_context():
        assert len(_outbox()) == 2


def _status_world(app: Flask) -> dict[str, int]:
    """One leaver for each state of asking, due at exit (0), named after it; their learner ids by state."""
    with app.app_context():
        cohort = _cohort()
        made = {
            "sent": _leaver(cohort, last_name="Envoi"),
            "reminded": _leaver(cohort, last_name="Relance"),
            "bounced": _leaver(cohort, last_name="Echec"),
            "unsubscribed": _leaver(cohort, last_name="Desinscrit"),
            "no_consent": _leaver(cohort, consent=False, last_name="Refus"),
            "no_address": _leaver(cohort, email=None, last_name="Sansadresse"),
            "outside_window": _leaver(cohort, exit_date=TODAY - timedelta(days=WINDOW_DAYS + 2), last_name="Ancien"),
            "next_run": _leaver(cohort, last_name="Prochain"),
        }
        db.session.flush()
        for state in ("sent", "reminded", "bounced", "unsubscribed"):
            message = factories.outbox_message("x@example.com", kind=MessageKind.FOLLOW_UP)
            request = FollowUpRequest(
                enrolment=made[state].enrolments[0], point=0, recipient="x@example.com", messages=1,
                first_sent_at=utcnow(), last_sent_at=utcnow(), last_message_id=message.id,
            )
            if state == "reminded":
                request.messages = 2
            if state == "bounced":
                message.state = MessageState.FAILED
            if state == "unsubscribed":
                request.unsubscribed_at = utcnow()
                made[state].contact_consent = False
            db.session.add(request)
        db.session.commit()
        return {state: learner.id for state, learner in made.items()}


STATE_WORDS = {
    "sent": "envoyé le",
    "reminded": "relancé·e le",
    "bounced": "adresse en échec",
    "unsubscribed": "désinscrit·e le",
    "no_consent": "pas d'accord pour être contacté·e",
    "no_address": "aucune adresse e-mail",
    "outside_window": "échu depuis trop longtemps",
    "next_run": "au prochain envoi",
}


def test_the_due_page_says_where_asking_stands_in_a_fixed_number_of_queries(
    app: Flask, client, auth: AuthActions, world, count_queries
) -> None:
    auth.login("manager@example.org")
    with count_queries() as empty:
        assert client.get("/outcomes/due?point=0").status_code == 200
    states = _status_world(app)
    with count_queries() as full:
        page = client.get("/outcomes/due?point=0&sort=name").text
    assert full.count == empty.count
    rows = {match.group(1): match.group(0) for match in re.finditer(r'learners/(\d+)".*?</tr>', page, re.S)}
    for state, learner_id in states.items():
        assert STATE_WORDS[state] in rows[str(learner_id)], state
    assert "relancé·e le" in rows[str(states["reminded"])] and "(2 messages)" in rows[str(states["reminded"])]


def _declared(app: Flask, world, situation: Situation = Situation.CDD_LONG) -> int:
    """The world's leaver declared a situation at exit through their link; the outcome's version."""
    with app.app_context():
        outcome = Outcome(
            enrolment_id=world.other_enrolment_id, point=0, situation=situation, employer="Lozère Web",
            job_title="Développeuse", city="Mende", source=OutcomeSource.LEARNER, recorded_by_id=None,
        )
        db.session.add(outcome)
        db.session.commit()
        return outcome.version


def _outcome(app: Flask, world) -> Outcome:
    with app.app_context():
        return db.session.scalar(sa.select(Outcome).where(Outcome.enrolment_id == world.other_enrolment_id))


CONFIRM = "/outcomes/{}/0/confirm"


def test_a_manager_confirms_a_declaration_from_the_due_page(app: Flask, client, auth: AuthActions, world) -> None:
    _declared(app, world)
    auth.login("manager@example.org")
    page = client.get("/outcomes/due").text
    assert "À confirmer" in page and "déclaré par l'apprenant·e le" in page and "Mende" in page
    form = form_from(page, 0)
    url = CONFIRM.format(world.other_enrolment_id)
    response = client.post(f"{url}?next=/outcomes/due", data=form)
    assert response.status_code == 302 and response.location.endswith("/outcomes/due")
    outcome = _outcome(app, world)
    assert outcome.confirmed_at is not None and outcome.source == OutcomeSource.LEARNER
    with app.app_context():
        manager = db.session.scalar(sa.select(User).where(User.email == "manager@example.org"))
    assert outcome.confirmed_by_id == manager.id
    (event,) = [e for e in audit_events(app, "outcome") if e.action == "confirm"]
    assert event.actor_id == manager.id and event.entity_id == outcome.id and event.before == {"confirmed_at": None}
    page = client.get("/outcomes/due").text
    assert "À confirmer" not in page
    shown = client.get(f"/learners/{world.other_learner_id}").text
    assert "déclaré par l'apprenant·e le" in shown and "confirmé le" in shown


def test_confirming_a_declaration_changed_since_answers_409(app: Flask, client, auth: AuthActions, world) -> None:
    version = _declared(app, world)
    auth.login("manager@example.org")
    form = form_from(client.get("/outcomes/due").text, 0)
    with app.app_context():  # the learner corrects their answer meanwhile
        outcome = db.session.scalar(sa.select(Outcome).where(Outcome.enrolment_id == world.other_enrolment_id))
        outcome.situation = Situation.CDI
        audit.record("outcome", outcome.id, "update", {"situation": "cdd_long"}, {"situation": "cdi"})
        db.session.commit()
    response = client.post(CONFIRM.format(world.other_enrolment_id), data=form)
    assert response.status_code == 409 and "été confirmé" in response.text and "quelqu" in response.text
    assert _outcome(app, world).confirmed_at is None
    form["version"] = str(version + 1)
    assert client.post(CONFIRM.format(world.other_enrolment_id), data=form).status_code == 302


def test_confirming_refuses_what_is_not_a_declaration(app: Flask, client, auth: AuthActions, world) -> None:
    _declared(app, world)
    auth.login("manager@example.org")
    form = form_from(client.get("/outcomes/due").text, 0)
    assert client.post(CONFIRM.format(world.other_enrolment_id), data={**form, "version": ""}).status_code == 400
    assert client.post(CONFIRM.format(world.other_enrolment_id), data={**form, "version": "x"}).status_code == 400
    assert client.post(f"/outcomes/{world.other_enrolment_id}/5/confirm", data=form).status_code == 404
    assert client.post(f"/outcomes/{world.other_enrolment_id}/3/confirm", data=form).status_code == 404  # none
    assert client.post(f"/outcomes/{world.enrolment_id}/0/confirm", data=form).status_code == 404  # in training
    with app.app_context():
        db.session.execute(sa.update(Outcome).values(source=OutcomeSource.STAFF))
        db.session.commit()
    assert client.post(CONFIRM.format(world.other_enrolment_id), data=form).status_code == 404


@pytest.mark.parametrize("who", ["trainer@example.org", "learner@example.org", "admin@example.org"])
def test_only_managers_confirm(app: Flask, client, auth: AuthActions, world, who: str) -> None:
    version = _declared(app, world)
    auth.login(who)
    token = csrf_token(client, "/")
    response = client.post(CONFIRM.format(world.other_enrolment_id), data={"csrf_token": token, "version": version})
    assert response.status_code == 404
    assert _outcome(app, world).confirmed_at is None


def test_correcting_a_declaration_records_the_managers_values_confirmed(
    app: Flask, client, auth: AuthActions, world
) -> None:
    _declared(app, world)
    auth.login("manager@example.org")
    url = f"/outcomes/{world.other_enrolment_id}/0"
    page = client.get(url).text
    assert "Déclarée par l'apprenant·e le" in page and 'value="Mende"' in page
    form = form_from(page)
    form.update(situation="cdi", city="Rodez")
    assert client.post(url, data=form).status_code == 302
    outcome = _outcome(app, world)
    assert (outcome.situation, outcome.city, outcome.source) == (Situation.CDI, "Rodez", OutcomeSource.STAFF)
    assert outcome.confirmed_at is not None and outcome.recorded_by_id == outcome.confirmed_by_id is not None
    event = [e for e in audit_events(app, "outcome") if e.action == "update"][-1]
    assert event.before["source"] == "learner" and event.after["source"] == "staff"
    assert (event.before["city"], event.after["city"]) == ("Mende", "Rodez")
    assert "À confirmer" not in client.get("/outcomes/due").text


def test_the_outcome_form_records_a_city(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    url = f"/outcomes/{world.other_enrolment_id}/3"
    form = page_form(client, url)
    form.update(situation="training", city="x" * 101)
    assert "Texte trop long" in client.post(url, data=form).text
    form["city"] = " Toulouse "
    assert client.post(url, data=form).status_code == 302
    with app.app_context():
        outcome = db.session.scalar(sa.select(Outcome).where(Outcome.point == 3))
        assert (outcome.city, outcome.source, outcome.confirmed_at) == ("Toulouse", OutcomeSource.STAFF, None)


def _learner(app: Flask, learner_id: int) -> Learner:
    with app.app_context():
        return db.session.get(Learner, learner_id)


def test_a_learner_gives_a_personal_address_and_consent_on_me(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("learner@example.org")
    page = client.get("/me").text
    assert "J'accepte d'être contacté·e après la formation pour le suivi et les questionnaires" in page
    form = form_from(page)
    assert "personal_email" in form and "contact_consent" not in form
    given = {**form, "personal_email": " Luc.Perso@Example.com ", "contact_consent": "y"}
    response = client.post("/me/contact", data=given)
    assert response.status_code == 302 and response.location.endswith("/me#contact")
    learner = _learner(app, world.learner_id)
    assert (learner.personal_email, learner.contact_consent) == ("luc.perso@example.com", True)
    (event,) = [e for e in audit_events(app, "learner") if e.action == "update"]
    assert event.before == {"personal_email": None, "contact_consent": False}
    assert event.after == {"personal_email": "luc.perso@example.com", "contact_consent": True}
    form = form_from(client.get("/me").text)
    assert form["personal_email"] == "luc.perso@example.com" and form["contact_consent"] == "y"
    refused = client.post("/me/contact", data={**form, "personal_email": "pas-une-adresse"})
    assert refused.status_code == 200 and "Adresse e-mail invalide." in refused.text
    assert client.post("/me/contact", data={**form, "personal_email": "a@" + "b" * 260 + ".fr"}).status_code == 200
    withdrawn = {key: value for key, value in form.items() if key != "contact_consent"}
    assert client.post("/me/contact", data=withdrawn).status_code == 302
    assert _learner(app, world.learner_id).contact_consent is False
    assert len([e for e in audit_events(app, "learner") if e.action == "update"]) == 2


def test_a_contact_changed_since_the_form_was_shown_answers_409(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    url = f"/learners/{world.learner_id}/contact"
    form = page_form(client, url)
    with app.app_context():  # the learner saves theirs meanwhile
        db.session.get(Learner, world.learner_id).personal_email = "theirs@example.com"
        db.session.commit()
    response = client.post(url, data={**form, "personal_email": "mine@example.com", "contact_consent": "y"})
    assert response.status_code == 409 and "theirs@example.com" in response.text
    assert _learner(app, world.learner_id).personal_email == "theirs@example.com"
    again = form_from(response.text)  # the form comes back with what is there now: saving again replaces it
    assert client.post(url, data={**again, "personal_email": "mine@example.com"}).status_code == 302
    assert _learner(app, world.learner_id).personal_email == "mine@example.com"


def test_managers_edit_the_contact_and_see_it_on_the_learner_page(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    url = f"/learners/{world.other_learner_id}/contact"
    form = page_form(client, url)
    given = {**form, "personal_email": "rose@example.com", "contact_consent": "y"}
    assert client.post(url, data=given).status_code == 302
    page = client.get(f"/learners/{world.other_learner_id}").text
    assert "rose@example.com" in page and "accord donné" in page
    assert client.get("/learners/999999/contact").status_code == 404
    auth.logout()
    auth.login("trainer@example.org")
    assert client.get(f"/learners/{world.learner_id}/contact").status_code == 404
    assert client.get("/me/contact").status_code == 404


def test_erasure_empties_the_contact_and_the_export_holds_it(app: Flask, world) -> None:
    from bootcamp.personal_data import learner_export

    with app.app_context():
        learner = db.session.get(Learner, world.other_learner_id)
        learner.personal_email, learner.contact_consent = "rose@example.com", True
        enrolment = db.session.get(Enrolment, world.other_enrolment_id)
        db.session.add(FollowUpRequest(enrolment=enrolment, point=0, recipient="rose@example.com", messages=1))
        db.session.commit()
        exported = learner_export(learner)
        assert exported["learner"]["personal_email"] == "rose@example.com" and exported["learner"]["contact_consent"]
        assert [row["recipient"] for row in exported["follow_up_requests"]] == ["rose@example.com"]
        erase_learner(learner)
        db.session.commit()
        assert (learner.personal_email, learner.contact_consent) == (None, False)
        assert db.session.scalar(sa.select(FollowUpRequest.recipient)) == ""
