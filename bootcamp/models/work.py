"""The work of a cohort: projects (briefs) and their targets, grades, and competency assessments."""

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import str_enum, utcnow

if TYPE_CHECKING:
    from .cohorts import Cohort
    from .people import Learner, User
    from .placements import Placement
    from .programmes import Competency


class SubmissionStatus(enum.StrEnum):
    """Where a learner stands on a brief, derived (handins/status.py) from their hand-ins, the due date and the
    trainer's exemption; never stored."""

    SUBMITTED = "submitted"  # a version handed in on or before the due date
    LATE = "late"  # handed in, every version after the due date
    MISSING = "missing"  # nothing handed in, the due date passed
    PENDING = "pending"  # nothing handed in yet, the due date not passed (« à rendre »)
    EXEMPTED = "exempted"  # « dispensé·e » by the trainer, with a reason


class AssessmentSource(enum.StrEnum):
    """Who assessed a level: a trainer (the grid, a grading form), or a company tutor through their form. A tutor's
    level is evidence shown beside the trainers'; it counts as the current level only once a trainer confirms it
    (a new assessment of the trainer's)."""

    TRAINER = "trainer"
    TUTOR = "tutor"


class Project(db.Model):
    """A brief given to a cohort, targeting some competencies."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    context: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    deliverables: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    due_date: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    cohort: Mapped["Cohort"] = relationship(back_populates="projects")
    created_by: Mapped["User | None"] = relationship()
    targets: Mapped[list["ProjectCompetency"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )
    grades: Mapped[list["Grade"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.title


class ProjectCompetency(db.Model):
    """A competency a project targets, and the level it aims at."""

    __tablename__ = "project_competencies"
    __table_args__ = (sa.CheckConstraint("target_level BETWEEN 1 AND 3", name="target_level_range"),)

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(sa.ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True)
    target_level: Mapped[int]

    project: Mapped[Project] = relationship(back_populates="targets")
    competency: Mapped["Competency"] = relationship()


class Grade(db.Model):
    """A learner's result on a project; `version` guards against lost updates."""

    __tablename__ = "grades"
    __table_args__ = (
        sa.UniqueConstraint("learner_id", "project_id"),
        sa.CheckConstraint("score_hundredths BETWEEN 0 AND 2000", name="score_range"),
        sa.CheckConstraint("NOT exempted OR score_hundredths IS NULL", name="exempted_not_scored"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    # The score out of 20 in hundredths (15.25 -> 1525): exact on every database.
    score_hundredths: Mapped[int | None]
    # « dispensé·e »: the trainer excused the learner from this brief, saying why (no score then).
    exempted: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    exemption_reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    feedback: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    graded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    learner: Mapped["Learner"] = relationship()
    project: Mapped[Project] = relationship(back_populates="grades")
    graded_by: Mapped["User | None"] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def score(self) -> Decimal | None:
        """The score out of 20, with two decimals."""
        if self.score_hundredths is None:
            return None
        return Decimal(self.score_hundredths) / 100

    @score.setter
    def score(self, value: Decimal | float | None) -> None:
        self.score_hundredths = None if value is None else int(round(Decimal(str(value)) * 100))


class CompetencyAssessment(db.Model):
    """One assessment of a learner on a competency; the latest one is the current level."""

    __tablename__ = "competency_assessments"
    __table_args__ = (
        sa.CheckConstraint("level BETWEEN 0 AND 3", name="level_range"),
        sa.Index("ix_competency_assessments_current", "learner_id", "competency_id", "assessed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(sa.ForeignKey("competencies.id", ondelete="CASCADE"), index=True)
    level: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    assessed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[AssessmentSource] = mapped_column(
        str_enum(AssessmentSource, "assessment_source"),
        default=AssessmentSource.TRAINER,
        server_default=AssessmentSource.TRAINER.value,
    )
    # The evidence of a tutor's level (and of a trainer's level confirming it), and the tutor's name as they gave it.
    placement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("placements.id", ondelete="SET NULL"), index=True)
    assessor_name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")

    learner: Mapped["Learner"] = relationship()
    competency: Mapped["Competency"] = relationship()
    project: Mapped[Project | None] = relationship()
    assessed_by: Mapped["User | None"] = relationship()
    placement: Mapped["Placement | None"] = relationship()

    @hybrid_property
    def counts(self) -> bool:
        """Whether this assessment may be a current level: a trainer's, not a tutor's (one spelling, Python and SQL:
        `.where(CompetencyAssessment.counts)`)."""
        return self.source == AssessmentSource.TRAINER


class HandIn(db.Model):
    """A version of a learner's work on a brief: links and a comment, and when. Handing in again adds a version;
    none is ever changed. `handed_in_on` is the day in France, so that lateness compares dates in SQL."""

    __tablename__ = "hand_ins"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "learner_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1, 2, 3...: the version
    repository_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    deployed_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    comment: Mapped[str] = mapped_column(sa.String(1000), default="", server_default="")
    handed_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    handed_in_on: Mapped[date]
    # Who typed it for the learner: None when the learner handed it in (migration 0010 made versions from the
    # statuses trainers typed before, recorded by the grade's author).
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    project: Mapped[Project] = relationship()
    learner: Mapped["Learner"] = relationship()
    recorded_by: Mapped["User | None"] = relationship()
