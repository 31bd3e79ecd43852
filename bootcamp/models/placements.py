"""Company placements (« période en entreprise »): the agreement, the company and its tutor, and the tutor's two
forms (mid-placement and end), answered through an emailed one-time link since tutors have no account."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from .base import compare_key, str_enum, utcnow

if TYPE_CHECKING:
    from .attendance import StoredFile
    from .cohorts import Enrolment
    from .people import User

COMPANY_KEY_LENGTH = 200
WORKDAYS_PER_WEEK = 5  # a placement's days are Monday to Friday, public holidays excepted: weekly hours / 5 a day


class Placement(db.Model):
    """A learner's placement in a company, for one enrolment: what the signed agreement says, and the agreement
    itself (a PDF kept in the database). `version` guards the form."""

    __tablename__ = "placements"
    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="dates_in_order"),
        sa.CheckConstraint("weekly_minutes BETWEEN 60 AND 2880", name="weekly_minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    company_name: Mapped[str] = mapped_column(sa.String(COMPANY_KEY_LENGTH))
    # The name as people compare it (compare_key): an exit job « chez Lozère Numérique » matches « LOZERE NUMERIQUE ».
    company_key: Mapped[str] = mapped_column(sa.String(COMPANY_KEY_LENGTH), index=True)
    siret: Mapped[str] = mapped_column(sa.String(14), default="", server_default="")
    city: Mapped[str] = mapped_column(sa.String(100))
    tutor_name: Mapped[str] = mapped_column(sa.String(120))
    tutor_role: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    tutor_email: Mapped[str] = mapped_column(sa.String(254))
    tutor_phone: Mapped[str] = mapped_column(sa.String(30), default="", server_default="")
    start_date: Mapped[date]
    end_date: Mapped[date]
    weekly_minutes: Mapped[int]  # the agreement's weekly hours, in minutes (35 h: 2100)
    activities: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    agreement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id", ondelete="SET NULL"))
    # A manager's word that the host company hired the learner at exit (when the exit job's employer is written
    # otherwise than the company's name).
    hired_by_host: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    enrolment: Mapped["Enrolment"] = relationship()
    agreement: Mapped["StoredFile | None"] = relationship()
    created_by: Mapped["User | None"] = relationship()
    reviews: Mapped[list["TutorReview"]] = relationship(
        back_populates="placement", order_by="TutorReview.stage.desc()", cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __mapper_args__ = {"version_id_col": version}

    @validates("company_name")
    def _normalise_company(self, _attribute: str, value: str) -> str:
        name = " ".join(value.split())
        self.company_key = compare_key(name)[:COMPANY_KEY_LENGTH]
        return name

    def __str__(self) -> str:
        return self.company_name


class ReviewStage(enum.StrEnum):
    MID = "mid"  # at mid-placement: the days from the start to the middle
    END = "end"  # at the end: the days after the middle


class TutorReview(db.Model):
    """A tutor's form for one stage of a placement: the days it covers, the links sent (one-time tokens, purpose
    « tutor_review », subject this row's id, 30 days each; the first message and at most two reminders), and the
    answer: days present, an overall appreciation (the levels are competency assessments with the placement as
    evidence). `version` guards the answer against a second submission."""

    __tablename__ = "tutor_reviews"
    __table_args__ = (
        sa.UniqueConstraint("placement_id", "stage"),
        sa.CheckConstraint("period_end >= period_start", name="period_in_order"),
        sa.CheckConstraint("days_present IS NULL OR days_present BETWEEN 0 AND planned_days", name="days_range"),
        sa.CheckConstraint("(answered_at IS NULL) = (days_present IS NULL)", name="answered_iff_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id", ondelete="CASCADE"), index=True)
    stage: Mapped[ReviewStage] = mapped_column(str_enum(ReviewStage, "review_stage"))
    due_on: Mapped[date]  # when the first message goes: the middle day, or the last day
    period_start: Mapped[date]
    period_end: Mapped[date]
    planned_days: Mapped[int]  # the placement's days in the period (Monday to Friday, public holidays excepted)
    recipient: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")  # where the last went
    messages: Mapped[int] = mapped_column(default=0, server_default="0")  # sent so far: 0 to 3
    first_sent_at: Mapped[datetime | None]
    last_sent_at: Mapped[datetime | None]
    last_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    days_present: Mapped[int | None]
    appreciation: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    answered_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    placement: Mapped[Placement] = relationship(back_populates="reviews")

    __mapper_args__ = {"version_id_col": version}


sa.Index("ix_tutor_reviews_due_on", TutorReview.due_on, TutorReview.answered_at)
