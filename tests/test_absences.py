"""Absences: a learner's own list and claim, the staff's review (decide, add a proof), the proof's download and who
may have it, versions (409), the journal, and « à surveiller » on the roster."""

import io
import json
import logging
import re
from datetime import date, time, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.absences.queries import own_absences
from bootcamp.extensions import db
from bootcamp.models import (
    AbsenceReason,
    AttendanceRecord,
    Cohort,
    Enrolment,
    HalfDay,
    Justification,
    Placement,
    Presence,
    Role,
    SessionState,
    StoredFile,
    User,
)

from . import factories
from .conftest import PASSWORD, AuthActions, audit_events, csrf_token
from .factories import WORLD_DAY
from .test_files import EXE_BYTES, JPEG_BYTES, PDF_BYTES, PNG_BYTES


def _record(app: Flask, record_id: int) -> AttendanceRecord:
    with app.app_context():
        record = db.session.get(AttendanceRecord, record_id)
        proof = record.proof
        if proof is not None:
            db.session.expunge(proof)
        db.session.expunge(record)
        return record


def _files(app: Flask) -> list[tuple[str, str, int]]:
    """The stored files that are not placement agreements (the world's placements have theirs)."""
    with app.app_context():
        agreements = sa.select(Placement.agreement_id).where(Placement.agreement_id.is_not(None))
        query = (
            sa.select(StoredFile.filename, StoredFile.content_type, StoredFile.size)
            .where(StoredFile.id.not_in(agreements))
            .order_by(StoredFile.id)
        )
        return [tuple(row) for row in db.session.execute(query)]


def _claim(client, record_id: int, token: str, version: int = 1, **fields) -> object:
    data = {"csrf_token": token, "version": str(version), "reason": "", **fields}
    return client.post(f"/me/attendance/{record_id}/justification", data=data)


def _learner(client, auth: AuthActions, world) -> str:
    auth.login(world.emails["learner"])
    return csrf_token(client, "/me")


# A learner's own absences (the partial /me/attendance includes) and their claim


def test_own_absences_are_the_learners_absences_lates_and_early_departures(app: Flask, world, count_queries) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        for offset, when, presence, minutes in [
            (1, HalfDay.AM, Presence.LATE, 20),
            (1, HalfDay.PM, Presence.LEFT_EARLY, 45),
            (2, HalfDay.AM, Presence.PRESENT, 0),
        ]:
            factories.attendance(factories.half_day(cohort, WORLD_DAY + timedelta(days=offset), when), enrolment,
                                 presence, minutes=minutes)
        cancelled = factories.half_day(cohort, WORLD_DAY + timedelta(days=3))
        cancelled.state = SessionState.CANCELLED
        factories.attendance(cancelled, enrolment, Presence.ABSENT)
        db.session.commit()
        with count_queries() as counted:
            mine = own_absences(world.learner_id)
        assert counted.count == 1
        assert own_absences(world.other_learner_id)[0].record_id == world.other_record_id  # each their own
    assert [(a.day, a.half_day, a.presence, a.minutes) for a in mine] == [
        (WORLD_DAY + timedelta(days=1), HalfDay.PM, Presence.LEFT_EARLY, 45),
        (WORLD_DAY + timedelta(days=1), HalfDay.AM, Presence.LATE, 20),
        (WORLD_DAY, HalfDay.AM, Presence.ABSENT, 0),
    ]
    absence = mine[-1]
    assert (absence.record_id, absence.version, absence.justification, absence.has_proof) == (
        world.record_id, 1, Justification.UNJUSTIFIED, False)
    assert absence.claimable and not mine[0].claimable
    assert (absence.starts_at, absence.ends_at) == (time(9), time(12, 30))


def test_the_learners_page_offers_a_form_for_each_absence_not_yet_accepted(app: Flask, client, auth, world) -> None:
    _learner(client, auth, world)
    page = client.get("/me/attendance").text
    action = f'action="/me/attendance/{world.record_id}/justification"'
    form = page[page.index(action) - 200: page.index("</form>", page.index(action))]
    assert 'enctype="multipart/form-data"' in form and 'name="csrf_token"' in form
    assert 'name="version" value="1"' in form
    assert f'<label for="proof-{world.record_id}">' in form and 'type="file"' in form
    assert 'accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"' in form
    assert f'<label for="reason-{world.record_id}">' in form and "problème de transport" in form
    with app.app_context():
        db.session.get(AttendanceRecord, world.record_id).justification = Justification.ACCEPTED
        db.session.commit()
    page = client.get("/me/attendance").text
    assert action not in page and "justifiée" in page


def test_a_learner_justifies_an_absence_with_a_reason_and_a_proof(app: Flask, client, auth, world, caplog) -> None:
    token = _learner(client, auth, world)
    proof = (io.BytesIO(PNG_BYTES), "arrêt maladie.pdf", "application/pdf")  # a photo, named .pdf
    with caplog.at_level(logging.DEBUG):
        response = _claim(client, world.record_id, token, reason="sickness", proof=proof)
    assert response.status_code == 302 and response.location.endswith("/me/attendance")
    record = _record(app, world.record_id)
    assert (record.justification, record.reason, record.version) == (Justification.PENDING, AbsenceReason.SICKNESS, 2)
    assert _files(app) == [("arrêt maladie.png", "image/png", len(PNG_BYTES))]
    with app.app_context():
        stored = db.session.get(StoredFile, record.proof_id)
        learner_user = db.session.scalars(sa.select(User).where(User.email == world.emails["learner"])).one()
        assert stored.uploaded_by_id == learner_user.id and stored.data == PNG_BYTES
    [event] = audit_events(app, "attendance_record")
    assert (event.action, event.entity_id, event.learner_id) == ("justify", world.record_id, world.learner_id)
    assert event.before == {"reason": None, "justification": "unjustified", "proof_type": None, "proof_size": None}
    assert event.after == {
        "reason": "sickness",
        "justification": "pending",
        "proof_type": "image/png",
        "proof_size": len(PNG_BYTES),
    }
    assert "arrêt" not in json.dumps(event.after, ensure_ascii=False)
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "arrêt" not in logged and "sickness" not in logged and "maladie" not in logged
    page = client.get("/me/attendance").text
    assert "justificatif à examiner" in page and f"/attendance/records/{world.record_id}/proof" in page
    assert "maladie" in page  # the learner sees their own reason


def test_a_reason_alone_or_a_proof_alone_is_a_claim(app: Flask, client, auth, world) -> None:
    token = _learner(client, auth, world)
    assert _claim(client, world.record_id, token, reason="transport").status_code == 302
    record = _record(app, world.record_id)
    assert (record.reason, record.justification, record.proof_id) == (AbsenceReason.TRANSPORT, "pending", None)
    proof = (io.BytesIO(PDF_BYTES), "convocation.pdf")
    assert _claim(client, world.record_id, token, version=2, proof=proof).status_code == 302
    record = _record(app, world.record_id)
    assert record.reason == AbsenceReason.TRANSPORT and record.proof.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Choisissez un motif ou joignez un justificatif (ou les deux)."),
        ({"proof": (EXE_BYTES, "justificatif.pdf")}, "Type de fichier refusé"),
        ({"reason": "sickness", "proof": (b"", "vide.pdf")}, "Le fichier est vide"),
        ({"reason": "holidays"}, "Choisissez un motif de la liste."),
    ],
)
def test_a_refused_claim_says_why_next_to_the_field_and_saves_nothing(
    app: Flask, client, auth, world, fields: dict, message: str
) -> None:
    token = _learner(client, auth, world)
    if "proof" in fields:
        fields = fields | {"proof": (io.BytesIO(fields["proof"][0]), fields["proof"][1])}
    response = _claim(client, world.record_id, token, **fields)
    assert response.status_code == 422
    page = unescape(response.text)
    assert message in page and 'class="error"' in page and "Rien n'a été envoyé" in page
    assert 'enctype="multipart/form-data"' in page and f"/me/attendance/{world.record_id}/justification" in page
    assert _record(app, world.record_id).justification == Justification.UNJUSTIFIED
    assert _files(app) == [] and audit_events(app, "attendance_record") == []


def test_a_learner_justifies_only_their_own_absences(app: Flask, client, auth, world) -> None:
    token = _learner(client, auth, world)
    assert _claim(client, world.other_record_id, token, reason="transport").status_code == 404  # another's
    assert _claim(client, 999_999, token, reason="transport").status_code == 404
    with app.app_context():
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        session = factories.half_day(db.session.get(Cohort, world.cohort_id), WORLD_DAY, HalfDay.PM)
        late = factories.attendance(session, enrolment, Presence.LATE, minutes=10)
        db.session.commit()
        late_id = late.id
    assert _claim(client, late_id, token, reason="transport").status_code == 400  # not an absence
    with app.app_context():
        db.session.get(AttendanceRecord, world.record_id).justification = Justification.ACCEPTED
        db.session.commit()
    assert _claim(client, world.record_id, token, version=2, reason="transport").status_code == 400  # accepted
    assert audit_events(app, "attendance_record") == []
    unlinked = app.test_client()
    AuthActions(unlinked).login(world.emails["unlinked"])
    assert _claim(unlinked, world.record_id, csrf_token(unlinked, "/me"), reason="family").status_code == 404


def test_a_claim_made_on_a_page_older_than_a_decision_is_refused(app: Flask, client, auth, world) -> None:
    token = _learner(client, auth, world)
    trainer = app.test_client()
    AuthActions(trainer).login(world.emails["trainer"])
    decided = _decide(trainer, world, "refused", reason="other")
    assert decided.status_code == 302
    response = _claim(client, world.record_id, token, version=1, reason="transport")
    assert response.status_code == 409 and "Thomas Formateur a modifié cette absence" in unescape(response.text)
    assert _record(app, world.record_id).justification == Justification.REFUSED


def test_after_a_refusal_the_learner_may_claim_again_and_the_old_proof_goes(app: Flask, client, auth, world) -> None:
    token = _learner(client, auth, world)
    assert _claim(client, world.record_id, token, proof=(io.BytesIO(PDF_BYTES), "a.pdf")).status_code == 302
    trainer = app.test_client()
    AuthActions(trainer).login(world.emails["trainer"])
    assert _decide(trainer, world, "refused", version=2).status_code == 302
    assert _record(app, world.record_id).justification == Justification.REFUSED
    assert "Envoyer un autre motif ou justificatif" in client.get("/me/attendance").text
    again = _claim(client, world.record_id, token, version=3, reason="appointment",
                   proof=(io.BytesIO(JPEG_BYTES), "b.jpg"))
    assert again.status_code == 302
    record = _record(app, world.record_id)
    assert (record.justification, record.reason) == (Justification.PENDING, AbsenceReason.APPOINTMENT)
    assert _files(app) == [("b.jpg", "image/jpeg", len(JPEG_BYTES))]  # the refused proof is not kept
    assert [event.action for event in audit_events(app, "attendance_record")] == ["justify", "decide", "justify"]


# The staff: the cohort's absences, decisions, proofs


def _decide(client, world, decision: str, version: int = 1, reason: str = "", record_id: int | None = None,
            cohort_id: int | None = None):
    token = csrf_token(client, "/cohorts/")
    url = f"/cohorts/{cohort_id or world.cohort_id}/absences/{record_id or world.record_id}/decision"
    return client.post(url, data={"csrf_token": token, "version": str(version), "reason": reason,
                                  "decision": decision})


def _add_proof(client, world, proof: tuple, version: int = 1, record_id: int | None = None):
    token = csrf_token(client, "/cohorts/")
    url = f"/cohorts/{world.cohort_id}/absences/{record_id or world.record_id}/proof"
    return client.post(url, data={"csrf_token": token, "version": str(version), "proof": proof})


def _absences(app: Flask, world, count: int, start: date = date(2026, 11, 2)) -> list[int]:
    """`count` learners more in the trainer's cohort, each absent on two half-days of November, one pending."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        mornings = [factories.half_day(cohort, start + timedelta(days=n)) for n in (0, 1)]
        ids = []
        for number in range(count):
            enrolment = factories.learner(cohort, last_name=f"Absent{number:02d}").enrolments[0]
            ids.append(factories.attendance(mornings[0], enrolment, Presence.ABSENT, reason=AbsenceReason.FAMILY,
                                            justification=Justification.PENDING))
            factories.attendance(mornings[1], enrolment, Presence.ABSENT)
        db.session.commit()
        return [record.id for record in ids]


def test_the_cohort_page_lists_what_to_review_first_then_the_months_absences(
    app: Flask, client, auth, world, count_queries
) -> None:
    pending = _absences(app, world, 2, start=date(2026, 10, 5))  # October: still to review in November
    auth.login(world.emails["trainer"])
    page = client.get(f"/cohorts/{world.cohort_id}/absences?month=2026-11").text
    to_review, others = page.split('id="month-title"')
    assert [f'id="absence-{record_id}"' in to_review for record_id in pending] == [True, True]
    assert f'id="absence-{world.record_id}"' in others and "Lefèvre Luc" in others
    assert "2 justifications à examiner" in to_review and "Autres absences de novembre 2026" in unescape(page)
    assert "raison personnelle ou autre" in to_review  # a family reason, pooled for the trainer
    assert 'href="/cohorts/{}/absences?month=2026-10"'.format(world.cohort_id) in page  # the previous month
    october = client.get(f"/cohorts/{world.cohort_id}/absences?month=2026-10").text
    assert "Absent00" in october.split('id="month-title"')[1]  # October's others: the unjustified mornings
    assert client.get(f"/cohorts/{world.cohort_id}/absences?month=2026-13").status_code == 400
    assert client.get(f"/cohorts/{world.cohort_id}/absences").status_code == 200  # today's month, within the cohort

    def count() -> int:
        with count_queries() as counted:
            assert client.get(f"/cohorts/{world.cohort_id}/absences?month=2026-11").status_code == 200
        return counted.count

    few = count()
    _absences(app, world, 30)
    assert count() == few <= 8


def test_staff_accept_refuse_or_record_a_reason_each_in_the_journal(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["trainer"])
    response = _decide(client, world, "reason", reason="transport")
    assert response.status_code == 302 and response.location.endswith(f"/absences?month={WORLD_DAY:%Y-%m}")
    assert "Motif enregistré." in client.get(response.location).text
    record = _record(app, world.record_id)
    assert (record.reason, record.justification, record.version) == ("transport", "unjustified", 2)
    assert _decide(client, world, "accepted", version=2, reason="transport").status_code == 302
    assert _record(app, world.record_id).justification == Justification.ACCEPTED
    assert _decide(client, world, "refused", version=3, reason="transport").status_code == 302
    events = audit_events(app, "attendance_record")
    assert [(e.action, e.before["justification"], e.after["justification"]) for e in events] == [
        ("decide", "unjustified", "unjustified"),
        ("decide", "unjustified", "accepted"),
        ("decide", "accepted", "refused"),
    ]
    assert events[0].after["reason"] == "transport" and events[0].actor.email == world.emails["trainer"]
    assert _decide(client, world, "postponed", version=4).status_code == 400  # not a button of the page


def test_a_hidden_reason_stays_when_the_trainer_decides(app: Flask, client, auth, world) -> None:
    with app.app_context():
        db.session.get(AttendanceRecord, world.record_id).reason = AbsenceReason.SICKNESS
        db.session.commit()
    auth.login(world.emails["trainer"])
    # the decision form is in the record's « Traiter » panel
    page = client.get(f"/cohorts/{world.cohort_id}/absences?month=2026-11&record={world.record_id}").text
    assert '<option value="kept" selected>raison personnelle ou autre (inchangé)</option>' in unescape(page)
    assert _decide(client, world, "accepted", version=2, reason="kept").status_code == 302
    record = _record(app, world.record_id)
    assert (record.reason, record.justification) == (AbsenceReason.SICKNESS, Justification.ACCEPTED)


def test_a_decision_on_a_record_changed_meanwhile_is_refused(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["trainer"])
    manager = app.test_client()
    AuthActions(manager).login(world.emails["manager"])
    assert _decide(manager, world, "accepted").status_code == 302
    response = _decide(client, world, "refused")  # the version the trainer's page showed
    assert response.status_code == 409 and "a modifié cette absence" in unescape(response.text)
    assert _record(app, world.record_id).justification == Justification.ACCEPTED
    assert len(audit_events(app, "attendance_record")) == 1


def test_staff_add_or_replace_a_proof(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["trainer"])
    response = _add_proof(client, world, (io.BytesIO(JPEG_BYTES), "certificat.jpg"))
    assert response.status_code == 302
    record = _record(app, world.record_id)
    assert (record.justification, record.proof.content_type) == (Justification.PENDING, "image/jpeg")
    with app.app_context():
        trainer = db.session.scalars(sa.select(User).where(User.email == world.emails["trainer"])).one()
        assert db.session.get(StoredFile, record.proof_id).uploaded_by_id == trainer.id
    assert _add_proof(client, world, (io.BytesIO(PDF_BYTES), "certificat.pdf"), version=2).status_code == 302
    assert _files(app) == [("certificat.pdf", "application/pdf", len(PDF_BYTES))]
    [first, second] = audit_events(app, "attendance_record")
    assert (first.action, first.after["proof_type"]) == ("proof", "image/jpeg")
    assert (second.before["proof_type"], second.after["proof_type"]) == ("image/jpeg", "application/pdf")
    page = client.get(f"/cohorts/{world.cohort_id}/absences?month=2026-11").text
    assert f'href="/attendance/records/{world.record_id}/proof"' in page and "(PDF, 1 ko)" in page
    assert "certificat" not in page  # never the file's name on a page


def test_a_refused_proof_comes_back_next_to_its_field(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["trainer"])
    response = _add_proof(client, world, (io.BytesIO(b"<html>"), "certificat.pdf"))
    assert response.status_code == 422
    page = unescape(response.text)
    assert f'id="proof-{world.record_id}-error"' in page and "Type de fichier refusé" in page
    assert f'aria-describedby="proof-{world.record_id}-error"' in page
    missing = _add_proof(client, world, (io.BytesIO(b""), ""))
    assert missing.status_code == 422 and "Choisissez un fichier." in missing.text
    assert _files(app) == [] and audit_events(app, "attendance_record") == []


def test_staff_act_only_on_their_cohorts_absences(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["trainer"])
    proof = (io.BytesIO(PDF_BYTES), "x.pdf")
    assert _decide(client, world, "accepted", record_id=world.other_record_id).status_code == 404
    assert _decide(client, world, "accepted", cohort_id=world.other_cohort_id,
                   record_id=world.other_record_id).status_code == 404
    assert _add_proof(client, world, proof, record_id=world.other_record_id).status_code == 404
    auth.logout()
    auth.login(world.emails["manager"])  # a manager may, but only through the record's own cohort
    assert _decide(client, world, "accepted", record_id=world.other_record_id).status_code == 404
    assert _decide(client, world, "accepted", cohort_id=world.other_cohort_id,
                   record_id=world.other_record_id).status_code == 302
    assert len(audit_events(app, "attendance_record")) == 1


# The download


def test_the_proof_is_a_download_for_the_learner_their_trainers_and_managers_only(app: Flask, world) -> None:
    with app.app_context():
        record = db.session.get(AttendanceRecord, world.record_id)
        record.proof = StoredFile(filename="arrêt.png", content_type="image/png", size=len(PNG_BYTES),
                                  sha256="0" * 64, data=PNG_BYTES)
        factories.user("olga.learner@example.org", Role.LEARNER, PASSWORD,
                       linked=db.session.get(factories.Learner, world.other_learner_id))
        db.session.commit()
    url = f"/attendance/records/{world.record_id}/proof"
    expected = {
        "learner@example.org": 200,
        "trainer@example.org": 200,
        "manager@example.org": 200,
        "other.trainer@example.org": 404,
        "olga.learner@example.org": 404,
        "unlinked@example.org": 404,
        "admin@example.org": 404,
    }
    got = {}
    for email in expected:
        client = app.test_client()
        AuthActions(client).login(email)
        response = client.get(url)
        got[email] = response.status_code
        if response.status_code == 200:
            assert response.data == PNG_BYTES and response.mimetype == "image/png"
            assert response.headers["Content-Disposition"] == (
                "attachment; filename=\"arret.png\"; filename*=UTF-8''arr%C3%AAt.png"
            )
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "no-store" in response.headers["Cache-Control"]
    assert got == expected
    assert app.test_client().get(url).status_code == 302  # to the login page
    client = app.test_client()
    AuthActions(client).login("learner@example.org")
    assert client.get(f"/attendance/records/{world.other_record_id}/proof").status_code == 404


def test_no_proof_no_download(client, auth, world) -> None:
    auth.login(world.emails["manager"])
    assert client.get(f"/attendance/records/{world.record_id}/proof").status_code == 404


# « À surveiller » on the roster


def test_the_roster_names_the_absences_with_their_figures(app: Flask, client, auth, world, monkeypatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: date(2026, 11, 20))
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        for offset in (1, 2, 3):
            factories.attendance(factories.half_day(cohort, WORLD_DAY + timedelta(days=offset)), enrolment,
                                 Presence.ABSENT)
        for offset in range(5):
            factories.attendance(factories.half_day(cohort, WORLD_DAY + timedelta(days=offset), HalfDay.PM),
                                 enrolment)
        db.session.commit()
    auth.login(world.emails["trainer"])
    page = unescape(client.get(f"/cohorts/{world.cohort_id}").text)
    row = page[page.index("Lefèvre Luc"):]
    row = row[: row.index("</tr>")]
    assert "4 demi-journées d'absence non justifiée, 55,6 % de présence sur 28 jours" in row


def test_absences_link_from_the_cohorts_tabs(client, auth, world) -> None:
    auth.login(world.emails["trainer"])
    page = client.get(f"/cohorts/{world.cohort_id}").text
    assert re.search(rf'href="/cohorts/{world.cohort_id}/absences"[^>]*>Absences<', page)
