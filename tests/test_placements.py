"""Placements: who may see and change them, the form's checks (SIRET, phone, dates, overlap, hours, the agreement
PDF), versions (409), the journal without the file, the tutor's forms following the dates, « hired by host » for
managers only, deleting, the learner's own page, and the learner's data (export, erasure)."""

import io
import json
import re
from datetime import date, datetime
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask, render_template_string

from bootcamp.extensions import db
from bootcamp.models import (
    AssessmentSource,
    CompetencyAssessment,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    Learner,
    OutboxMessage,
    Outcome,
    Placement,
    ReviewStage,
    Situation,
    StoredFile,
    TutorReview,
)
from bootcamp.personal_data import erase_learner, learner_rows
from bootcamp.placements.forms import clean_phone, clean_siret, format_siret, luhn

from . import factories
from .conftest import AuthActions, audit_events, csrf_token, page_form
from .test_files import PDF_BYTES, PNG_BYTES, _multipart

VALID_SIRET = "732 829 320 00074"  # Luhn-valid
LA_POSTE_SIRET = "35600000049837"  # fails Luhn, La Poste's own rule holds
FIVE_MB = 5 * 1024 * 1024


def _fields(**changes: object) -> dict:
    fields = {
        "company_name": "Causses Web",
        "siret": VALID_SIRET,
        "city": "Florac",
        "tutor_name": "Inès Tutrice",
        "tutor_role": "Cheffe de projet",
        "tutor_email": "Ines@Causses-Web.example",
        "tutor_phone": "06.12.34.56.78",
        "start_date": "2027-03-01",
        "end_date": "2027-04-30",
        "weekly_hours": "35,5",
        "activities": "Intégration ; tests.",
    }
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


def _new(client, world, token: str, agreement: tuple | None = None, **changes: object):
    data = {"csrf_token": token, **_fields(**changes)}
    if agreement is not None:
        data["agreement"] = agreement
    return client.post(
        f"/cohorts/{world.cohort_id}/placements/new?enrolment={world.enrolment_id}",
        data=data,
        content_type="multipart/form-data",
    )


def _raw_new(client, world, token: str, agreement: bytes):
    """A creation with a big agreement, as raw bytes (the test client would spool it to a file it leaves open)."""
    body, boundary = _multipart({"csrf_token": token, **_fields()}, "agreement", "convention.pdf", agreement)
    return client.post(
        f"/cohorts/{world.cohort_id}/placements/new?enrolment={world.enrolment_id}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _placements(app: Flask, enrolment_id: int) -> list[Placement]:
    with app.app_context():
        found = db.session.scalars(
            sa.select(Placement).where(Placement.enrolment_id == enrolment_id).order_by(Placement.id)
        ).all()
        for placement in found:
            [(review.stage, review.period_start) for review in placement.reviews]
        db.session.expunge_all()
        return list(found)


def _trainer(client, auth: AuthActions, world) -> str:
    auth.login(world.emails["trainer"])
    return csrf_token(client, f"/cohorts/{world.cohort_id}/placements")


# Who may see and change a placement


@pytest.mark.parametrize(
    ("role", "mine", "theirs", "edit", "me_page"),
    [
        ("trainer", 200, 404, 200, 404),
        ("manager", 200, 200, 200, 404),
        ("learner", 200, 404, 404, 200),
        ("unlinked", 404, 404, 404, 404),
        ("admin", 404, 404, 404, 404),
    ],
)
def test_who_may_see_and_change_a_placement(client, auth: AuthActions, world, role, mine, theirs, edit, me_page):
    auth.login(world.emails[role])
    for suffix in ("", "/agreement"):
        assert client.get(f"/placements/{world.placement_id}{suffix}").status_code == mine
        assert client.get(f"/placements/{world.other_placement_id}{suffix}").status_code == theirs
    assert client.get(f"/placements/{world.placement_id}/edit").status_code == edit
    new = f"/cohorts/{world.cohort_id}/placements/new?enrolment={world.enrolment_id}"
    assert client.get(new).status_code == edit
    assert client.get("/me/placement").status_code == me_page


def test_anonymous_visitors_are_sent_to_log_in(client, world) -> None:
    for path in (f"/placements/{world.placement_id}", f"/placements/{world.placement_id}/agreement", "/me/placement"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location


def test_a_trainer_cannot_reach_another_cohorts_learner_nor_a_dropped_one(app: Flask, client, auth, world) -> None:
    token = _trainer(client, auth, world)
    other = f"/cohorts/{world.other_cohort_id}/placements/new?enrolment={world.other_enrolment_id}"
    assert client.get(other).status_code == 404
    mixed = f"/cohorts/{world.cohort_id}/placements/new?enrolment={world.other_enrolment_id}"
    assert client.get(mixed).status_code == 404
    assert client.get(f"/cohorts/{world.cohort_id}/placements/new").status_code == 400
    assert client.get(f"/cohorts/{world.cohort_id}/placements/new?enrolment=x").status_code == 400
    with app.app_context():
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        enrolment.status, enrolment.exit_date = EnrolmentStatus.DROPPED, date(2026, 12, 1)
        enrolment.dropout_reason = DropoutReason.JOB
        db.session.commit()
    assert client.get(f"/cohorts/{world.cohort_id}/placements/new?enrolment={world.enrolment_id}").status_code == 404
    assert _new(client, world, token).status_code == 404
    assert len(_placements(app, world.enrolment_id)) == 1


# Creating one


def test_a_trainer_creates_a_placement_with_its_agreement_and_tutor_forms(app: Flask, client, auth, world) -> None:
    token = _trainer(client, auth, world)
    form = client.get(f"/cohorts/{world.cohort_id}/placements/new?enrolment={world.enrolment_id}").text
    assert 'value="35"' in form and "hired_by_host" not in form  # 35 h suggested; « hired » is the managers'
    response = _new(client, world, token, agreement=(io.BytesIO(PDF_BYTES), "Convention Luc.pdf"))
    placements = _placements(app, world.enrolment_id)
    assert response.status_code == 302 and response.location.endswith(f"/placements/{placements[-1].id}")
    made = placements[-1]
    assert (made.company_name, made.company_key, made.siret, made.city) == (
        "Causses Web", "causses web", "73282932000074", "Florac")
    assert (made.tutor_email, made.tutor_phone, made.weekly_minutes) == ("ines@causses-web.example",
                                                                         "06 12 34 56 78", 35 * 60 + 30)
    assert [(review.stage, review.period_start, review.due_on) for review in made.reviews] == [
        (ReviewStage.MID, date(2027, 3, 1), date(2027, 3, 31)),
        (ReviewStage.END, date(2027, 4, 1), date(2027, 4, 30)),
    ]
    with app.app_context():
        stored = db.session.get(StoredFile, made.agreement_id)
        assert (stored.filename, stored.content_type) == ("Convention Luc.pdf", "application/pdf")
        assert stored.data == PDF_BYTES
    event = audit_events(app, "placement")[-1]
    assert (event.action, event.entity_id, event.learner_id, event.before) == ("create", made.id, world.learner_id,
                                                                               None)
    assert event.after["agreement_type"] == "application/pdf" and event.after["agreement_size"] == len(PDF_BYTES)
    assert event.after["siret"] == "73282932000074" and event.after["start_date"] == "2027-03-01"
    page = client.get(response.location).text
    assert "Causses Web" in page and "Télécharger la convention signée" in page


def test_an_agreement_may_come_later(app: Flask, client, auth, world) -> None:
    token = _trainer(client, auth, world)
    assert _new(client, world, token).status_code == 302
    made = _placements(app, world.enrolment_id)[-1]
    assert made.agreement_id is None
    assert "convention manquante" in client.get(f"/placements/{made.id}").text
    assert client.get(f"/placements/{made.id}/agreement").status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"company_name": ""}, "Indiquez l'entreprise."),
        ({"company_name": "x" * 201}, "Texte trop long"),
        ({"siret": "732 829 320 00075"}, "clé de contrôle ne correspond pas"),
        ({"siret": "7328293200007"}, "14 chiffres"),
        ({"siret": "73282932000A74"}, "14 chiffres"),
        ({"city": " "}, "Indiquez la ville."),
        ({"tutor_name": ""}, "Indiquez le nom"),
        ({"tutor_email": "ines@"}, "Adresse e-mail invalide."),
        ({"tutor_email": ""}, "Indiquez l'adresse e-mail"),
        ({"tutor_phone": "12 34"}, "Numéro invalide"),
        ({"tutor_phone": "+44 20 7946 0958"}, "Numéro invalide"),
        ({"start_date": "2027-05-01", "end_date": "2027-04-30"}, "La fin doit être le jour du début ou après."),
        ({"start_date": "2026-08-30"}, "Date trop éloignée de la formation"),  # 8 days before the cohort
        ({"end_date": "2027-08-05"}, "Date trop éloignée de la formation"),  # 31 days after it
        ({"start_date": "2027-01-29", "end_date": "2027-02-26"}, "Ces dates chevauchent le stage chez Lozère"),
        ({"start_date": "2026-11-01", "end_date": "2026-11-30"}, "Ces dates chevauchent"),
        ({"weekly_hours": "0,5"}, "Entre 1 et 48 heures par semaine."),
        ({"weekly_hours": "48,5"}, "Entre 1 et 48 heures par semaine."),
        ({"weekly_hours": "trente"}, "Durée invalide"),
        ({"weekly_hours": "35,555"}, "Au plus deux décimales"),
        ({"weekly_hours": ""}, "Indiquez les heures"),
        ({"activities": "a" * 5001}, "5000 caractères au plus"),
        ({"start_date": "31/02/2027"}, "Date invalide"),
    ],
)
def test_the_form_refuses_wrong_values(app: Flask, client, auth, world, changes, message) -> None:
    token = _trainer(client, auth, world)
    response = _new(client, world, token, **changes)
    assert response.status_code == 422, changes
    text = unescape(response.text)
    assert message in text and "Rien n'a été enregistré" in text
    assert len(_placements(app, world.enrolment_id)) == 1


@pytest.mark.parametrize(
    ("changes", "stored"),
    [
        ({"siret": LA_POSTE_SIRET}, {"siret": LA_POSTE_SIRET}),
        ({"siret": ""}, {"siret": ""}),
        ({"tutor_phone": "+33 (0)4 66 12 34 56"}, {"tutor_phone": "+33 4 66 12 34 56"}),
        ({"tutor_phone": ""}, {"tutor_phone": ""}),
        ({"weekly_hours": "48"}, {"weekly_minutes": 2880}),
        ({"weekly_hours": "1"}, {"weekly_minutes": 60}),
        ({"start_date": "2026-08-31", "end_date": "2026-09-30"}, {"start_date": date(2026, 8, 31)}),  # 7 days early
        ({"start_date": "2027-01-30", "end_date": "04/08/2027"}, {"end_date": date(2027, 8, 4)}),  # 30 days late
        ({"start_date": "2027-01-30", "end_date": "2027-01-30"}, {"end_date": date(2027, 1, 30)}),  # the day after
    ],
)
def test_the_form_accepts_edge_values(app: Flask, client, auth, world, changes, stored) -> None:
    token = _trainer(client, auth, world)
    assert _new(client, world, token, **changes).status_code == 302, changes
    made = _placements(app, world.enrolment_id)[-1]
    assert {key: getattr(made, key) for key in stored} == stored


def test_siret_phone_and_luhn_helpers() -> None:
    assert luhn("73282932000074") and not luhn("73282932000075")
    assert clean_siret(" 356 000 000 49837 ") == LA_POSTE_SIRET
    assert clean_phone("0033612345678") == "+33 6 12 34 56 78" and clean_phone("04-66-12-34-56") == "04 66 12 34 56"


def test_the_agreement_must_be_a_pdf_of_at_most_5_mb(app: Flask, client, auth, world) -> None:
    token = _trainer(client, auth, world)
    png = _new(client, world, token, agreement=(io.BytesIO(PNG_BYTES), "convention.pdf"))
    assert png.status_code == 422 and "seuls les fichiers PDF sont acceptés" in png.text
    big = PDF_BYTES + b"0" * (FIVE_MB + 1 - len(PDF_BYTES))
    too_big = _raw_new(client, world, token, big)
    assert too_big.status_code == 422 and "Fichier trop gros : 5 Mo au plus." in too_big.text
    assert len(_placements(app, world.enrolment_id)) == 1
    assert _raw_new(client, world, token, big[:FIVE_MB]).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.max(StoredFile.size))) == FIVE_MB


def test_the_agreement_is_served_as_an_attachment_never_sniffed(client, auth, world) -> None:
    for role in ("learner", "trainer", "manager"):
        auth.login(world.emails[role])
        response = client.get(f"/placements/{world.placement_id}/agreement")
        assert response.status_code == 200 and response.data == factories.AGREEMENT_PDF
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith('attachment; filename="convention.pdf"')
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
        auth.logout()


# Changing one


def test_editing_checks_the_version_and_keeps_the_form(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["trainer"])
    path = f"/placements/{world.placement_id}/edit"
    first, second = page_form(client, path), page_form(client, path)
    assert first["weekly_hours"] == "35" and first["version"] == "1" and first["company_name"] == "Lozère Numérique"
    first["city"] = "Marvejols"
    assert client.post(path, data=first).status_code == 302
    second["city"] = "Langogne"
    conflict = client.post(path, data=second)
    assert conflict.status_code == 409 and "Quelqu'un a modifié ce stage" in conflict.text
    assert 'value="Langogne"' in conflict.text and 'name="version" type="hidden" value="2"' in conflict.text
    assert _placements(app, world.enrolment_id)[0].city == "Marvejols"
    again = page_form(client, path)
    again["city"] = "Langogne"
    assert client.post(path, data=again).status_code == 302
    assert _placements(app, world.enrolment_id)[0].city == "Langogne"


def test_an_unchanged_form_writes_nothing(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["trainer"])
    path = f"/placements/{world.placement_id}/edit"
    assert client.post(path, data=page_form(client, path)).status_code == 302
    assert _placements(app, world.enrolment_id)[0].version == 1 and audit_events(app, "placement") == []


def test_a_new_agreement_replaces_the_old_one_and_the_journal_keeps_no_file(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["trainer"])
    path = f"/placements/{world.placement_id}/edit"
    old_id = _placements(app, world.enrolment_id)[0].agreement_id
    form = page_form(client, path)
    form["agreement"] = (io.BytesIO(PDF_BYTES), "signée-par-Luc-Lefèvre.pdf")
    assert client.post(path, data=form, content_type="multipart/form-data").status_code == 302
    placement = _placements(app, world.enrolment_id)[0]
    with app.app_context():
        assert db.session.get(StoredFile, old_id) is None  # nobody's any more: deleted
        assert db.session.get(StoredFile, placement.agreement_id).data == PDF_BYTES
    event = audit_events(app, "placement")[-1]
    assert event.action == "update"
    assert (event.before["agreement_size"], event.after["agreement_size"]) == (len(factories.AGREEMENT_PDF),
                                                                               len(PDF_BYTES))
    written = json.dumps([event.before, event.after], ensure_ascii=False)
    assert "Lefèvre" not in written and "convention" not in written and "%PDF" not in written


def test_the_tutor_forms_follow_the_dates_and_answered_ones_stay(app: Flask, client, auth, world) -> None:
    with app.app_context():
        mid = db.session.scalar(sa.select(TutorReview).where(TutorReview.placement_id == world.placement_id,
                                                             TutorReview.stage == ReviewStage.MID))
        mid.days_present, mid.answered_at = 20, datetime(2026, 12, 30, 10)
        db.session.commit()
        answered_period = (mid.period_start, mid.period_end)
    auth.login(world.emails["trainer"])
    path = f"/placements/{world.placement_id}/edit"
    form = page_form(client, path)
    form["end_date"] = "2027-02-26"
    assert client.post(path, data=form).status_code == 302
    reviews = {review.stage: review for review in _placements(app, world.enrolment_id)[0].reviews}
    assert (reviews[ReviewStage.MID].period_start, reviews[ReviewStage.MID].period_end) == answered_period
    assert (reviews[ReviewStage.END].due_on, reviews[ReviewStage.END].period_end) == (date(2027, 2, 26),
                                                                                      date(2027, 2, 26))
    assert audit_events(app, "placement")[-1].after["end_date"] == "2027-02-26"


def test_a_short_placement_keeps_the_end_form_only(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["trainer"])
    path = f"/placements/{world.placement_id}/edit"
    form = page_form(client, path)
    form["end_date"] = "2026-12-11"
    assert client.post(path, data=form).status_code == 302
    reviews = _placements(app, world.enrolment_id)[0].reviews
    assert [(review.stage, review.period_start, review.period_end) for review in reviews] == [
        (ReviewStage.END, date(2026, 11, 30), date(2026, 12, 11))
    ]


def test_only_a_manager_says_the_host_company_hired_the_learner(app: Flask, client, auth, world) -> None:
    path = f"/placements/{world.placement_id}/edit"
    auth.login(world.emails["trainer"])
    form = page_form(client, path)
    assert "hired_by_host" not in form
    form["hired_by_host"] = "y"
    form["city"] = "Mende centre"
    assert client.post(path, data=form).status_code == 302
    placement = _placements(app, world.enrolment_id)[0]
    assert (placement.city, placement.hired_by_host) == ("Mende centre", False)
    auth.logout()
    auth.login(world.emails["manager"])
    form = page_form(client, path)
    assert "hired_by_host" not in form  # shown, unchecked
    assert "Embauché·e par l'entreprise d'accueil à la sortie" in unescape(client.get(path).text)
    form["hired_by_host"] = "y"
    assert client.post(path, data=form).status_code == 302
    assert _placements(app, world.enrolment_id)[0].hired_by_host is True
    auth.logout()
    auth.login(world.emails["trainer"])  # a trainer's save keeps the manager's word
    form = page_form(client, path)
    form["city"] = "Mende"
    assert client.post(path, data=form).status_code == 302
    assert _placements(app, world.enrolment_id)[0].hired_by_host is True


# Deleting one


def test_a_placement_is_deleted_with_its_agreement_until_a_tutor_answers(app: Flask, client, auth, world) -> None:
    token = _trainer(client, auth, world)
    assert _new(client, world, token, agreement=(io.BytesIO(PDF_BYTES), "c.pdf")).status_code == 302
    made = _placements(app, world.enrolment_id)[-1]
    stale = client.post(f"/placements/{made.id}/delete", data={"csrf_token": token, "version": "7"})
    assert stale.status_code == 409
    response = client.post(f"/placements/{made.id}/delete", data={"csrf_token": token, "version": "1"})
    assert response.status_code == 302 and response.location.endswith(f"/cohorts/{world.cohort_id}/placements")
    assert [p.id for p in _placements(app, world.enrolment_id)] == [world.placement_id]
    with app.app_context():
        assert db.session.get(StoredFile, made.agreement_id) is None
        assert db.session.scalar(sa.select(sa.func.count()).where(TutorReview.placement_id == made.id)) == 0
    assert audit_events(app, "placement")[-1].action == "delete"
    with app.app_context():
        query = sa.select(TutorReview).where(TutorReview.placement_id == world.placement_id)
        review = db.session.scalars(query).first()
        review.days_present, review.answered_at = 10, datetime(2026, 12, 30)
        db.session.commit()
    assert "Supprimer ce stage" not in client.get(f"/placements/{world.placement_id}").text
    refused = client.post(f"/placements/{world.placement_id}/delete", data={"csrf_token": token, "version": "1"},
                          follow_redirects=True)
    assert "ne peut pas être supprimé" in refused.text
    assert len(_placements(app, world.enrolment_id)) == 1


def test_a_learner_cannot_delete_nor_edit(client, auth, world) -> None:
    auth.login(world.emails["learner"])
    token = csrf_token(client, "/me/placement")
    assert client.post(f"/placements/{world.placement_id}/delete", data={"csrf_token": token, "version": "1"}
                       ).status_code == 404
    assert client.post(f"/placements/{world.placement_id}/edit", data={"csrf_token": token}).status_code == 404


# The learner's own page


def _answer(app: Flask, placement_id: int, stage: ReviewStage, appreciation: str) -> None:
    with app.app_context():
        review = db.session.scalar(sa.select(TutorReview).where(TutorReview.placement_id == placement_id,
                                                                TutorReview.stage == stage))
        review.days_present, review.appreciation = review.planned_days, appreciation
        review.answered_at = datetime(2027, 1, 29, 15)
        db.session.commit()


def test_my_placement_page_and_the_appreciation_after_the_end_form(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["learner"])
    page = client.get("/me/placement").text
    assert "Lozère Numérique" in page and "Paul Tuteur" in page and "04 66 00 00 00" in page
    assert f"/placements/{world.placement_id}/agreement" in page and "35 h par semaine" in page
    assert "Intégration de maquettes" in page
    assert "une fois le formulaire de fin de stage rempli" in page
    _answer(app, world.placement_id, ReviewStage.MID, "Très bon début, curieux.")
    page = client.get("/me/placement").text
    assert "mi-parcours : répondu" in page and "Très bon début" not in page
    assert "Très bon début" not in client.get(f"/placements/{world.placement_id}").text
    _answer(app, world.placement_id, ReviewStage.END, "Autonome en fin de stage.")
    page = client.get("/me/placement").text
    assert "Très bon début, curieux." in page and "Autonome en fin de stage." in page
    assert "/me/placement" in client.get("/me").text  # linked from my page


def test_staff_see_the_appreciation_and_the_tutors_levels(app: Flask, client, auth, world) -> None:
    _answer(app, world.placement_id, ReviewStage.MID, "Très bon début.")
    with app.app_context():
        learner = db.session.get(Learner, world.learner_id)
        competency = factories.competencies(factories.dwwm())[2]
        db.session.add(CompetencyAssessment(learner=learner, competency=competency, level=2, comment="Seul sur l'API",
                                            source=AssessmentSource.TUTOR, placement_id=world.placement_id,
                                            assessor_name="Paul Tuteur", assessed_at=datetime(2026, 12, 30)))
        db.session.commit()
    auth.login(world.emails["trainer"])
    page = unescape(client.get(f"/placements/{world.placement_id}").text)
    assert "Très bon début." in page and "adapter" in page and "Seul sur l'API" in page
    assert "présent·e" in page


def test_an_unlinked_or_unplaced_learner(app: Flask, client, auth, world) -> None:
    with app.app_context():
        db.session.execute(sa.delete(Placement).where(Placement.id == world.placement_id))
        db.session.commit()
    auth.login(world.emails["learner"])
    assert "Aucun stage enregistré pour l'instant" in client.get("/me/placement").text


# The learner's data


def test_the_export_holds_the_placements_and_the_erasure_empties_them(app: Flask, client, auth, world) -> None:
    _answer(app, world.placement_id, ReviewStage.MID, "Luc est très curieux.")
    auth.login(world.emails["learner"])
    data = client.get("/me/export.json").get_json()
    [placement] = data["placements"]
    assert placement["company_name"] == "Lozère Numérique" and placement["tutor_email"].startswith("tuteur@")
    assert placement["agreement"] == {"filename": "convention.pdf", "content_type": "application/pdf",
                                      "size": len(factories.AGREEMENT_PDF)}
    assert [review["stage"] for review in placement["tutor_reviews"]] == ["mid", "end"]
    assert "%PDF" not in json.dumps(data)
    with app.app_context():
        message_id = factories.outbox_message("tuteur@lozere-numerique.example", subject="Luc Lefèvre").id
        db.session.execute(sa.update(TutorReview).where(TutorReview.placement_id == world.placement_id)
                           .values(last_message_id=message_id))
        agreement_id = db.session.get(Placement, world.placement_id).agreement_id
        erase_learner(db.session.get(Learner, world.learner_id))
        db.session.commit()
        placement = db.session.get(Placement, world.placement_id)
        assert (placement.agreement_id, placement.activities, placement.tutor_email, placement.city) == (
            None, "", "", "")
        assert placement.start_date == date(2026, 11, 30) and placement.weekly_minutes == 2100  # the figures stay
        assert db.session.get(StoredFile, agreement_id) is None
        assert db.session.get(OutboxMessage, message_id) is None
        reviews = db.session.scalars(sa.select(TutorReview).where(TutorReview.placement_id == placement.id)).all()
        assert {review.appreciation for review in reviews} == {""} and {r.days_present for r in reviews} == {22, None}
        other = db.session.get(Placement, world.other_placement_id)
        assert other.agreement_id is not None and other.company_name == "Lozère Numérique"  # another learner's


def test_my_data_lists_my_placements(app: Flask, world) -> None:
    """The section of « Mes données » (placements/_data.html, included by learners/data.html)."""
    with app.test_request_context():
        rows = learner_rows(db.session.get(Learner, world.learner_id))
        page = render_template_string('{% include "placements/_data.html" %}', data=rows)
    assert "Mes stages en entreprise" in page and "Lozère Numérique" in page and "convention.pdf" in page
    assert "Paul Tuteur" in page and "pas envoyé" in page


# The staff's page (issue 18, round 2): hired at exit as the figures count it, headings, the levels table, the SIRET


def _exit(app: Flask, world, employer: str, situation: Situation = Situation.CDI) -> None:
    """Luc finished on the placement's last day; his exit situation (point 0) at `employer`."""
    with app.app_context():
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        enrolment.status, enrolment.exit_date = EnrolmentStatus.FINISHED, date(2027, 1, 29)
        db.session.execute(sa.delete(Outcome).where(Outcome.enrolment_id == enrolment.id))
        db.session.add(Outcome(enrolment=enrolment, point=0, situation=situation, employer=employer))
        db.session.commit()


def _hired_box(page: str) -> str:
    return unescape(page).split("Embauche à la sortie", 1)[1].split("</div>", 1)[0]


def test_the_exit_employer_being_the_host_company_says_hired(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["manager"])
    path = f"/placements/{world.placement_id}"
    assert "non indiqué" in _hired_box(client.get(path).text)
    _exit(app, world, "  LOZERE numérique ")  # case, accents and spaces ignored (Outcome.employer_key)
    box = _hired_box(client.get(path).text)
    assert "embauché·e par l'entreprise d'accueil (même employeur à la sortie)" in box and "non indiqué" not in box
    _exit(app, world, "Lozère Numérique", Situation.TRAINING)  # the same name, not a job: not counted hired
    assert "non indiqué" in _hired_box(client.get(path).text)
    _exit(app, world, "Causses Web")  # another employer
    assert "non indiqué" in _hired_box(client.get(path).text)
    with app.app_context():
        db.session.get(Placement, world.placement_id).hired_by_host = True  # a manager's tick (another name)
        db.session.commit()
    box = _hired_box(client.get(path).text)
    assert "(d'après un·e responsable)" in box and "même employeur" not in box
    auth.logout()
    auth.login(world.emails["learner"])
    assert "Embauche à la sortie" not in client.get(path).text


def test_the_staff_page_headings_follow_and_the_levels_table_scrolls_by_keyboard(app, client, auth, world) -> None:
    _answer(app, world.placement_id, ReviewStage.MID, "Bien.")
    with app.app_context():
        learner = db.session.get(Learner, world.learner_id)
        competency = factories.competencies(factories.dwwm())[0]
        db.session.add(CompetencyAssessment(learner=learner, competency=competency, level=2, comment="Seul",
                                            source=AssessmentSource.TUTOR, placement_id=world.placement_id,
                                            assessor_name="Paul Tuteur", assessed_at=datetime(2026, 12, 30)))
        db.session.commit()
    auth.login(world.emails["trainer"])
    page = client.get(f"/placements/{world.placement_id}").text
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", page.split('id="content"', 1)[1])]
    assert levels[0] == 1 and all(later - earlier <= 1 for earlier, later in zip(levels, levels[1:])), levels
    assert "<h2>Activités prévues</h2>" in page and "<h3>" not in page
    assert ('<div class="table-wrap" role="region" aria-labelledby="tutor-levels-caption" tabindex="0">' in page
            and 'id="tutor-levels-caption"' in page)
    auth.logout()
    auth.login(world.emails["learner"])  # my page: the placement's h2, its parts h3
    page = client.get("/me/placement").text
    assert "<h3>Activités prévues</h3>" in unescape(page)


def test_the_siret_is_shown_in_groups(app: Flask, client, auth, world) -> None:
    with app.app_context():
        db.session.get(Placement, world.placement_id).siret = "73282932000074"
        db.session.commit()
    auth.login(world.emails["trainer"])
    assert "SIRET 732 829 320 00074" in client.get(f"/placements/{world.placement_id}").text
    form = page_form(client, f"/placements/{world.placement_id}/edit")
    assert form["siret"] == "732 829 320 00074"
    assert client.post(f"/placements/{world.placement_id}/edit", data=form).status_code == 302
    assert _placements(app, world.enrolment_id)[0].siret == "73282932000074"
    with app.test_request_context():
        rows = learner_rows(db.session.get(Learner, world.learner_id))
        assert "SIRET 732 829 320 00074" in render_template_string('{% include "placements/_data.html" %}', data=rows)
    assert format_siret("73282932000074") == "732 829 320 00074" and format_siret("") == ""


def test_the_staff_page_runs_a_fixed_number_of_queries(app: Flask, client, auth, world, count_queries) -> None:
    auth.login(world.emails["manager"])

    def count() -> int:
        with count_queries() as counted:
            assert client.get(f"/placements/{world.placement_id}").status_code == 200
        return counted.count

    few = count()
    _answer(app, world.placement_id, ReviewStage.MID, "Bien.")
    _exit(app, world, "Lozère Numérique")
    assert count() == few
