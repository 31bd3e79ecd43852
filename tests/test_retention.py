"""Keeping periods of attendance (issue 15): records stay, anonymous, after a learner's erasure; proofs of absence
are deleted 6 years after their cohort's end and not before (`flask purge`); a learner's own data holds their
attendance, proofs by name and type only."""

import hashlib
import json
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.attendance.hours import Hours, counted_records, minute_sums
from bootcamp.audit import record
from bootcamp.extensions import db
from bootcamp.models import (
    AbsenceReason,
    AttendanceRecord,
    AuditEvent,
    Enrolment,
    Justification,
    Learner,
    Placement,
    StoredFile,
)
from bootcamp.personal_data import PROOF_RETENTION_YEARS, delete_due_proofs, erase_learner

from .conftest import AuthActions

PDF = b"%PDF-1.4\n% secret-bytes-of-the-proof\n%%EOF\n"
COHORT_END = date(2027, 7, 5)  # the world's cohorts (tests/factories.py)


def _stored_proofs() -> int:
    """The stored files that are not placement agreements (those go with the learner's erasure: test_placements)."""
    agreements = sa.select(Placement.agreement_id).where(Placement.agreement_id.is_not(None))
    return db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile).where(StoredFile.id.not_in(agreements)))


def _proof(name: str, uploaded: datetime | None = None) -> StoredFile:
    stored = StoredFile(
        filename=name,
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        data=PDF,
        uploaded_at=uploaded or datetime(2026, 11, 17, 10),
    )
    db.session.add(stored)
    return stored


def _justify(record_id: int, name: str) -> int:
    """The world's absence made justified (sickness, accepted) with a proof; returns the proof's id."""
    absence = db.session.get(AttendanceRecord, record_id)
    absence.reason, absence.justification = AbsenceReason.SICKNESS, Justification.ACCEPTED
    absence.proof = _proof(name)
    db.session.flush()
    return absence.proof.id


def _hours() -> Hours:
    return Hours.of(db.session.execute(counted_records(*minute_sums())).one())


def _purge(runner, monkeypatch: pytest.MonkeyPatch, day: date, *args: str) -> str:
    monkeypatch.setattr(dates, "today", lambda: day)
    result = runner.invoke(args=["purge", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_proofs_are_deleted_six_years_after_the_cohort_end_not_before(
    app: Flask, runner, world, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        _justify(world.record_id, "arret-lefevre.pdf")
        _justify(world.other_record_id, "arret-roux.pdf")
        db.session.commit()
        before = _hours()
    assert PROOF_RETENTION_YEARS == 6
    anniversary = date(COHORT_END.year + 6, COHORT_END.month, COHORT_END.day)
    dry = _purge(runner, monkeypatch, anniversary, "--dry-run")
    assert "1 learner left more than 5 years ago" in dry  # Rose left on 2026-10-30; Luc is in training
    assert "0 proof files of cohorts ended more than 6 years ago would be deleted" in dry
    done = _purge(runner, monkeypatch, anniversary, "--yes")
    assert "Anonymised 1 learner; deleted 0 proof files." in done
    with app.app_context():
        rose = db.session.get(Learner, world.other_learner_id)
        kept = db.session.get(AttendanceRecord, world.other_record_id)
        assert rose.erased_at and kept.enrolment.learner_id == rose.id  # anonymous, still there
        assert kept.proof is not None and kept.proof.filename == f"justificatif-{kept.proof_id}.pdf"
        assert _stored_proofs() == 2
    later = date.fromordinal(anniversary.toordinal() + 1)
    dry = _purge(runner, monkeypatch, later, "--dry-run")
    assert "0 learners left" in dry and "2 proof files of cohorts ended more than 6 years ago" in dry
    with app.app_context():
        assert _stored_proofs() == 2  # a dry run deletes nothing
    assert "deleted 2 proof files." in _purge(runner, monkeypatch, later, "--yes")
    with app.app_context():
        assert _stored_proofs() == 0
        records = db.session.scalars(sa.select(AttendanceRecord).order_by(AttendanceRecord.id)).all()
        assert [(r.proof_id, r.justification, r.reason) for r in records] == [
            (None, Justification.ACCEPTED, AbsenceReason.SICKNESS)
        ] * 2
        assert _hours() == before  # no hour, no rate changes
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity == "stored_file")).one()
        assert event.action == "purge" and event.after == {"deleted": 2, "kept_years": 6}
    assert "0 proof files" in _purge(runner, monkeypatch, later, "--dry-run")


def test_a_proof_shared_with_a_recent_cohort_waits_for_it(app: Flask, world) -> None:
    """A file that a cohort still in its keeping period refers to is kept, whatever the other cohort."""
    from bootcamp.models import Cohort

    with app.app_context():
        proof_id = _justify(world.record_id, "convocation.pdf")
        db.session.get(AttendanceRecord, world.other_record_id).proof_id = proof_id
        mine = db.session.get(Cohort, world.cohort_id)
        mine.start_date, mine.end_date = date(2019, 9, 2), date(2020, 7, 3)
        db.session.commit()
        assert delete_due_proofs(date(2030, 1, 1)) == 0  # Rodez ends in 2027: kept until 2033
        theirs = db.session.get(Cohort, world.other_cohort_id)
        theirs.start_date, theirs.end_date = date(2020, 9, 7), date(2021, 7, 2)
        assert delete_due_proofs(date(2030, 1, 1)) == 1


def test_files_nobody_refers_to_go_after_the_keeping_period(app: Flask, world) -> None:
    with app.app_context():
        old = _proof("remplace.pdf", uploaded=datetime(2019, 3, 1, 9))
        recent = _proof("remplace-aussi.pdf", uploaded=datetime(2025, 3, 1, 9))
        used_id = _justify(world.record_id, "gardé.pdf")
        db.session.get(StoredFile, used_id).uploaded_at = datetime(2019, 3, 1, 9)
        db.session.commit()
        old_id, recent_id = old.id, recent.id
        assert delete_due_proofs(date(2026, 11, 26)) == 1
        db.session.commit()
        remaining = set(db.session.scalars(sa.select(StoredFile.id)))
    assert old_id not in remaining and {recent_id, used_id} <= remaining


def test_an_erased_learner_keeps_anonymous_attendance_and_the_proof_under_a_plain_name(app: Flask, world) -> None:
    with app.app_context():
        proof_id = _justify(world.record_id, "Arrêt maladie Luc Lefèvre.PDF")
        changed = {"filename": "Luc.pdf"}
        record("attendance_record", world.record_id, "update", {"filename": None}, changed, world.learner_id)
        db.session.commit()
        before = _hours()
        erase_learner(db.session.get(Learner, world.learner_id))
        db.session.commit()
        kept = db.session.get(AttendanceRecord, world.record_id)
        assert kept is not None and kept.proof_id == proof_id and kept.reason == AbsenceReason.SICKNESS
        assert kept.proof.filename == f"justificatif-{proof_id}.pdf" and kept.proof.data == PDF
        assert _hours() == before
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.learner_id == world.learner_id)).all()
        assert "Luc" not in json.dumps([(e.before, e.after) for e in events], ensure_ascii=False)


def test_my_data_holds_my_attendance_with_proofs_by_name_and_type(app: Flask, client, auth: AuthActions, world) -> None:
    from bootcamp.models import Cohort, HalfDay, SignatureSource

    from .factories import WORLD_DAY, attendance, half_day

    with app.app_context():
        _justify(world.record_id, "convocation-france-travail.pdf")
        _justify(world.other_record_id, "autre-personne.pdf")
        afternoon = half_day(db.session.get(Cohort, world.cohort_id), WORLD_DAY, HalfDay.PM)
        signed = attendance(afternoon, db.session.get(Enrolment, world.enrolment_id))
        signed.source, signed.signed_at = SignatureSource.CODE, datetime(2026, 11, 16, 13, 34)  # local time
        db.session.commit()
    auth.login("learner@example.org")
    export = client.get("/me/export.json").get_json()
    rows = export["attendance_records"]
    assert [(row["half_day"], row["presence"]) for row in rows] == [("am", "absent"), ("pm", "present")]
    assert rows[1]["signed_at"] == "2026-11-16T13:34:00" and rows[1]["proof"] is None
    row = rows[0]
    assert row["id"] == world.record_id and row["presence"] == "absent" and row["reason"] == "sickness"
    assert (row["day"], row["half_day"], row["starts_at"], row["planned_minutes"]) == ("2026-11-16", "am", "09:00", 210)
    assert row["proof"] == {"filename": "convocation-france-travail.pdf", "content_type": "application/pdf"}
    raw = client.get("/me/export.json").text
    assert "secret-bytes" not in raw and "autre-personne" not in raw and '"data"' not in raw
    page = client.get("/me/data").text
    assert 'id="attendance"' in page and "Mes présences" in page
    assert "convocation-france-travail.pdf" in page and "16 novembre 2026, matin" in page
    assert "maladie" in page  # their own reason, in words (the page is theirs alone)
    assert "14:34" not in page  # the page sums the months up (signatures in the export), never moves a time as UTC
    assert "autre-personne.pdf" not in page


def test_an_unlinked_account_gets_an_empty_attendance_list(client, auth: AuthActions, world) -> None:
    auth.login("unlinked@example.org")
    assert client.get("/me/export.json").get_json()["attendance_records"] == []


def test_proofs_of_a_cohort_not_yet_ended_are_never_due(app: Flask, world) -> None:
    with app.app_context():
        _justify(world.record_id, "recent.pdf")
        db.session.commit()
        assert delete_due_proofs(date(2026, 11, 26), years=0) == 0  # the cohort ends in 2027
        assert delete_due_proofs(COHORT_END, years=0) == 0  # its last day: still kept
        assert delete_due_proofs(date(2027, 7, 6), years=0) == 1
