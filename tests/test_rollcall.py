"""The roll call of a half-day (trainers) and learners signing with its code (issue 15)."""

from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.models import (
    AbsenceReason,
    AttendanceRecord,
    AttendanceSession,
    Cohort,
    DropoutReason,
    EnrolmentStatus,
    HalfDay,
    Justification,
    Presence,
    Role,
    SessionKind,
    SessionState,
    SignatureSource,
    SigningAttempt,
)

from . import factories
from .conftest import AuthActions, audit_events, csrf_token, form_from, page_form

DAY = factories.WORLD_DAY  # a Monday; the afternoon (13:30–17:00, 210 minutes) is made here for each test


@dataclass(frozen=True)
class Afternoon:
    session_id: int
    url: str
    enrolments: dict[str, int]  # last name -> enrolment id, of those listed on the roll call


@pytest.fixture
def afternoon(app: Flask, world) -> Afternoon:
    """The trainer's cohort with three more learners in training, one who left that day and one who left before;
    the afternoon of DAY, open, code 123456."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        others = [factories.learner(cohort, last_name=name, first_name="A") for name in ("Zola", "Émile", "Abel")]
        left_that_day = factories.learner(cohort, last_name="Dupont", first_name="Jo")
        left_before = factories.learner(cohort, last_name="Martin", first_name="Max")
        for leaver, exit_date in ((left_that_day, DAY), (left_before, date(2026, 11, 13))):
            enrolment = leaver.enrolments[0]
            enrolment.status, enrolment.exit_date = EnrolmentStatus.DROPPED, exit_date
            enrolment.dropout_reason = DropoutReason.JOB
        session = factories.half_day(cohort, DAY, HalfDay.PM)
        db.session.commit()
        enrolments = {learner.last_name: learner.enrolments[0].id for learner in (*others, left_that_day)}
        enrolments["Lefèvre"] = world.enrolment_id
        return Afternoon(session.id, f"/cohorts/{world.cohort_id}/attendance/{DAY.isoformat()}/pm", enrolments)


def at(monkeypatch: pytest.MonkeyPatch, hour: int, minute: int = 0, day: date = DAY) -> None:
    moment = datetime.combine(day, time(hour, minute))
    monkeypatch.setattr(dates, "now", lambda: moment)
    monkeypatch.setattr(dates, "today", lambda: moment.date())


def stored(app: Flask, session_id: int) -> dict[int, AttendanceRecord]:
    with app.app_context():
        records = db.session.scalars(sa.select(AttendanceRecord).where(AttendanceRecord.session_id == session_id))
        return {record.enrolment_id: record for record in records}


def marked(form: dict, enrolment_id: int, presence: str, minutes: str = "", **more: str) -> dict:
    return form | {f"presence_{enrolment_id}": presence, f"minutes_{enrolment_id}": minutes} | {
        f"{name}_{enrolment_id}": value for name, value in more.items()
    }


# The roll call


def test_everyone_in_training_that_day_is_listed_by_name_present_by_default(
    app: Flask, client, auth: AuthActions, afternoon: Afternoon, monkeypatch
) -> None:
    at(monkeypatch, 14)
    auth.login("trainer@example.org")
    page = client.get(afternoon.url).text
    names = [name for name in ("Abel", "Dupont", "Émile", "Lefèvre", "Zola") if name in page]
    assert names == ["Abel", "Dupont", "Émile", "Lefèvre", "Zola"]
    assert [page.index(f"<legend>{name}") for name in names] == sorted(page.index(f"<legend>{name}") for name in names)
    assert "Martin" not in page  # left before that day
    form = form_from(page)
    assert {form[f"presence_{enrolment}"] for enrolment in afternoon.enrolments.values()} == {"present"}
    assert 'class="code" translate="no">123456<' in page and "pas de signature" in page
    assert stored(app, afternoon.session_id) == {}  # nothing recorded by looking


def test_the_code_shows_from_15_minutes_before_the_start_to_the_end(
    client, auth: AuthActions, afternoon: Afternoon, monkeypatch
) -> None:
    auth.login("trainer@example.org")
    for hour, minute, shown in [(13, 14, False), (13, 15, True), (16, 59, True), (17, 0, True), (17, 1, False)]:
        at(monkeypatch, hour, minute)
        assert ("123456" in client.get(afternoon.url).text) is shown, (hour, minute)


def test_one_save_writes_every_record_with_minutes_reasons_and_justification(
    app: Flask, client, auth: AuthActions, world, afternoon: Afternoon, monkeypatch
) -> None:
    at(monkeypatch, 17, 30)
    auth.login("trainer@example.org")
    e = afternoon.enrolments
    form = page_form(client, afternoon.url)
    form = marked(form, e["Abel"], "absent", reason="transport", justified="y")
    form = marked(form, e["Zola"], "late", "25", reason="family")  # a reason is for an absence only
    form = marked(form, e["Émile"], "left_early", "209")
    form = marked(form, e["Dupont"], "absent", "12")  # minutes are for late and left early only
    response = client.post(afternoon.url, data=form | {"action": "save"})
    assert response.status_code == 302 and response.location == afternoon.url
    assert "5 présences notées" in client.get(afternoon.url).text
    records = stored(app, afternoon.session_id)
    got = {
        enrolment: (r.presence, r.minutes, r.reason, r.justification, r.source) for enrolment, r in records.items()
    }
    trainer = SignatureSource.TRAINER
    assert got == {
        e["Abel"]: (Presence.ABSENT, 0, AbsenceReason.TRANSPORT, Justification.ACCEPTED, trainer),
        e["Zola"]: (Presence.LATE, 25, None, Justification.UNJUSTIFIED, trainer),
        e["Émile"]: (Presence.LEFT_EARLY, 209, None, Justification.UNJUSTIFIED, trainer),
        e["Dupont"]: (Presence.ABSENT, 0, None, Justification.UNJUSTIFIED, trainer),
        e["Lefèvre"]: (Presence.PRESENT, 0, None, Justification.UNJUSTIFIED, trainer),
    }
    assert {record.recorded_by_id for record in records.values()} == {1}  # the trainer's account
    events = audit_events(app, "attendance_record")
    assert len(events) == 5 and {event.action for event in events} == {"create"}
    assert all(event.before is None and event.after["day"] == DAY.isoformat() for event in events)
    with app.app_context():
        session = db.session.get(AttendanceSession, afternoon.session_id)
        assert (session.version, session.state) == (2, SessionState.OPEN)


def test_minutes_out_of_bounds_are_refused_next_to_the_field(
    app: Flask, client, auth: AuthActions, afternoon: Afternoon, monkeypatch
) -> None:
    at(monkeypatch, 17, 30)
    auth.login("trainer@example.org")
    enrolment = afternoon.enrolments["Zola"]
    form = page_form(client, afternoon.url)
    for presence, minutes in [("late", ""), ("late", "0"), ("left_early", "210"), ("late", "-5"), ("late", "abc"),
                              ("left_early", "1,5"), ("late", "99999")]:
        response = client.post(afternoon.url, data=marked(form, enrolment, presence, minutes))
        assert response.status_code == 400, minutes
        assert "Rien n'a été enregistré" in response.text
        assert response.text.count("Indiquez les minutes : un nombre entier de 1 à 209.") == 1
        assert f'id="minutes_{enrolment}-error"' in response.text
    assert stored(app, afternoon.session_id) == {}
    assert client.post(afternoon.url, data=marked(form, enrolment, "late", "1")).status_code == 302


def test_unknown_presence_or_reason_is_refused(app: Flask, client, auth: AuthActions, afternoon, monkeypatch) -> None:
    at(monkeypatch, 17, 30)
    auth.login("trainer@example.org")
    enrolment = afternoon.enrolments["Zola"]
    form = page_form(client, afternoon.url)
    for bad in ({f"presence_{enrolment}": "asleep"}, {f"presence_{enrolment}": "absent", f"reason_{enrolment}": "x"}):
        response = client.post(afternoon.url, data=form | bad)
        assert response.status_code == 400 and 'class="error"' in response.text
    assert stored(app, afternoon.session_id) == {}


def test_corrections_are_audited_with_before_and_after_and_unchanged_rows_are_left(
    app: Flask, client, auth: AuthActions, afternoon: Afternoon, monkeypatch
) -> None:
    at(monkeypatch, 17, 30)
    auth.login("trainer@example.org")
    zola, abel = afternoon.enrolments["Zola"], afternoon.enrolments["Abel"]
    client.post(afternoon.url, data=marked(page_form(client, afternoon.url), zola, "late", "10"))
    first = stored(app, afternoon.session_id)
    form = marked(page_form(client, afternoon.url), zola, "absent", reason="appointment")
    assert client.post(afternoon.url, data=form).status_code == 302
    records = stored(app, afternoon.session_id)
    assert (records[zola].presence, records[zola].minutes, records[zola].version) == (Presence.ABSENT, 0, 2)
    assert records[abel].version == first[abel].version == 1  # not written again
    update = [event for event in audit_events(app, "attendance_record") if event.action == "update"]
    assert len(update) == 1 and update[0].entity_id == records[zola].id
    assert (update[0].before["presence"], update[0].before["minutes"]) == ("late", 10)
    assert (update[0].after["presence"], update[0].after["reason"]) == ("absent", "appointment")
    # Nothing changed: nothing written, the version stays
    with app.app_context():
        version = db.session.get(AttendanceSession, afternoon.session_id).version
    assert client.post(afternoon.url, data=page_form(client, afternoon.url)).status_code == 302
    with app.app_context():
        assert db.session.get(AttendanceSession, afternoon.session_id).version == version
    assert len(audit_events(app, "attendance_record")) == 6


def test_unticking_justified_keeps_a_pending_justification_but_not_an_accepted_one(
    app: Flask, client, auth: AuthActions, world, monkeypatch
) -> None:
    at(monkeypatch, 17, 30)
    with app.app_context():
        db.session.get(AttendanceRecord, world.record_id).justification = Justification.PENDING
        db.session.commit()
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/attendance/{DAY.isoformat()}/am"
    form = page_form(client, url)
    assert f"justified_{world.enrolment_id}" not in form and "justificatif à examiner" in client.get(url).text
    client.post(url, data=form | {f"reason_{world.enrolment_id}": "family"})
    with app.app_context():
        assert db.session.get(AttendanceRecord, world.record_id).justification == Justification.PENDING
    client.post(url, data=page_form(client, url) | {f"justified_{world.enrolment_id}": "y"})
    with app.app_context():
        assert db.session.get(AttendanceRecord, world.record_id).justification == Justification.ACCEPTED
    form = page_form(client, url)
    del form[f"justified_{world.enrolment_id}"]
    client.post(url, data=form)
    with app.app_context():
        assert db.session.get(AttendanceRecord, world.record_id).justification == Justification.UNJUSTIFIED


def test_a_sickness_is_kept_without_being_shown_to_a_trainer(
    app: Flask, client, auth: AuthActions, world, monkeypatch
) -> None:
    at(monkeypatch, 17, 30)
    with app.app_context():
        db.session.get(AttendanceRecord, world.record_id).reason = AbsenceReason.SICKNESS
        db.session.commit()
    url = f"/cohorts/{world.cohort_id}/attendance/{DAY.isoformat()}/am"
    auth.login("trainer@example.org")
    page = client.get(url).text
    assert "raison personnelle ou autre (inchangé)" in page and "selected value=\"sickness\"" not in page
    form = form_from(page)
    assert form[f"reason_{world.enrolment_id}"] == "kept"
    assert client.post(url, data=form | {f"justified_{world.enrolment_id}": "y"}).status_code == 302
    with app.app_context():
        record = db.session.get(AttendanceRecord, world.record_id)
        assert (record.reason, record.justification) == (AbsenceReason.SICKNESS, Justification.ACCEPTED)
    auth.logout()
    auth.login("manager@example.org")
    assert 'selected value="sickness"' in client.get(url).text
    assert client.get("/audit").status_code == 200  # the journal reads the roll call's events


def test_validating_closes_the_half_day_and_corrections_stay_possible(
    app: Flask, client, auth: AuthActions, afternoon: Afternoon, monkeypatch
) -> None:
    at(monkeypatch, 16, 50)
    auth.login("trainer@example.org")
    zola = afternoon.enrolments["Zola"]
    form = marked(page_form(client, afternoon.url), zola, "left_early", "20")
    assert client.post(afternoon.url, data=form | {"action": "close"}).status_code == 302
    page = client.get(afternoon.url).text
    assert "Demi-journée validée : la signature est close." in page and "123456" not in page
    assert 'value="close"' not in page  # validated once
    with app.app_context():
        session = db.session.get(AttendanceSession, afternoon.session_id)
        assert (session.state, session.closed_at, session.closed_by_id) == (
            SessionState.CLOSED, datetime(2026, 11, 16, 16, 50), 1
        )
    assert [event.action for event in audit_events(app, "attendance_session")] == ["close"]
    assert len(stored(app, afternoon.session_id)) == 5
    # A correction after the validation: saved and audited
    assert client.post(afternoon.url, data=marked(page_form(client, afternoon.url), zola, "present")).status_code == 302
    assert stored(app, afternoon.session_id)[zola].presence == Presence.PRESENT
    assert [event.action for event in audit_events(app, "attendance_record")][-1] == "update"
    with app.app_context():
        assert db.session.get(AttendanceSession, afternoon.session_id).state == SessionState.CLOSED


def test_a_form_loaded_before_another_save_or_a_signature_is_refused_409(
    app: Flask, client, auth: AuthActions, afternoon: Afternoon, monkeypatch
) -> None:
    at(monkeypatch, 14)
    auth.login("trainer@example.org")
    zola, abel = afternoon.enrolments["Zola"], afternoon.enrolments["Abel"]
    old = page_form(client, afternoon.url)
    assert client.post(afternoon.url, data=marked(old, zola, "late", "5")).status_code == 302
    response = client.post(afternoon.url, data=marked(old, abel, "absent"))
    assert response.status_code == 409 and "Modification simultanée" in response.text
    assert "rechargez" in response.text.lower() or "rechargée" in response.text
    assert stored(app, afternoon.session_id)[abel].presence == Presence.PRESENT  # nothing of the stale save
    # The refused page holds the roll call as it is now: saving it works
    fresh = form_from(response.text)
    assert fresh[f"presence_{zola}"] == "late"
    # A learner signs in between: the trainer's form (loaded before) is refused too
    loaded = page_form(client, afternoon.url)
    learner = app.test_client()
    AuthActions(learner).login("learner@example.org")
    assert learner.post("/me/attendance/sign", data={"code": "123456", **_token(learner)}).status_code == 302
    response = client.post(afternoon.url, data=marked(loaded, abel, "absent"))
    assert response.status_code == 409
    assert stored(app, afternoon.session_id)[abel].presence == Presence.PRESENT
    # A form missing a row's version (a learner who arrived since): refused as well
    form = page_form(client, afternoon.url)
    del form[f"version_{abel}"]
    assert client.post(afternoon.url, data=form).status_code == 409


@pytest.mark.parametrize("change", ["cancelled", "placement", "future"])
def test_no_roll_call_for_a_cancelled_placement_or_future_half_day(
    app: Flask, client, auth: AuthActions, afternoon: Afternoon, monkeypatch, change: str
) -> None:
    at(monkeypatch, 14)
    auth.login("trainer@example.org")
    form = page_form(client, afternoon.url)
    with app.app_context():
        session = db.session.get(AttendanceSession, afternoon.session_id)
        if change == "cancelled":
            session.state = SessionState.CANCELLED
        elif change == "placement":
            session.kind = SessionKind.PLACEMENT
        db.session.commit()
    if change == "future":
        at(monkeypatch, 23, 59, day=date(2026, 11, 15))
    words = {"cancelled": "annulée", "placement": "en entreprise", "future": "pas encore eu lieu"}[change]
    page = client.get(afternoon.url)
    assert page.status_code == 200 and words in page.text and 'name="action"' not in page.text
    response = client.post(afternoon.url, data=form)
    assert response.status_code == 409 and words in response.text
    assert stored(app, afternoon.session_id) == {}


@pytest.mark.parametrize(
    "tail", ["2026-13-01/am", "2026-02-30/am", "20261116/am", "2026-11-16T00/am", "2026-11-16/xx", "2026-11-17/am",
             "+2026-11-16/am", "2026-11-16/AM", "٢٠٢٦-11-16/am"]
)
def test_a_bad_day_or_half_day_is_404(client, auth: AuthActions, world, tail: str) -> None:
    auth.login("trainer@example.org")
    assert client.get(f"/cohorts/{world.cohort_id}/attendance/{tail}").status_code == 404


@pytest.mark.parametrize("email", ["other.trainer@example.org", "learner@example.org", "admin@example.org"])
def test_out_of_scope_roles_get_404(app: Flask, client, auth: AuthActions, world, email: str) -> None:
    auth.login(email)
    url = f"/cohorts/{world.cohort_id}/attendance/{DAY.isoformat()}/am"
    assert client.get(url).status_code == 404
    assert client.post(url, data=_token(client)).status_code == 404


def test_the_roll_call_runs_a_fixed_number_of_queries(
    app: Flask, client, auth: AuthActions, world, afternoon: Afternoon, count_queries, monkeypatch
) -> None:
    at(monkeypatch, 17, 30)
    auth.login("trainer@example.org")
    client.post(afternoon.url, data=marked(page_form(client, afternoon.url), afternoon.enrolments["Abel"], "absent"))
    with count_queries() as few:
        assert client.get(afternoon.url).status_code == 200
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        for number in range(20):
            factories.learner(cohort, last_name=f"Nouveau{number}")
        db.session.commit()
    with count_queries() as many:
        page = client.get(afternoon.url).text
    assert "Nouveau19" in page
    assert many.count == few.count == 4, many.statements  # the account, the cohort, the half-day, the roll call


def _token(client) -> dict[str, str]:
    return {"csrf_token": csrf_token(client, "/")}


# Signing with the code


@pytest.fixture
def learner(app: Flask, world, afternoon: Afternoon):
    client = app.test_client()
    AuthActions(client).login("learner@example.org")
    return client


def sign(client, code: str = "123456", **more: str):
    return client.post("/me/attendance/sign", data={"code": code, **_token(client), **more})


def test_the_form_on_my_page_signs_me_present_with_the_time(
    app: Flask, learner, world, afternoon: Afternoon, monkeypatch
) -> None:
    at(monkeypatch, 13, 20)
    form = page_form(learner, "/me", index=-2)  # the last form: the contact one
    assert set(form) == {"csrf_token", "next", "code"} and form["next"] == "/me"
    page = learner.get("/me").text
    assert 'inputmode="numeric"' in page and 'autocomplete="off"' in page and "Signer ma présence" in page
    response = learner.post("/me/attendance/sign", data=form | {"code": " 123 456 "})
    assert response.status_code == 302 and response.location == "/me"
    assert "Présence signée à 13 h 20" in learner.get("/me").text
    record = stored(app, afternoon.session_id)[world.enrolment_id]
    assert (record.presence, record.source, record.signed_at) == (
        Presence.PRESENT, SignatureSource.CODE, datetime(2026, 11, 16, 13, 20)
    )
    (event,) = audit_events(app, "attendance_record")
    assert (event.action, event.before, event.learner_id) == ("sign", None, world.learner_id)
    assert set(event.after) == {"presence", "minutes", "reason", "justification", "source", "signed_at", "day",
                                "half_day"}  # who (the actor), when and how: nothing about the device
    assert learner.get("/me/data").status_code == 200  # the learner's data in words reads the signature's event


def test_signing_never_signs_for_someone_else(app: Flask, learner, world, afternoon: Afternoon, monkeypatch) -> None:
    at(monkeypatch, 14)
    other = afternoon.enrolments["Zola"]
    response = sign(learner, enrolment_id=str(other), learner_id="1", enrolment=str(other), user_id="2",
                    next="https://evil.example/")
    assert response.status_code == 302 and response.location == "/me"  # and never sent elsewhere
    assert set(stored(app, afternoon.session_id)) == {world.enrolment_id}


def test_signing_updates_the_trainers_record_and_comes_back_where_it_was_sent_from(
    app: Flask, client, auth: AuthActions, learner, world, afternoon: Afternoon, monkeypatch
) -> None:
    at(monkeypatch, 14, 2)
    auth.login("trainer@example.org")
    client.post(afternoon.url, data=marked(page_form(client, afternoon.url), world.enrolment_id, "late", "30"))
    response = sign(learner, next="/me/attendance")
    assert response.status_code == 302 and response.location == "/me/attendance"
    record = stored(app, afternoon.session_id)[world.enrolment_id]
    assert (record.presence, record.minutes, record.source, record.version) == (Presence.LATE, 30, "code", 2)
    event = audit_events(app, "attendance_record")[-1]
    assert (event.action, event.before["source"], event.after["source"]) == ("sign", "trainer", "code")
    assert "a signé à 14 h 02" in client.get(afternoon.url).text
    response = sign(learner)
    assert response.status_code == 409 and "Vous avez déjà signé cette demi-journée, à 14 h 02." in response.text


@pytest.mark.parametrize(
    "day,moment,words",
    [
        (DAY, (13, 14), "La signature de la prochaine demi-journée ouvre à 13 h 15."),
        (DAY, (17, 1), "La demi-journée est terminée"),
        (date(2026, 11, 17), (10, 0), "Aucune demi-journée aujourd"),
    ],
)
def test_signing_outside_the_half_day_is_refused(
    app: Flask, learner, afternoon: Afternoon, monkeypatch, day: date, moment, words: str
) -> None:
    at(monkeypatch, *moment, day=day)
    response = sign(learner)
    assert response.status_code == 409 and words in response.text
    assert stored(app, afternoon.session_id) == {}


def test_signing_refusals(app: Flask, client, auth: AuthActions, learner, world, afternoon, monkeypatch) -> None:
    at(monkeypatch, 14)
    response = sign(learner, code="  ")
    assert response.status_code == 400 and "Tapez le code" in response.text
    # Absent, marked by the trainer
    auth.login("trainer@example.org")
    client.post(afternoon.url, data=marked(page_form(client, afternoon.url), world.enrolment_id, "absent"))
    response = sign(learner)
    assert response.status_code == 409 and "voyez votre formateur" in response.text
    # Present again, then the half-day validated: closed
    client.post(afternoon.url, data=marked(page_form(client, afternoon.url), world.enrolment_id, "present"))
    client.post(afternoon.url, data=page_form(client, afternoon.url) | {"action": "close"})
    response = sign(learner)
    assert response.status_code == 409 and "la signature est close" in response.text
    assert stored(app, afternoon.session_id)[world.enrolment_id].signed_at is None
    # Staff and an account without a learner
    assert sign(client).status_code == 404
    unlinked = app.test_client()
    AuthActions(unlinked).login("unlinked@example.org")
    response = sign(unlinked)
    assert response.status_code == 403 and "aucun dossier" in response.text


def test_five_wrong_codes_lock_the_half_day_for_that_learner(
    app: Flask, learner, world, afternoon: Afternoon, monkeypatch
) -> None:
    at(monkeypatch, 14)
    statuses = [sign(learner, code=code).status_code for code in ("000000", "111111", "1234567", "12345", "abcdef")]
    assert statuses == [400, 400, 400, 400, 429]
    response = sign(learner)  # the right code, too late
    assert response.status_code == 429
    assert "essais pour cette demi-journée" in response.text and "voyez votre formateur" in response.text
    assert stored(app, afternoon.session_id) == {}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SigningAttempt)) == 5
    # Another learner of the cohort is not locked
    with app.app_context():
        zola = db.session.get(Cohort, world.cohort_id).enrolments
        zola_learner = next(enrolment.learner for enrolment in zola if enrolment.id == afternoon.enrolments["Zola"])
        factories.user("zola@example.org", Role.LEARNER, "correct horse battery", linked=zola_learner)
        db.session.commit()
    other = app.test_client()
    AuthActions(other).login("zola@example.org")
    assert sign(other).status_code == 302


def test_a_wrong_code_says_how_many_tries_are_left(learner, afternoon: Afternoon, monkeypatch) -> None:
    at(monkeypatch, 14)
    response = sign(learner, code="999999")
    assert "Code incorrect" in response.text and "encore 4 essais" in response.text
    assert sign(learner, code="9" * 200).status_code == 400  # longer than a code: refused by the form
