"""The titre professionnel (issue 16): in-training evaluations (ECF, the « livret d'évaluation »), the Dossier
Professionnel (DP), exam sessions, their candidates and per-block results.

An enrolment's certification is derived from its per-block results (bootcamp/certification/results.py, the one
definition, in SQL); `Enrolment.certification` keeps the value derived from every result recorded, refreshed by
certification.results.refresh whenever a result changes.
"""

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
    from .programmes import Block, Competency, Programme


class ExamKind(enum.StrEnum):
    TITLE = "title"  # the whole title: every block of the programme
    BLOCKS = "blocks"  # some blocks only (resits)


class BlockResult(enum.StrEnum):
    ACQUIRED = "acquired"
    NOT_ACQUIRED = "not_acquired"
    ABSENT = "absent"


class EcfKind(enum.StrEnum):
    EVALUATION = "evaluation"
    REASSESSMENT = "reassessment"


class DpContext(enum.StrEnum):
    CENTRE = "centre"
    COMPANY = "company"


class DpStatus(enum.StrEnum):
    TO_WRITE = "to_write"
    DRAFT = "draft"
    REVIEWED = "reviewed"
    FINAL = "final"


ONE_YEAR_MONTHS = 12  # a partial candidate passes the missing blocks at sessions within a year of their first
DP_EXAMPLES_PER_BLOCK = 3

exam_session_blocks = sa.Table(
    "exam_session_blocks",
    db.metadata,
    sa.Column("session_id", sa.ForeignKey("exam_sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("block_id", sa.ForeignKey("blocks.id", ondelete="CASCADE"), primary_key=True),
)


class ExamSession(db.Model):
    """A session of the titre professionnel: the whole title or some blocks, its dates, place and jury."""

    __tablename__ = "exam_sessions"
    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="dates_in_order"),
        sa.Index("ix_exam_sessions_programme_id_start_date", "programme_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="RESTRICT"))
    kind: Mapped[ExamKind] = mapped_column(str_enum(ExamKind, "exam_kind"))
    start_date: Mapped[date]
    end_date: Mapped[date]
    place: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    jury: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # the jury's names, free text
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    programme: Mapped["Programme"] = relationship()
    # The blocks a `blocks` session examines; a `title` session examines every block of the programme.
    blocks: Mapped[list["Block"]] = relationship(secondary=exam_session_blocks, order_by="Block.position")
    candidates: Mapped[list["ExamCandidate"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}


class ExamCandidate(db.Model):
    """An enrolment registered at a session; the blocks it sits are its result rows (pending until recorded)."""

    __tablename__ = "exam_candidates"
    __table_args__ = (sa.UniqueConstraint("session_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_sessions.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[ExamSession] = relationship(back_populates="candidates")
    enrolment: Mapped["Enrolment"] = relationship()
    results: Mapped[list["ExamResult"]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan", passive_deletes=True
    )


class ExamResult(db.Model):
    """A candidate's result for one block at one session: acquired, not acquired, absent, or none yet (pending)."""

    __tablename__ = "exam_results"
    __table_args__ = (sa.UniqueConstraint("candidate_id", "block_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_candidates.id", ondelete="CASCADE"))
    block_id: Mapped[int] = mapped_column(sa.ForeignKey("blocks.id", ondelete="RESTRICT"), index=True)
    result: Mapped[BlockResult | None] = mapped_column(str_enum(BlockResult, "block_result"))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    candidate: Mapped[ExamCandidate] = relationship(back_populates="results")
    block: Mapped["Block"] = relationship()
    recorded_by: Mapped["User | None"] = relationship()

    __mapper_args__ = {"version_id_col": version}


class EcfSituation(db.Model):
    """An evaluation situation of the livret: one block of one enrolment, its competencies, result and assessors."""

    __tablename__ = "ecf_situations"
    __table_args__ = (sa.Index("ix_ecf_situations_enrolment_id_block_id", "enrolment_id", "block_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"))
    block_id: Mapped[int] = mapped_column(sa.ForeignKey("blocks.id", ondelete="RESTRICT"))
    kind: Mapped[EcfKind] = mapped_column(
        str_enum(EcfKind, "ecf_kind"), default=EcfKind.EVALUATION, server_default=EcfKind.EVALUATION.value
    )
    held_on: Mapped[date]
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    satisfactory: Mapped[bool | None]  # None: not decided yet
    points_to_watch: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    first_assessor: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    second_assessor: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    enrolment: Mapped["Enrolment"] = relationship()
    block: Mapped["Block"] = relationship()
    competencies: Mapped[list["EcfCompetency"]] = relationship(
        back_populates="situation", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}


class EcfCompetency(db.Model):
    """A competency assessed in a situation, and whether it is to be reassessed."""

    __tablename__ = "ecf_competencies"

    situation_id: Mapped[int] = mapped_column(sa.ForeignKey("ecf_situations.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    to_reassess: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    situation: Mapped[EcfSituation] = relationship(back_populates="competencies")
    competency: Mapped["Competency"] = relationship()


class EcfBlock(db.Model):
    """A block's summary in the livret: mastered or not, observations, assessors, the organisation's legal
    representative and the day the livret was handed to the learner."""

    __tablename__ = "ecf_blocks"
    __table_args__ = (sa.UniqueConstraint("enrolment_id", "block_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"))
    block_id: Mapped[int] = mapped_column(sa.ForeignKey("blocks.id", ondelete="RESTRICT"))
    mastered: Mapped[bool | None]  # None: not decided yet
    observations: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    assessors: Mapped[str] = mapped_column(sa.String(250), default="", server_default="")
    legal_representative: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    handed_on: Mapped[date | None]
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    enrolment: Mapped["Enrolment"] = relationship()
    block: Mapped["Block"] = relationship()

    __mapper_args__ = {"version_id_col": version}


class DpExample(db.Model):
    """An example of practice of the Dossier Professionnel: one of 1 to 3 per block of an enrolment."""

    __tablename__ = "dp_examples"
    __table_args__ = (
        sa.UniqueConstraint("enrolment_id", "block_id", "position"),
        sa.CheckConstraint(f"position BETWEEN 1 AND {DP_EXAMPLES_PER_BLOCK}", name="position_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"))
    block_id: Mapped[int] = mapped_column(sa.ForeignKey("blocks.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    context: Mapped[DpContext] = mapped_column(
        str_enum(DpContext, "dp_context"), default=DpContext.CENTRE, server_default=DpContext.CENTRE.value
    )
    status: Mapped[DpStatus] = mapped_column(
        str_enum(DpStatus, "dp_status"), default=DpStatus.TO_WRITE, server_default=DpStatus.TO_WRITE.value
    )
    review_comment: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_on: Mapped[date]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    enrolment: Mapped["Enrolment"] = relationship()
    block: Mapped["Block"] = relationship()
    reviewed_by: Mapped["User | None"] = relationship()

    __mapper_args__ = {"version_id_col": version}
