"""Reading a half-day's roll call, and the half-days a learner may sign now."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..learners.names import by_name
from ..models import (
    AttendanceRecord,
    AttendanceSession,
    Enrolment,
    Learner,
    SessionKind,
    SessionState,
)
from ..placements.days import on_placement

# Learners may sign from 15 minutes before a half-day starts until it ends (on its day).
SIGNING_OPENS_BEFORE = timedelta(minutes=15)


@dataclass(frozen=True)
class Row:
    """One learner of the roll call, with their record of the half-day (None: not yet taken)."""

    enrolment: Enrolment
    learner: Learner
    record: AttendanceRecord | None


@dataclass(frozen=True)
class RollCall:
    session: AttendanceSession
    rows: list[Row]  # by name (learners.names.by_name)
    away: list[Row] = field(default_factory=list)  # on a placement that day: « en entreprise », no input, no record

    @property
    def taken(self) -> bool:
        """Whether the roll call holds a record for everyone listed."""
        return bool(self.rows) and all(row.record is not None for row in self.rows)


def signing_window(session: AttendanceSession) -> tuple[datetime, datetime]:
    """When learners may sign: from 15 minutes before the start (never before midnight of its day) to the end."""
    starts, midnight = datetime.combine(session.day, session.starts_at), datetime.combine(session.day, time())
    return max(starts - SIGNING_OPENS_BEFORE, midnight), datetime.combine(session.day, session.ends_at)


def is_running(session: AttendanceSession, now: datetime) -> bool:
    """Whether the half-day is open for signatures now: planned (not closed nor cancelled), in the centre, and
    `now` within its signing window. Its code is shown to the trainer only then."""
    opens, ends = signing_window(session)
    return session.state == SessionState.OPEN and session.kind == SessionKind.CENTRE and opens <= now <= ends


def roll_call_of(session: AttendanceSession) -> RollCall:
    """The learners in training in the cohort on the half-day's day (enrolled, not left before that day), and anyone
    who already has a record for it, each with their record; those on a placement that day apart (`away`: their
    record, if one was made before the placement was entered, is neither shown nor counted). One query."""
    found = db.session.execute(
        sa.select(Enrolment, Learner, AttendanceRecord, on_placement(Enrolment.id, session.day).label("away"))
        .join(Learner, Learner.id == Enrolment.learner_id)
        .outerjoin(
            AttendanceRecord,
            sa.and_(AttendanceRecord.enrolment_id == Enrolment.id, AttendanceRecord.session_id == session.id),
        )
        .where(
            Enrolment.cohort_id == session.cohort_id,
            sa.or_(in_training_on(session.day), AttendanceRecord.id.is_not(None)),
        )
    ).all()
    rows = sorted(found, key=lambda row: by_name(row.Learner))
    return RollCall(
        session,
        [Row(row.Enrolment, row.Learner, row.AttendanceRecord) for row in rows if not row.away],
        [Row(row.Enrolment, row.Learner, None) for row in rows if row.away],
    )


def in_training_on(day: date) -> sa.ColumnElement[bool]:
    """An enrolment still in training on `day`: in training now, or left on that day or later."""
    return sa.or_(sa.not_(Enrolment.is_leaver), Enrolment.exit_date >= day)


def sessions_today(learner_id: int, today: date) -> list[tuple[AttendanceSession, Enrolment]]:
    """The half-days of `today` in the centre, not cancelled, of the cohorts where the learner is in training, with
    their enrolment, earliest first. One query."""
    return [
        (session, enrolment)
        for session, enrolment in db.session.execute(
            sa.select(AttendanceSession, Enrolment)
            .join(Enrolment, Enrolment.cohort_id == AttendanceSession.cohort_id)
            .where(
                Enrolment.learner_id == learner_id,
                sa.not_(Enrolment.is_leaver),
                AttendanceSession.day == today,
                AttendanceSession.kind == SessionKind.CENTRE,
                AttendanceSession.state != SessionState.CANCELLED,
            )
            .order_by(AttendanceSession.starts_at, AttendanceSession.id)
        ).all()
    ]


def placed_on(learner_id: int, day: date) -> bool:
    """Whether the learner, in training, is on one of their placements on `day` (« en entreprise »). One query."""
    return (
        db.session.scalar(
            sa.select(Enrolment.id)
            .where(Enrolment.learner_id == learner_id, sa.not_(Enrolment.is_leaver), on_placement(Enrolment.id, day))
            .limit(1)
        )
        is not None
    )


def record_of(session_id: int, enrolment_id: int) -> AttendanceRecord | None:
    """The learner's record of the half-day, as it is now (read again even if loaded before)."""
    return db.session.scalar(
        sa.select(AttendanceRecord)
        .where(AttendanceRecord.session_id == session_id, AttendanceRecord.enrolment_id == enrolment_id)
        .execution_options(populate_existing=True)
    )
