"""Leavers' situations at each follow-up point, and which situations count as a job."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from .base import compare_key, str_enum, utcnow

if TYPE_CHECKING:
    from .cohorts import Enrolment
    from .people import User


class Situation(enum.StrEnum):
    CDI = "cdi"
    CDD_LONG = "cdd_long"
    BUSINESS = "business"
    CDD_SHORT = "cdd_short"
    WORK_STUDY = "work_study"
    TRAINING = "training"
    JOB_SEARCH = "job_search"
    INACTIVE = "inactive"
    UNKNOWN = "unknown"


EMPLOYMENT_SITUATIONS = frozenset(
    {Situation.CDI, Situation.CDD_LONG, Situation.BUSINESS, Situation.CDD_SHORT, Situation.WORK_STUDY}
)
DURABLE_SITUATIONS = frozenset({Situation.CDI, Situation.CDD_LONG, Situation.BUSINESS})
FOLLOW_UP_POINTS = (0, 3, 6, 12)


class OutcomeSource(enum.StrEnum):
    """Who said what a situation is: the staff (the form, an import) or the learner, through their link."""

    STAFF = "staff"
    LEARNER = "learner"  # « déclaré par l'apprenant·e »: a manager confirms (confirmed_at) or corrects it


class Outcome(db.Model):
    """A leaver's situation at a follow-up point: exit (0), +3, +6 or +12 months."""

    __tablename__ = "outcomes"
    __table_args__ = (
        sa.UniqueConstraint("enrolment_id", "point"),
        sa.CheckConstraint("point IN (0, 3, 6, 12)", name="point_values"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The exit being followed up; the learner is the enrolment's.
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"))
    point: Mapped[int]
    situation: Mapped[Situation] = mapped_column(str_enum(Situation, "situation"))
    employer: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # The employer as names compare (compare_key): whether a leaver works for their placement's company, in SQL.
    employer_key: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    job_title: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    digital: Mapped[bool | None]
    start_date: Mapped[date | None]
    city: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")  # where the job or training is
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[OutcomeSource] = mapped_column(
        str_enum(OutcomeSource, "outcome_source"), default=OutcomeSource.STAFF, server_default=OutcomeSource.STAFF.value
    )
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None]  # a learner's declaration, checked by a manager: no longer theirs to change
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    enrolment: Mapped["Enrolment"] = relationship(back_populates="outcomes")
    recorded_by: Mapped["User | None"] = relationship(foreign_keys=[recorded_by_id])
    confirmed_by: Mapped["User | None"] = relationship(foreign_keys=[confirmed_by_id])

    __mapper_args__ = {"version_id_col": version}

    @validates("employer")
    def _keep_employer_key(self, _attribute: str, value: str | None) -> str | None:
        self.employer_key = compare_key(value or "")[:200]
        return value


class FollowUpRequest(db.Model):
    """A follow-up point asked of the learner by email: their links (one-time tokens, purpose « follow_up », subject
    this row's id, 30 days each), the messages sent (the first and at most two reminders), and how it ended."""

    __tablename__ = "follow_up_requests"
    __table_args__ = (
        sa.UniqueConstraint("enrolment_id", "point"),
        sa.CheckConstraint("point IN (0, 3, 6, 12)", name="point_values"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"))
    point: Mapped[int]
    recipient: Mapped[str] = mapped_column(sa.String(254))  # where the last message went
    messages: Mapped[int] = mapped_column(default=0, server_default="0")  # sent so far: 1, 2 or 3
    first_sent_at: Mapped[datetime | None]
    last_sent_at: Mapped[datetime | None]
    last_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    # « bounced »: the last message's outbox row is FAILED (refused for good, or given up): read there, not copied.

    enrolment: Mapped["Enrolment"] = relationship()
