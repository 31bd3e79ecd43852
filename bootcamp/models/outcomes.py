"""Leavers' situations at each follow-up point, and which situations count as a job."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import str_enum, utcnow

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
    job_title: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    digital: Mapped[bool | None]
    start_date: Mapped[date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    enrolment: Mapped["Enrolment"] = relationship(back_populates="outcomes")
    recorded_by: Mapped["User | None"] = relationship()

    __mapper_args__ = {"version_id_col": version}
