"""Satisfaction questionnaires (Qualiopi indicator 2): a programme's statements, each cohort's two campaigns
(« à chaud », « à froid »), who was invited, and the answers, kept without the learner's identity."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import str_enum, utcnow
from .people import AgeBand, Gender

if TYPE_CHECKING:
    from .cohorts import Cohort, Enrolment
    from .programmes import Programme

SCALE = (1, 2, 3, 4, 5)  # « pas du tout d'accord » … « tout à fait d'accord »
SATISFIED_SCORES = (4, 5)  # who answers this to the overall statement is satisfied
OVERALL = "overall"  # the key of the statement the satisfaction rate reads; every questionnaire has it


class SurveyKind(enum.StrEnum):
    HOT = "hot"  # « à chaud »: the last week of training
    COLD = "cold"  # « à froid »: six months after the end


class SurveyStatement(db.Model):
    """A statement of a programme's questionnaire, to be rated 1-5; `key` is stable (overall, trainers, useful,
    recommend, or one a manager added), the text is the manager's."""

    __tablename__ = "survey_statements"
    __table_args__ = (sa.UniqueConstraint("programme_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"))
    kind: Mapped[SurveyKind] = mapped_column(str_enum(SurveyKind, "survey_kind"))
    key: Mapped[str] = mapped_column(sa.String(40))
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.String(300))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    programme: Mapped["Programme"] = relationship()

    __mapper_args__ = {"version_id_col": version}


class SurveyCampaign(db.Model):
    """A cohort's questionnaire of one kind, as it was sent: the statements are copied at the opening (a later edit
    of the programme's does not change what was asked)."""

    __tablename__ = "survey_campaigns"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    kind: Mapped[SurveyKind] = mapped_column(str_enum(SurveyKind, "survey_kind"))
    statements: Mapped[list] = mapped_column(sa.JSON)  # [{"key": "overall", "text": "..."}, ...] in order
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closes_on: Mapped[date]  # answers are taken until this day (France's date) included
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    cohort: Mapped["Cohort"] = relationship()
    invitations: Mapped[list["SurveyInvitation"]] = relationship(back_populates="campaign", passive_deletes=True)


class SurveyInvitation(db.Model):
    """Who was asked (the response rate's denominator) and whether they answered, never what: the answer is a
    SurveyResponse with no link back. Links: one-time tokens, purpose « survey », subject this row's id."""

    __tablename__ = "survey_invitations"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_campaigns.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"))
    recipient: Mapped[str | None] = mapped_column(sa.String(254))  # None: no address to write to (not sent)
    messages: Mapped[int] = mapped_column(default=0, server_default="0")  # sent so far: 1, 2 or 3
    first_sent_at: Mapped[datetime | None]
    last_sent_at: Mapped[datetime | None]
    last_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    answered: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # no time: it would link
    unsubscribed_at: Mapped[datetime | None]

    campaign: Mapped[SurveyCampaign] = relationship(back_populates="invitations")
    enrolment: Mapped["Enrolment"] = relationship()


class SurveyResponse(db.Model):
    """One anonymous answer: the campaign, the coarse profile the breakdowns need, the scores, a free text. No
    learner, no enrolment, no time of answer."""

    __tablename__ = "survey_responses"
    __table_args__ = (sa.CheckConstraint("overall BETWEEN 1 AND 5", name="overall_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_campaigns.id", ondelete="CASCADE"), index=True)
    gender: Mapped[Gender] = mapped_column(str_enum(Gender, "gender"))
    age_band: Mapped[AgeBand | None] = mapped_column(str_enum(AgeBand, "age_band"))
    # The public flags (PublicFlag), as the learner's were when they answered: the `public` breakdown reads them.
    jobseeker: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    qpv: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    zrr: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    rqth: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    rsa: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    career_change: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    overall: Mapped[int]  # the overall statement's score, 1-5 (the satisfaction rate reads it)
    comment: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    scores: Mapped[list["SurveyScore"]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class SurveyScore(db.Model):
    """A response's score for one statement of its campaign (the overall one included)."""

    __tablename__ = "survey_scores"
    __table_args__ = (sa.CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    score: Mapped[int]
