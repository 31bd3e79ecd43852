"""Competency progress, computed in SQL: current levels and each learner's share of the target.

Progress of a learner in a cohort = sum over the programme's competencies of
min(current level, acquired level) / (acquired level x number of competencies), where the
acquired level is the programme's (2, « adapter », unless the programme says otherwise).

Only trainers' assessments (`CompetencyAssessment.counts`) make current levels. A company tutor's level is a
proposal: pending while it is newer than the current level and differs from it, until a trainer confirms it (a new
trainer's assessment at that level) or saves another level (any newer trainer's assessment ends it).
"""

from collections.abc import Sequence

import sqlalchemy as sa

from .models import Block, Cohort, Competency, CompetencyAssessment, Enrolment, Programme


def current_levels(
    learner_ids: sa.Select | None = None, up_to_id: int | None = None, project_id: int | None = None
) -> sa.Subquery:
    """Latest trainer's assessment (`counts`) of each (learner, competency): id, learner_id, competency_id, level,
    assessed_at. A tutor's level is never a current level (tutor_proposals).

    With `up_to_id`, the levels as they were when that assessment was the newest (what a form showed);
    with `project_id`, the latest of those that cite that project as evidence.
    """
    assessment = CompetencyAssessment
    ranked = sa.select(
        assessment.id,
        assessment.learner_id,
        assessment.competency_id,
        assessment.level,
        assessment.assessed_at,
        sa.func.row_number()
        .over(
            partition_by=(assessment.learner_id, assessment.competency_id),
            order_by=(assessment.assessed_at.desc(), assessment.id.desc()),
        )
        .label("rank"),
    ).where(assessment.counts)
    if learner_ids is not None:
        ranked = ranked.where(assessment.learner_id.in_(learner_ids))
    if up_to_id is not None:
        ranked = ranked.where(assessment.id <= up_to_id)
    if project_id is not None:
        ranked = ranked.where(assessment.project_id == project_id)
    ranked = ranked.subquery("ranked")
    return (
        sa.select(ranked.c.id, ranked.c.learner_id, ranked.c.competency_id, ranked.c.level, ranked.c.assessed_at)
        .where(ranked.c.rank == 1)
        .subquery("current_levels")
    )


def tutor_proposals(learner_ids: sa.Select | None = None, up_to_id: int | None = None) -> sa.Subquery:
    """The pending tutor proposals: for each (learner, competency), the latest tutor's level when it is newer than
    the current level (or there is none) and differs from it: id, learner_id, competency_id, level, assessed_at,
    assessor_name, placement_id. The SQL twin of pending_proposal."""
    assessment = CompetencyAssessment
    ranked = sa.select(
        assessment.id,
        assessment.learner_id,
        assessment.competency_id,
        assessment.level,
        assessment.assessed_at,
        assessment.assessor_name,
        assessment.placement_id,
        sa.func.row_number()
        .over(
            partition_by=(assessment.learner_id, assessment.competency_id),
            order_by=(assessment.assessed_at.desc(), assessment.id.desc()),
        )
        .label("rank"),
    ).where(sa.not_(assessment.counts))
    if learner_ids is not None:
        ranked = ranked.where(assessment.learner_id.in_(learner_ids))
    if up_to_id is not None:
        ranked = ranked.where(assessment.id <= up_to_id)
    tutor = ranked.subquery("tutor_ranked")
    current = current_levels(learner_ids, up_to_id)
    newer = sa.or_(
        tutor.c.assessed_at > current.c.assessed_at,
        sa.and_(tutor.c.assessed_at == current.c.assessed_at, tutor.c.id > current.c.id),
    )
    return (
        sa.select(
            tutor.c.id,
            tutor.c.learner_id,
            tutor.c.competency_id,
            tutor.c.level,
            tutor.c.assessed_at,
            tutor.c.assessor_name,
            tutor.c.placement_id,
        )
        .outerjoin(
            current,
            sa.and_(current.c.learner_id == tutor.c.learner_id, current.c.competency_id == tutor.c.competency_id),
        )
        .where(tutor.c.rank == 1, sa.or_(current.c.id.is_(None), sa.and_(newer, tutor.c.level != current.c.level)))
        .subquery("tutor_proposals")
    )


def current_of(history: Sequence[CompetencyAssessment]) -> CompetencyAssessment | None:
    """The current level among a learner's assessments on one competency, newest first: the latest trainer's."""
    return next((each for each in history if each.counts), None)


def pending_proposal(history: Sequence[CompetencyAssessment]) -> CompetencyAssessment | None:
    """The tutor's level still to confirm among assessments of one competency, newest first: the latest tutor's,
    if newer than the current level and different from it (the Python twin of tutor_proposals)."""
    tutor = next((each for each in history if not each.counts), None)
    current = current_of(history)
    if tutor is None or current is None:
        return tutor
    newer = (tutor.assessed_at, tutor.id) > (current.assessed_at, current.id)
    return tutor if newer and tutor.level != current.level else None


def enrolment_progress(enrolments: sa.Select) -> sa.Select:
    """Rows (enrolment_id, progress from 0 to 1, last_assessed_at) for the enrolments selected.

    `enrolments` selects Enrolment.id values; one query whatever the number of learners.
    """
    competency_count = (
        sa.select(Block.programme_id, sa.func.count(Competency.id).label("count"))
        .join(Competency, Competency.block_id == Block.id)
        .group_by(Block.programme_id)
        .subquery("competency_count")
    )
    learner_ids = sa.select(Enrolment.learner_id).where(Enrolment.id.in_(enrolments))
    current = current_levels(learner_ids)
    capped = sa.case((current.c.level > Programme.acquired_level, Programme.acquired_level), else_=current.c.level)
    # Summed per learner and programme before the join: one row each to join, not every level (at 25 cohorts
    # of 15 learners, the join of every level to every enrolment took 3 times as long).
    levels = (
        sa.select(
            current.c.learner_id,
            Block.programme_id,
            sa.func.sum(capped).label("reached"),
            sa.func.max(current.c.assessed_at).label("assessed_at"),
        )
        .join(Competency, Competency.id == current.c.competency_id)
        .join(Block, Block.id == Competency.block_id)
        .join(Programme, Programme.id == Block.programme_id)
        .group_by(current.c.learner_id, Block.programme_id)
        .subquery("levels")
    )
    return (
        sa.select(
            Enrolment.id.label("enrolment_id"),
            (
                sa.func.coalesce(levels.c.reached, 0) * 1.0 / (Programme.acquired_level * competency_count.c.count)
            ).label("progress"),
            levels.c.assessed_at.label("last_assessed_at"),
        )
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Programme, Programme.id == Cohort.programme_id)
        .join(competency_count, competency_count.c.programme_id == Programme.id)
        .outerjoin(
            levels,
            sa.and_(levels.c.learner_id == Enrolment.learner_id, levels.c.programme_id == Programme.id),
        )
        .where(Enrolment.id.in_(enrolments))
    )
