"""Personal data: export, erasure that keeps the statistics, retention purge, sensitive fields, the audit log."""

import io
import json
import logging
import re
from dataclasses import asdict
from datetime import date, datetime

import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.auditlog.views import PER_PAGE
from bootcamp.demo import DemoOptions, load_demo
from bootcamp.extensions import db
from bootcamp.models import AuditEvent, CompetencyAssessment, Grade, Learner, Outcome, Situation, User
from bootcamp.reports.queries import GROUPINGS, Filters, indicator_rows

from . import factories
from .conftest import PASSWORD, AuthActions, csrf_token, page_form

TODAY = date(2026, 11, 26)


def _indicators(app: Flask) -> dict:
    with app.app_context():
        return {
            (by, point): [asdict(row) for row in indicator_rows(Filters(point=point, as_of=TODAY), by)]
            for by in GROUPINGS
            for point in (0, 6)
        }


def test_manager_export_is_the_learners_own(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("learner@example.org")
    own = client.get("/me/export.json").get_json()
    auth.logout()
    auth.login("manager@example.org")
    response = client.get(f"/learners/{world.learner_id}/export.json")
    assert response.get_json() == own and "attachment" in response.headers["Content-Disposition"]


def test_erasure_removes_personal_data_and_keeps_every_indicator(app: Flask, client, auth: AuthActions) -> None:
    with app.app_context():
        load_demo(DemoOptions(seed=3, sites=1, years=3, learners_per_cohort=8, today=TODAY))
        learner = db.session.scalars(
            sa.select(Learner).join(Learner.enrolments).join(Outcome).where(Outcome.situation == Situation.CDI)
        ).first()
        learner_id, email = learner.id, learner.email
        from bootcamp.audit import record

        record("learner", learner.id, "update", {"last_name": "Ancien"}, {"last_name": learner.last_name}, learner.id)
        db.session.commit()
    before = _indicators(app)
    auth.login("manager@example.org", "demo-bootcamp")  # the demo's account
    url = f"/learners/{learner_id}/erase"
    refused = client.post(
        url, data={"csrf_token": csrf_token(client, f"/learners/{learner_id}")}, follow_redirects=True
    )
    assert "Cochez la case de confirmation" in refused.text
    form = page_form(client, f"/learners/{learner_id}")
    assert client.post(url, data=form | {"confirm": "y"}).status_code == 302
    assert _indicators(app) == before
    with app.app_context():
        learner = db.session.get(Learner, learner_id)
        assert (learner.email, learner.birth_date, learner.postal_code) == (None, None, None)
        assert (
            learner.erased_at and "effacée" in learner.last_name and learner.gender and learner.enrolments[0].age_band
        )
        assert not any(g.feedback for g in db.session.scalars(sa.select(Grade).where(Grade.learner_id == learner_id)))
        assert not any(
            a.comment
            for a in db.session.scalars(
                sa.select(CompetencyAssessment).where(CompetencyAssessment.learner_id == learner_id)
            )
        )
        outcomes = [o for e in learner.enrolments for o in e.outcomes]
        assert outcomes and all(o.employer == "" and o.situation for o in outcomes)
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.learner_id == learner_id)).all()
        text = json.dumps([(e.before, e.after) for e in events], ensure_ascii=False)
        assert "Ancien" not in text and email not in text
        assert events[-1].action == "erase" and events[-1].after == {"erased": True}
    page = client.get(f"/learners/{learner_id}").text
    assert "Données personnelles effacées" in page


def test_erasing_a_learner_closes_their_account(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    form = page_form(client, f"/learners/{world.learner_id}")
    client.post(f"/learners/{world.learner_id}/erase", data=form | {"confirm": "y"})
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "learner@example.org")) is None
    assert "incorrect" in AuthActions(app.test_client()).login("learner@example.org").text


def test_the_export_holds_the_livret_the_dp_and_the_exam_results(app: Flask, client, auth: AuthActions, world) -> None:
    from bootcamp.models import BlockResult, EcfBlock, Enrolment, ExamResult

    with app.app_context():
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        block = enrolment.cohort.programme.blocks[0]
        db.session.add(EcfBlock(enrolment=enrolment, block=block, mastered=False, observations="Revoir les tests"))
        result = db.session.scalars(sa.select(ExamResult).where(ExamResult.candidate_id == world.candidate_id)).first()
        result.result = BlockResult.NOT_ACQUIRED
        db.session.commit()
        code = block.code
    auth.login("manager@example.org")
    data = client.get(f"/learners/{world.learner_id}/export.json").get_json()
    [situation], [summary], [example], [candidacy] = (
        data[key] for key in ("ecf_situations", "ecf_blocks", "dp_examples", "exam_candidacies")
    )
    assert (situation["block"], situation["description"], situation["satisfactory"]) == (code, "Projet fil rouge", True)
    assert situation["competencies"] == [{"competency": "CP1", "to_reassess": False}]
    assert (summary["block"], summary["mastered"], summary["observations"]) == (code, False, "Revoir les tests")
    assert (example["block"], example["title"], example["status"]) == (code, "Exemple 1", "draft")
    assert candidacy["session"]["start_date"] == "2026-12-07" and candidacy["session"]["kind"] == "title"
    assert candidacy["results"][0] == candidacy["results"][0] | {"block": code, "result": "not_acquired"}
    assert {row["result"] for row in candidacy["results"][1:]} == {None}


def test_an_erasure_empties_what_was_written_about_the_learner_and_keeps_the_results(
    app: Flask, client, auth: AuthActions, world
) -> None:
    from bootcamp.audit import record
    from bootcamp.certification import results
    from bootcamp.models import DpExample, EcfBlock, EcfSituation, Enrolment, ExamResult

    with app.app_context():
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        block = enrolment.cohort.programme.blocks[0]
        db.session.add(EcfBlock(enrolment=enrolment, block=block, mastered=True, observations="Luc est autonome"))
        situation = db.session.get(EcfSituation, world.situation_id)
        situation.points_to_watch = "Luc oublie les tests"
        example = db.session.get(DpExample, world.example_id)
        example.title, example.review_comment = "Le site de Luc", "Bien, Luc"
        record("dp_example", example.id, "update", None, {"title": "Le site de Luc"}, learner_id=world.learner_id)
        db.session.commit()
        kept = (results.statuses([world.enrolment_id]), db.session.scalar(sa.select(sa.func.count(ExamResult.id))))
    auth.login("manager@example.org")
    form = page_form(client, f"/learners/{world.learner_id}")
    assert client.post(f"/learners/{world.learner_id}/erase", data=form | {"confirm": "y"}).status_code == 302
    with app.app_context():
        situation = db.session.get(EcfSituation, world.situation_id)
        summary = db.session.scalars(sa.select(EcfBlock)).one()
        example = db.session.get(DpExample, world.example_id)
        assert (situation.description, situation.points_to_watch, situation.satisfactory) == ("", "", True)
        assert (summary.observations, summary.mastered, example.title, example.review_comment) == ("", True, "", "")
        assert (situation.first_assessor, example.status.value) == ("Thomas Formateur", "draft")  # not about Luc
        count = db.session.scalar(sa.select(sa.func.count(ExamResult.id)))
        assert (results.statuses([world.enrolment_id]), count) == kept
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.learner_id == world.learner_id)).all()
        assert "Luc" not in json.dumps([(e.before, e.after) for e in events], ensure_ascii=False)
        # Other learners' texts are untouched.
        assert db.session.get(EcfSituation, world.other_situation_id).description == "Projet fil rouge"


def _attendance_hours(app: Flask) -> dict:
    """The attendance hours of every enrolment (what the attendance statistics are made of)."""
    from bootcamp.attendance.hours import Hours, counted_records, minute_sums
    from bootcamp.models import AttendanceRecord

    with app.app_context():
        rows = db.session.execute(
            counted_records(AttendanceRecord.enrolment_id, *minute_sums()).group_by(AttendanceRecord.enrolment_id)
        )
        return {row.enrolment_id: Hours.of(row) for row in rows}


def test_purge_after_the_retention_period(app: Flask) -> None:
    """Learners gone 5 years are anonymised and keep their attendance; the proofs of cohorts ended 6 years ago are
    deleted, the others kept; no indicator nor hour changes."""
    from bootcamp.models import Enrolment, Placement, StoredFile
    from bootcamp.personal_data import due_for_erasure

    with app.app_context():
        load_demo(DemoOptions(seed=5, sites=1, years=8, learners_per_cohort=5, today=dates.today()))
        files = db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile))
    before, hours = _indicators(app), _attendance_hours(app)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    count = int(dry.output.split()[0])
    assert count > 0
    proofs = int(re.search(r"^(\d+) proof files? of cohorts ended more than 6 years ago", dry.output, re.M).group(1))
    assert 0 < proofs < files  # the oldest cohorts ended more than 6 years ago, not the others
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Learner.erased_at.is_not(None))) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == files
    with app.app_context():  # the signed agreements of the learners anonymised go with their personal data
        leaving = [learner.id for learner in due_for_erasure(dates.today(), app.config["RETENTION_YEARS"])]
        agreements = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Placement)
            .join(Enrolment, Enrolment.id == Placement.enrolment_id)
            .where(Enrolment.learner_id.in_(leaving), Placement.agreement_id.is_not(None))
        )
    done = runner.invoke(args=["purge", "--yes"])
    assert f"Anonymised {count} learner{'' if count == 1 else 's'}; deleted {proofs} proof file" in done.output
    assert _indicators(app) == before and _attendance_hours(app) == hours
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == files - proofs - agreements
    again = runner.invoke(args=["purge", "--dry-run"]).output
    assert again.startswith("0 learners left") and "\n0 proof files" in again


def test_trainers_never_see_sensitive_fields(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        learner = db.session.get(Learner, world.learner_id)
        learner.rqth, learner.rsa, learner.qpv = True, True, True
        factories.assess(learner, factories.competencies(factories.dwwm())[0], 2, datetime(2026, 10, 1))
        db.session.commit()
    auth.login("trainer@example.org")
    for path in (
        f"/cohorts/{world.cohort_id}",
        f"/cohorts/{world.cohort_id}/competencies",
        f"/projects/{world.project_id}/grades",
        "/cohorts/",
        f"/cohorts/{world.cohort_id}/competencies/{world.learner_id}/{world.competency_id}",
    ):
        page = client.get(path).text
        for word in ("RQTH", "RSA", "QPV", "2000-01-01", "01/01/2000", "1 janv. 2000"):
            assert word not in page, (path, word)


def test_audit_log_filters_and_masks_for_admins(app: Flask, client, auth: AuthActions, world) -> None:
    trainer = app.test_client()
    AuthActions(trainer).login("trainer@example.org")
    form = page_form(trainer, f"/cohorts/{world.cohort_id}/competencies")
    form[f"level_{world.learner_id}_{world.competency_id}"] = "2"
    trainer.post(f"/cohorts/{world.cohort_id}/competencies", data=form)
    with app.app_context():
        from bootcamp.audit import record

        record("learner", world.learner_id, "update", {"rqth": False}, {"rqth": True}, world.learner_id)
        record(
            "learner",
            world.other_learner_id,
            "update",
            {"postal_code": "12000"},
            {"postal_code": "12100"},
            world.other_learner_id,
        )
        db.session.commit()
    auth.login("manager@example.org")
    page = client.get("/audit").text
    assert "3 modifications" in page and "Thomas Formateur" in page and "niveau de compétence" in page
    assert '<dt data-field="rqth">RQTH</dt><dd>oui</dd>' in page  # managers see the sensitive value
    assert "1 modification<" in client.get("/audit?kind=competency_assessment").text
    assert "2 modifications" in client.get("/audit?learner=lefèvre").text
    assert "1 modification<" in client.get(f"/audit?learner={world.other_learner_id}").text
    assert "0 modification" in client.get("/audit?start=2020-01-01&end=2020-12-31").text
    auth.logout()
    auth.login("admin@example.org")
    admin_page = client.get("/audit?kind=learner").text
    assert "•••" in admin_page and "12100" in admin_page


def test_audit_log_is_paginated_and_keeps_the_filters(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        from bootcamp.audit import record

        for number in range(PER_PAGE + 10):
            record("grade", number, "update", {"score": "1"}, {"score": str(number)}, world.learner_id)
        db.session.commit()
    auth.login("manager@example.org")
    first = client.get("/audit?kind=grade").text
    assert "Page 1 sur 2" in first and "page=2" in first and "kind=grade" in first
    second = client.get("/audit?kind=grade&page=2").text
    assert "Page 2 sur 2" in second and second.count("<tr>") == 10 + 1  # ten rows and the header


# Every sensitive datum a learner's file can hold, as a value and as the screen or the journal would show it.
SENSITIVE_SHOWN = (
    "1987-03-14",
    "14/03/1987",
    "14 mars 1987",
    "santé",
    "health",
    "Cap emploi",
    "cap_emploi",
    "maladie",
    "sickness",
)


def _text(response) -> str:
    """What a response shows: a page's HTML, a PDF's or a workbook's text."""
    if response.mimetype == "application/pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    if response.mimetype.endswith("spreadsheetml.sheet"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.data), read_only=True)
        return "\n".join(str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row)
    return response.get_data(as_text=True)


def _without_unselected_options(html: str) -> str:
    """A page minus the choices a form offers but that are not the recorded value (a trainer may pick « santé »)."""
    return re.sub(r"<option(?![^>]*\bselected\b)[^>]*>[^<]*</option>", "", html)


def test_sensitive_data_shows_to_managers_only_wherever_it_could(
    app: Flask, client, auth: AuthActions, world, caplog
) -> None:
    """A learner with every sensitive field and value (an absence for sickness with its proof too): on no page of a
    trainer, an admin or a learner, and masked (•••) in the journal, nor in the logs; the manager sees it all."""
    from bootcamp.access import POOLED, SENSITIVE_FIELDS, SENSITIVE_FLAGS, SENSITIVE_VALUES
    from bootcamp.audit import record
    from bootcamp.models import (
        AbsenceReason,
        AttendanceSession,
        DropoutReason,
        EnrolmentStatus,
        Justification,
        Presence,
        PublicFlag,
        Referrer,
        StoredFile,
    )

    from .test_access import MATRIX, ROLES

    assert SENSITIVE_FIELDS == {"qpv", "rqth", "rsa", "birth_date"} and SENSITIVE_FLAGS <= set(PublicFlag)
    assert SENSITIVE_VALUES == {
        "dropout_reason": {DropoutReason.HEALTH},
        "referrer": {Referrer.CAP_EMPLOI},
        "reason": {AbsenceReason.SICKNESS},
    }
    assert all(values < POOLED[name] for name, values in SENSITIVE_VALUES.items())  # hidden among others
    with app.app_context():
        cohort = db.session.get(factories.Cohort, world.cohort_id)
        learner = factories.learner(cohort, first_name="Sam", last_name="Sensible", birth_date=date(1987, 3, 14))
        learner.flags, learner.referrer = set(SENSITIVE_FLAGS), Referrer.CAP_EMPLOI
        enrolment = learner.enrolments[0]
        enrolment.status, enrolment.exit_date = EnrolmentStatus.DROPPED, cohort.start_date
        enrolment.dropout_reason = DropoutReason.HEALTH
        db.session.flush()
        everything = {"birth_date": "1987-03-14", "referrer": "cap_emploi", "qpv": True, "rqth": True, "rsa": True}
        record("learner", learner.id, "create", None, everything, learner_id=learner.id)
        record("enrolment", enrolment.id, "update", {"dropout_reason": None}, {"dropout_reason": "health"}, learner.id)
        proof = StoredFile(filename="arrêt-maladie-sam.pdf", content_type="application/pdf", size=9, sha256="0" * 64,
                           data=b"%PDF-1.7\n")
        sickness = factories.attendance(
            db.session.get(AttendanceSession, world.session_id), enrolment, Presence.ABSENT,
            reason=AbsenceReason.SICKNESS, justification=Justification.PENDING, proof=proof,
        )
        db.session.flush()
        record("attendance_record", sickness.id, "justify", {"reason": None}, {"reason": "sickness"}, learner.id)
        factories.user("sam@example.org", factories.Role.LEARNER, PASSWORD, linked=learner)
        db.session.commit()
        paths = world.paths() | {"learner": str(learner.id), "enrolment": str(enrolment.id), "user": "1"}
    caplog.set_level(logging.DEBUG)
    for role in ("trainer", "admin", "learner"):
        auth.login(world.emails[role])
        for rule, (path, expected) in MATRIX.items():
            if expected[ROLES.index(role)][0] != "200" or rule.startswith(("/static", "/vendor")):
                continue
            page = _without_unselected_options(_text(client.get(path.format(**paths))))
            shown = [text for text in SENSITIVE_SHOWN if text in page]
            assert not shown, (role, path, shown)
            for key, value in re.findall(r'<dt data-field="(\w+)">[^<]*</dt><dd>([^<]*)</dd>', page):  # the journal's
                assert key not in SENSITIVE_FIELDS | set(POOLED) or value in ("•••", "—"), (role, path, key, value)
        auth.logout()
    auth.login(world.emails["manager"])
    file = client.get(f"/learners/{paths['learner']}").text
    assert [text for text in ("14 mars 1987", "santé", "Cap emploi", "RQTH", "QPV", "RSA") if text not in file] == []
    assert '<dt data-field="rqth">RQTH</dt><dd>oui</dd>' in client.get("/audit").text
    assert "maladie" in client.get(f"/cohorts/{world.cohort_id}/absences").text
    logged = " ".join(entry.getMessage() for entry in caplog.records)
    assert [text for text in (*SENSITIVE_SHOWN, "arrêt", "sam.pdf") if text in logged] == []


def test_a_trainer_records_a_dropout_for_health_then_sees_it_masked(
    app: Flask, client, auth: AuthActions, world
) -> None:
    """The trainer's form offers « santé »; once saved, the trainer sees the pool's word, like for a family reason,
    and saving the form again keeps the recorded reason."""
    from bootcamp.models import DropoutReason, Enrolment

    auth.login(world.emails["trainer"])
    url = f"/cohorts/{world.cohort_id}/enrolments/{world.enrolment_id}"
    form = page_form(client, url)
    posted = form | {"status": "dropped", "exit_date": "2026-10-01", "dropout_reason": "health"}
    assert client.post(url, data=posted).status_code == 302
    roster = client.get(f"/cohorts/{world.cohort_id}").text
    assert "motif personnel ou autre" in roster and "santé" not in roster
    again = page_form(client, url)
    assert again["dropout_reason"] == "kept"
    assert client.post(url, data=again | {"exit_date": "2026-10-02"}).status_code == 302
    with app.app_context():
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        assert (enrolment.dropout_reason, enrolment.exit_date) == (DropoutReason.HEALTH, date(2026, 10, 2))
    other = page_form(client, url) | {"dropout_reason": "job"}
    assert client.post(url, data=other).status_code == 302
    assert page_form(client, url)["dropout_reason"] == "job"  # an ordinary reason shows as it is
    auth.logout()
    auth.login(world.emails["admin"])
    journal = client.get("/audit?kind=enrolment").text
    reason = '<dt data-field="dropout_reason">motif d&#39;abandon</dt><dd>%s</dd>'
    assert reason % "•••" in journal and reason % "emploi trouvé" in journal
    assert "health" not in journal
