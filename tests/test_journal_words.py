"""The journal in words (/me/data, /audit): every field of the records issue 18 added (hand-ins, grades'
exemptions, placements, tutors' forms and levels) has a French name and a readable value, ids read as codes and
names, and a change made through an emailed link says whose link it was."""

import re

from flask import Flask

from bootcamp.audit import record
from bootcamp.extensions import db
from bootcamp.models import AuditEvent, Competency, Placement, User

from .conftest import AuthActions

RAW = ("number", "repository_url", "deployed_url", "exempted", "exemption_reason", "company_name", "tutor_name",
       "tutor_role", "tutor_email", "tutor_phone", "weekly_minutes", "activities", "hired_by_host", "agreement_type",
       "agreement_size", "stage", "recipient", "messages", "days_present", "appreciation", "placement_id",
       "assessor_name", "competency_id", "source", "point")
FIELD = re.compile(r'<dt data-field="(\w+)">([^<]*)</dt><dd>([^<]*)</dd>')


def _journal(app: Flask, world) -> dict[str, str]:
    """The events issue 18's services write for the world's learner, as they write them; returns what to expect."""
    with app.app_context():
        learner_user = db.session.scalar(db.select(User).where(User.email == "learner@example.org"))
        trainer = db.session.scalar(db.select(User).where(User.email == "trainer@example.org"))
        placement = db.session.get(Placement, world.placement_id)
        competency = db.session.get(Competency, world.competency_id)
        learner_id = world.learner_id
        after = {"number": 2, "repository_url": "https://gitlab.com/x/y", "deployed_url": None, "comment": "v2"}
        record("hand_in", world.hand_in_id, "create", None, after, learner_id).actor_id = learner_user.id
        grade = {"score": "15.50", "exempted": False, "exemption_reason": None, "feedback": "Bon travail"}
        record("grade", 1, "create", None, grade, learner_id).actor_id = trainer.id
        state = {"company_name": "Atelier Lozère Web", "siret": "80812345600010", "city": "Mende",
                 "tutor_name": "Claire Martin", "tutor_role": "Gérante", "tutor_email": "claire@example.org",
                 "tutor_phone": "04 66 00 00 00", "start_date": "2027-04-26", "end_date": "2027-06-18",
                 "weekly_minutes": 2100, "activities": "Refonte", "hired_by_host": True,
                 "agreement_type": "application/pdf", "agreement_size": 1042}
        record("placement", placement.id, "create", None, state, learner_id).actor_id = trainer.id
        sent = {"stage": "mid", "recipient": "claire@example.org", "messages": 1}
        record("tutor_review", 1, "send", None, sent, learner_id).actor_id = trainer.id
        record("tutor_review", 1, "answer", None, {"stage": "mid", "days_present": 17, "appreciation": "Curieuse"},
               learner_id)
        level = {"competency_id": competency.id, "level": 2, "comment": "Maquettes propres", "source": "tutor",
                 "placement_id": placement.id, "assessor_name": "Claire Martin"}
        record("competency_assessment", 7, "create", None, level, learner_id)
        confirmed = {"competency_id": competency.id, "level": 2, "comment": "d'après le bilan", "project_id": None,
                     "placement_id": placement.id}
        record("competency_assessment", 8, "create", {"competency_id": competency.id, "level": None}, confirmed,
               learner_id).actor_id = trainer.id
        told = {"point": 3, "situation": "employed", "employer": "ACME", "job_title": "Dév", "digital": True,
                "start_date": "2027-09-01", "city": "Mende", "source": "learner"}
        record("outcome", 5, "create", None, told, learner_id)
        record("learner", learner_id, "update", None, {"first_name": "Luc"}, learner_id)  # a command
        db.session.commit()
        return {"code": competency.code, "company": placement.company_name}


def _check_words(page: str, expected: dict[str, str]) -> None:
    shown = FIELD.findall(page)
    assert shown, "no journal values on the page"
    assert [(key, text) for key, text, _ in shown if "_" in text or (key in RAW and text == key) or not text] == []
    values = {(key, value) for key, _, value in shown}
    for key, value in (
        ("number", "2"),
        ("score", "15,5"),
        ("exempted", "non"),
        ("weekly_minutes", "35 h par semaine"),
        ("agreement_size", "1 ko"),
        ("agreement_type", "PDF"),
        ("hired_by_host", "oui"),
        ("stage", "mi-parcours"),
        ("source", "tuteur·rice en entreprise"),
        ("competency_id", expected["code"]),
        ("placement_id", expected["company"]),
        ("start_date", "26 avril 2027"),
    ):
        assert (key, value) in values, (key, value, sorted(values))
    assert "15.5" not in page and "2100" not in page and "1042" not in page
    assert ">tutor<" not in page and ">mid<" not in page
    for who in ("Claire Martin, tuteur ou tutrice, par son lien", "le tuteur ou la tutrice, par son lien",
                "l&#39;apprenant·e, par son lien", "ligne de commande", "Thomas Formateur"):
        assert who in page, who


def test_my_data_journal_names_every_new_field_and_value_in_words(
    app: Flask, client, auth: AuthActions, world, count_queries
) -> None:
    auth.login("learner@example.org")
    with count_queries() as before:
        client.get("/me/data")
    expected = _journal(app, world)
    with count_queries() as after:
        page = client.get("/me/data").text
    _check_words(page, expected)
    assert after.count <= before.count + 1  # the codes and names the events refer to: one query
    with app.app_context():  # a learner's follow-up answer and the tutor's form are theirs, not the command line's
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(
            AuditEvent.actor_id.is_(None))) >= 4


def test_the_audit_page_shows_the_same_words_and_still_masks_sensitive_values(
    app: Flask, client, auth: AuthActions, world
) -> None:
    expected = _journal(app, world)
    with app.app_context():
        record("learner", world.learner_id, "create", None, {"rqth": True, "birth_date": "1987-03-14"},
               world.learner_id)
        record("enrolment", world.enrolment_id, "update", {"dropout_reason": None}, {"dropout_reason": "health"},
               world.learner_id)
        db.session.commit()
    auth.login(world.emails["manager"])
    page = client.get("/audit").text
    _check_words(page, expected)
    assert ("rqth", "RQTH", "oui") in FIELD.findall(page)
    assert ("dropout_reason", "motif d&#39;abandon", "santé") in FIELD.findall(page)
    assert "· réponse" in page and "· envoi" in page  # the actions in words too
    auth.logout()
    auth.login(world.emails["admin"])
    masked = FIELD.findall(client.get("/audit").text)
    sensitive = [(key, value) for key, _, value in masked if key in ("rqth", "birth_date", "dropout_reason")]
    assert ("rqth", "•••") in sensitive and ("dropout_reason", "•••") in sensitive
    assert [(key, value) for key, value in sensitive if value not in ("•••", "—")] == []


def test_every_field_the_new_records_keep_has_words() -> None:
    from bootcamp.auditlog.words import ENTITY_FIELD_LABELS, FIELD_LABELS
    from bootcamp.followups.answers import ANSWER_FIELDS
    from bootcamp.handins.services import HAND_IN_FIELDS
    from bootcamp.outcomes.services import FORM_FIELDS
    from bootcamp.placements.services import FIELDS as PLACEMENT_FIELDS
    from bootcamp.projects.services import GRADE_FIELDS

    kept = {*HAND_IN_FIELDS, *GRADE_FIELDS, *PLACEMENT_FIELDS, *ANSWER_FIELDS, *FORM_FIELDS, *RAW}
    assert sorted(kept - set(FIELD_LABELS)) == []
    assert {"competency_assessment.source", "outcome.source"} <= set(ENTITY_FIELD_LABELS)
