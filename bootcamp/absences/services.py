"""Justifying absences: a learner's claim, the staff's decision, a proof added; each versioned and audited.

A claim (a reason, a proof, or both) makes the justification « pending » (counted as unjustified until accepted,
hours.py); staff accept or refuse it; a refused one may be claimed again. A new proof replaces the old one, which
is deleted. Nothing of a proof's name or content goes to the journal: its type and size only (files.described).
Every function writes in the caller's transaction; the record's `version` makes a concurrent change of the same
record fail (StaleDataError: the app's 409 page), and `check_version` refuses a form loaded before one.
"""

from typing import Any

from flask_babel import lazy_gettext as _l

from .. import audit, files
from ..extensions import db
from ..models import AbsenceReason, AttendanceRecord, Justification, Presence

ENTITY = "attendance_record"


STALE = _l(
    "%(who)s a modifié cette absence le %(when)s, après l'ouverture de votre page. Rien n'a été enregistré : "
    "rechargez la page pour voir où elle en est, puis recommencez si besoin."
)


def check_version(record: AttendanceRecord, seen: int | None) -> None:
    """Answer 409, saying who changed the record and when, if it changed since the form was loaded."""
    audit.check_version(ENTITY, record, seen, STALE)


def _state(record: AttendanceRecord) -> dict[str, Any]:
    """What the journal keeps of a record's justification (the reason is masked for all but managers there)."""
    return {
        "reason": audit.plain(record.reason),
        "justification": audit.plain(record.justification),
        **files.described(record.proof),
    }


def _replace_proof(record: AttendanceRecord, upload: files.Upload) -> None:
    old = record.proof
    record.proof = files.store(upload)
    if old is not None:
        db.session.delete(old)  # the proof it replaces is no longer anybody's: not kept


def _audited(record: AttendanceRecord, action: str, before: dict[str, Any], new_proof: bool = False) -> bool:
    """Write the change (the versioned UPDATE) and its audit event; False when nothing changed."""
    after = _state(record)
    if after == before and not new_proof:
        return False
    db.session.flush()
    audit.record(ENTITY, record.id, action, before, after, learner_id=record.enrolment.learner_id)
    return True


def claimable(record: AttendanceRecord) -> bool:
    """Whether a learner may justify the record: an absence whose justification is not yet accepted."""
    return record.presence == Presence.ABSENT and record.justification != Justification.ACCEPTED


def claim(record: AttendanceRecord, reason: AbsenceReason | None, upload: files.Upload | None) -> None:
    """A learner justifies their absence: the reason given (else the one recorded stays), the proof (else the one
    sent before stays); the justification becomes pending."""
    before = _state(record)
    with db.session.no_autoflush:  # one UPDATE of the record: one new version
        if reason is not None:
            record.reason = reason
        if upload is not None:
            _replace_proof(record, upload)
        record.justification = Justification.PENDING
    _audited(record, "justify", before, new_proof=upload is not None)


def decide(record: AttendanceRecord, decision: Justification | None, reason: AbsenceReason | None) -> bool:
    """Staff record the reason and accept or refuse the justification (None: the reason only). Whether it
    changed anything."""
    before = _state(record)
    record.reason = reason
    if decision is not None:
        record.justification = decision
    return _audited(record, "decide", before)


def add_proof(record: AttendanceRecord, upload: files.Upload) -> None:
    """Staff add or replace an absence's proof: an absence not yet accepted is then to review (pending)."""
    before = _state(record)
    with db.session.no_autoflush:  # one UPDATE of the record: one new version
        _replace_proof(record, upload)
        if record.justification != Justification.ACCEPTED:
            record.justification = Justification.PENDING
    _audited(record, "proof", before, new_proof=True)
