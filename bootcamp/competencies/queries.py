"""What the competency grid shows, in a fixed number of queries."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..learners.names import by_name
from ..models import (
    Block,
    Cohort,
    Competency,
    CompetencyAssessment,
    Enrolment,
    EnrolmentStatus,
    Learner,
    Project,
)
from ..progress import current_levels, tutor_proposals

Cell = tuple[int, int]  # (learner id, competency id)


@dataclass(frozen=True)
class Proposal:
    """A tutor's level waiting for a trainer's word (progress.tutor_proposals)."""

    level: int
    tutor: str


@dataclass(frozen=True)
class Grid:
    blocks: list[Block]
    learners: list[Learner]  # in training or finished, by name
    dropped: int
    levels: dict[Cell, int]
    proposals: dict[Cell, Proposal]  # the tutors' levels pending beside the current ones
    projects: list[Project]
    snapshot: int  # the newest assessment id when the grid was read

    @property
    def competencies(self) -> list[Competency]:
        return [competency for block in self.blocks for competency in block.competencies]


def programme_blocks(cohort: Cohort) -> list[Block]:
    """The blocks of the cohort's programme with their competencies (two queries)."""
    return list(
        db.session.scalars(
            sa.select(Block)
            .options(selectinload(Block.competencies))
            .where(Block.programme_id == cohort.programme_id)
            .order_by(Block.position)
        )
    )


def newest_assessment_id() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(CompetencyAssessment.id), 0))) or 0


def levels_of(learner_ids: list[int], up_to_id: int | None = None) -> dict[Cell, int]:
    """Current level of each (learner, competency) of these learners, optionally as of an assessment id."""
    if not learner_ids:
        return {}
    current = current_levels(sa.select(Learner.id).where(Learner.id.in_(learner_ids)), up_to_id)
    return {
        (row.learner_id, row.competency_id): row.level
        for row in db.session.execute(sa.select(current.c.learner_id, current.c.competency_id, current.c.level))
    }


def proposals_of(learner_ids: list[int], up_to_id: int | None = None) -> dict[Cell, Proposal]:
    """The pending tutor proposals of these learners, optionally as of an assessment id (one query)."""
    if not learner_ids:
        return {}
    pending = tutor_proposals(sa.select(Learner.id).where(Learner.id.in_(learner_ids)), up_to_id)
    return {
        (row.learner_id, row.competency_id): Proposal(row.level, row.assessor_name)
        for row in db.session.execute(
            sa.select(pending.c.learner_id, pending.c.competency_id, pending.c.level, pending.c.assessor_name)
        )
    }


def grid(cohort: Cohort, as_of: int | None = None) -> Grid:
    """The cohort's grid: learners x competencies with the current levels and the tutors' pending proposals, or
    those as of an assessment id.

    A posted grid is rebuilt as of the snapshot it was loaded with, so it is compared with what the
    person saw, not with what others saved since.
    """
    snapshot = newest_assessment_id() if as_of is None else as_of
    enrolments = db.session.scalars(
        sa.select(Enrolment).options(joinedload(Enrolment.learner)).where(Enrolment.cohort_id == cohort.id)
    ).all()
    learners = sorted(
        (e.learner for e in enrolments if e.status != EnrolmentStatus.DROPPED),
        key=by_name,
    )
    projects = list(
        db.session.scalars(sa.select(Project).where(Project.cohort_id == cohort.id).order_by(Project.due_date))
    )
    learner_ids = [learner.id for learner in learners]
    return Grid(
        blocks=programme_blocks(cohort),
        learners=learners,
        dropped=len(enrolments) - len(learners),
        levels=levels_of(learner_ids, snapshot),
        proposals=proposals_of(learner_ids, snapshot),
        projects=projects,
        snapshot=snapshot,
    )


def history(learner_id: int, competency_id: int) -> list[CompetencyAssessment]:
    """Every assessment of a learner on a competency, newest first, with project, assessor and placement (tutors'
    levels and the trainers' confirming them)."""
    return list(
        db.session.scalars(
            sa.select(CompetencyAssessment)
            .options(
                joinedload(CompetencyAssessment.project),
                joinedload(CompetencyAssessment.assessed_by),
                joinedload(CompetencyAssessment.placement),
            )
            .where(CompetencyAssessment.learner_id == learner_id, CompetencyAssessment.competency_id == competency_id)
            .order_by(CompetencyAssessment.assessed_at.desc(), CompetencyAssessment.id.desc())
        )
    )
