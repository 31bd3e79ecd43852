"""Competency progress, computed in SQL: current levels and each learner's share of the target.

Progress of a learner in a cohort = sum over the programme's competencies of
min(current level, acquired level) / (acquired level x number of competencies), where the
acquired level is the programme's (2, « adapter », unless the programme says otherwise).
"""

import sqlalchemy as sa

from .models import Block, Cohort, Competency, CompetencyAssessment, Enrolment, Programme


def current_levels(
    learner_ids: sa.Select | None = None, up_to_id: int | None = None, project_id: int | None = None
) -> sa.Subquery:
    """Latest assessment of each (learner, competency): id, learner_id, competency_id, level, assessed_at.

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
    )
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
