"""Attendance (issue 15): the half-day calendar of each cohort, the roll call and signatures, absences and their
proofs, closures and weekly patterns. Files people upload live in the database (StoredFile).

The hours: a learner's planned hours are those of the half-days whose roll call holds a record for them (a
half-day not yet taken counts nowhere); an absent half-day counts its planned minutes as justified (justification
accepted) or unjustified absence; late arrivals and early departures count their minutes; present = the rest.
Cancelled half-days and company placement days are never roll-called in the centre, so never counted.
"""

import enum
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db
from .base import str_enum, utcnow

if TYPE_CHECKING:
    from .cohorts import Cohort, Enrolment
    from .people import User


class HalfDay(enum.StrEnum):
    AM = "am"
    PM = "pm"


class SessionKind(enum.StrEnum):
    CENTRE = "centre"  # in the centre: a roll call
    PLACEMENT = "placement"  # in a company: no roll call in the centre


class SessionState(enum.StrEnum):
    OPEN = "open"  # planned; the roll call may be taken and learners may sign while it runs
    CLOSED = "closed"  # validated by the trainer: no more signatures; corrections stay possible, audited
    CANCELLED = "cancelled"  # not held: counted nowhere


class Presence(enum.StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    LATE = "late"
    LEFT_EARLY = "left_early"


class AbsenceReason(enum.StrEnum):
    SICKNESS = "sickness"
    APPOINTMENT = "appointment"  # France Travail, Mission locale, Cap emploi
    JOB_SEARCH = "job_search"  # interview, job search
    FAMILY = "family"
    TRANSPORT = "transport"
    OTHER = "other"


class Justification(enum.StrEnum):
    UNJUSTIFIED = "unjustified"  # nothing given, or marked so
    PENDING = "pending"  # a reason or proof given, not yet decided: counted as unjustified until accepted
    ACCEPTED = "accepted"  # justified: counted as justified absence
    REFUSED = "refused"  # the justification was refused: unjustified


class SignatureSource(enum.StrEnum):
    CODE = "code"  # the learner signed with the half-day's code
    TRAINER = "trainer"  # recorded by the trainer's roll call
    IMPORT = "import"  # flask attendance import


class StoredFile(db.Model):
    """A file someone uploaded (a proof of absence, later agreements and hand-ins), kept in the database so that
    backups and several app servers keep working. The bytes are loaded only when asked for (deferred)."""

    __tablename__ = "stored_files"
    __table_args__ = (sa.CheckConstraint("size >= 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by: Mapped["User | None"] = relationship()


class WeeklySlot(db.Model):
    """A cohort's weekly pattern, one row per weekday and half-day held; a cohort without rows follows
    calendar.DEFAULT_PATTERN (Monday to Friday, 9:00–12:30 and 13:30–17:00)."""

    __tablename__ = "weekly_slots"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "weekday", "half_day"),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("ends_at > starts_at", name="times_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # 0 Monday … 6 Sunday
    half_day: Mapped[HalfDay] = mapped_column(str_enum(HalfDay, "half_day"))
    starts_at: Mapped[time]
    ends_at: Mapped[time]


class Closure(db.Model):
    """A period the centre is closed (holidays of the school, works...), entered by a manager: for one cohort, or
    for every cohort when cohort_id is NULL. No half-day is generated inside it."""

    __tablename__ = "closures"
    __table_args__ = (sa.CheckConstraint("last_day >= first_day", name="days_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    label: Mapped[str] = mapped_column(sa.String(120))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped["Cohort | None"] = relationship()


class AttendanceSession(db.Model):
    """A half-day of a cohort: when, how long, where (centre or company), and its roll call's state. `code` is the
    short code learners type to sign while it runs (shown to the trainer only); `version` guards the roll call."""

    __tablename__ = "attendance_sessions"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "day", "half_day"),
        sa.CheckConstraint("ends_at > starts_at", name="times_in_order"),
        sa.CheckConstraint("planned_minutes > 0 AND planned_minutes <= 720", name="planned_minutes_range"),
        sa.CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name="closed_at_iff_closed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    day: Mapped[date]
    half_day: Mapped[HalfDay] = mapped_column(str_enum(HalfDay, "half_day"))
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    planned_minutes: Mapped[int]  # ends_at − starts_at, kept for the sums in SQL
    kind: Mapped[SessionKind] = mapped_column(
        str_enum(SessionKind, "session_kind"), default=SessionKind.CENTRE, server_default=SessionKind.CENTRE.value
    )
    state: Mapped[SessionState] = mapped_column(
        str_enum(SessionState, "session_state"), default=SessionState.OPEN, server_default=SessionState.OPEN.value
    )
    code: Mapped[str] = mapped_column(sa.String(12))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    cohort: Mapped["Cohort"] = relationship()
    closed_by: Mapped["User | None"] = relationship()
    records: Mapped[list["AttendanceRecord"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}


sa.Index("ix_attendance_sessions_cohort_id_day", AttendanceSession.cohort_id, AttendanceSession.day)
sa.Index("ix_attendance_sessions_day", AttendanceSession.day)  # the dashboard's period, across cohorts


class AttendanceRecord(db.Model):
    """One learner at one half-day: present, absent, late or left early (minutes), the absence's reason and
    justification, the proof, and the signature (when, by whom, how). No record: the roll call is not yet taken."""

    __tablename__ = "attendance_records"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "enrolment_id"),
        sa.CheckConstraint("minutes >= 0 AND minutes <= 720", name="minutes_range"),
        sa.CheckConstraint("(presence IN ('late', 'left_early')) OR minutes = 0", name="minutes_only_late_or_early"),
        sa.CheckConstraint("presence = 'absent' OR reason IS NULL", name="reason_only_absent"),
        sa.CheckConstraint("presence = 'absent' OR justification = 'unjustified'", name="justified_only_absent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("attendance_sessions.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    presence: Mapped[Presence] = mapped_column(str_enum(Presence, "presence"))
    minutes: Mapped[int] = mapped_column(default=0, server_default="0")  # late or left early by so many minutes
    reason: Mapped[AbsenceReason | None] = mapped_column(str_enum(AbsenceReason, "absence_reason"))
    justification: Mapped[Justification] = mapped_column(
        str_enum(Justification, "justification"),
        default=Justification.UNJUSTIFIED,
        server_default=Justification.UNJUSTIFIED.value,
    )
    proof_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id", ondelete="SET NULL"))
    # The learner's own signature (source CODE), or who recorded the presence (TRAINER, IMPORT), and when.
    source: Mapped[SignatureSource] = mapped_column(str_enum(SignatureSource, "signature_source"))
    signed_at: Mapped[datetime | None]  # when the learner signed with the code
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    session: Mapped[AttendanceSession] = relationship(back_populates="records")
    enrolment: Mapped["Enrolment"] = relationship()
    proof: Mapped[StoredFile | None] = relationship()
    recorded_by: Mapped["User | None"] = relationship()

    __mapper_args__ = {"version_id_col": version}


# The records holding a proof, few among millions: the purge finds them without reading the others.
sa.Index(
    "ix_attendance_records_proof_id",
    AttendanceRecord.proof_id,
    sqlite_where=AttendanceRecord.proof_id.is_not(None),
    postgresql_where=AttendanceRecord.proof_id.is_not(None),
)


class SigningAttempt(db.Model):
    """A wrong code typed by a learner for a half-day: after a few, that half-day refuses their signing (so that
    a six-digit code cannot be guessed)."""

    __tablename__ = "signing_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("attendance_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)


sa.Index("ix_signing_attempts_session_id_user_id", SigningAttempt.session_id, SigningAttempt.user_id)
