"""Absences as their pages list them: a learner's own (with what they may still justify), a cohort's to review."""

from dataclasses import dataclass
from datetime import date, time, timedelta

import sqlalchemy as sa

from ..dates import add_months
from ..extensions import db
from ..models import (
    AbsenceReason,
    AttendanceRecord,
    AttendanceSession,
    Enrolment,
    HalfDay,
    Justification,
    Learner,
    Presence,
    SessionKind,
    SessionState,
    StoredFile,
)

# The half-days that count (hours.py): held, in the centre. A cancelled half-day's records are not absences.
_HELD = sa.and_(AttendanceSession.state != SessionState.CANCELLED, AttendanceSession.kind == SessionKind.CENTRE)


@dataclass(frozen=True)
class OwnAbsence:
    """One of a learner's absences, late arrivals or early departures, as /me/attendance lists it."""

    record_id: int
    version: int  # the record's, carried by the justification form
    day: date
    half_day: HalfDay
    starts_at: time
    ends_at: time
    presence: Presence
    minutes: int  # late or left early by so many minutes
    reason: AbsenceReason | None
    justification: Justification
    has_proof: bool

    @property
    def claimable(self) -> bool:
        """Whether the learner may still give a reason or a proof: an absence not yet accepted."""
        return self.presence == Presence.ABSENT and self.justification != Justification.ACCEPTED


def own_absences(learner_id: int) -> list[OwnAbsence]:
    """The learner's absences, late arrivals and early departures, newest first (held half-days only): one query."""
    rows = db.session.execute(
        sa.select(
            AttendanceRecord.id,
            AttendanceRecord.version,
            AttendanceSession.day,
            AttendanceSession.half_day,
            AttendanceSession.starts_at,
            AttendanceSession.ends_at,
            AttendanceRecord.presence,
            AttendanceRecord.minutes,
            AttendanceRecord.reason,
            AttendanceRecord.justification,
            AttendanceRecord.proof_id.is_not(None).label("has_proof"),
        )
        .join(AttendanceSession, AttendanceSession.id == AttendanceRecord.session_id)
        .join(Enrolment, Enrolment.id == AttendanceRecord.enrolment_id)
        .where(Enrolment.learner_id == learner_id, AttendanceRecord.presence != Presence.PRESENT, _HELD)
        .order_by(AttendanceSession.day.desc(), AttendanceSession.half_day.desc())
    )
    return [
        OwnAbsence(
            record_id=row.id,
            version=row.version,
            day=row.day,
            half_day=row.half_day,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            presence=row.presence,
            minutes=row.minutes,
            reason=row.reason,
            justification=row.justification,
            has_proof=bool(row.has_proof),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class CohortAbsence:
    """One absent half-day of a learner of the cohort, with its justification and proof (type and size only)."""

    record_id: int
    version: int
    learner_id: int
    last_name: str
    first_name: str
    day: date
    half_day: HalfDay
    reason: AbsenceReason | None
    justification: Justification
    proof_type: str | None
    proof_size: int | None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class CohortAbsences:
    pending: list[CohortAbsence]  # to review, whatever the month, oldest first
    others: list[CohortAbsence]  # the month's other absences, newest first
    month: date  # its first day


def default_month(start: date, end: date, today: date) -> date:
    """The month a cohort's absences open on: today's, within the cohort's months."""
    return max(start, min(end, today)).replace(day=1)


def cohort_absences(cohort_id: int, month: date) -> CohortAbsences:
    """The cohort's absences: those to review (pending, whatever their month), then the others of `month` (its
    first day): one query."""
    pending = AttendanceRecord.justification == Justification.PENDING
    in_month = AttendanceSession.day.between(month, add_months(month, 1) - timedelta(days=1))
    rows = db.session.execute(
        sa.select(
            AttendanceRecord.id,
            AttendanceRecord.version,
            Learner.id.label("learner_id"),
            Learner.last_name,
            Learner.first_name,
            AttendanceSession.day,
            AttendanceSession.half_day,
            AttendanceRecord.reason,
            AttendanceRecord.justification,
            StoredFile.content_type.label("proof_type"),
            StoredFile.size.label("proof_size"),
        )
        .join(AttendanceSession, AttendanceSession.id == AttendanceRecord.session_id)
        .join(Enrolment, Enrolment.id == AttendanceRecord.enrolment_id)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .outerjoin(StoredFile, StoredFile.id == AttendanceRecord.proof_id)
        .where(
            AttendanceSession.cohort_id == cohort_id,
            AttendanceRecord.presence == Presence.ABSENT,
            _HELD,
            sa.or_(pending, in_month),
        )
        .order_by(AttendanceSession.day, AttendanceSession.half_day, Learner.last_name, Learner.first_name)
    )
    absences = [CohortAbsence(*row) for row in rows]
    return CohortAbsences(
        pending=[row for row in absences if row.justification == Justification.PENDING],
        others=sorted(
            (row for row in absences if row.justification != Justification.PENDING),
            key=lambda row: (-row.day.toordinal(), row.half_day != HalfDay.PM, row.last_name, row.first_name),
        ),
        month=month,
    )
