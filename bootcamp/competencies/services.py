"""Recording competency levels: each change is a new assessment and an audit event."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..audit import record
from ..extensions import db
from ..models import CompetencyAssessment, Learner, utcnow
from ..transactions import lock_rows
from .queries import Cell


@dataclass(frozen=True)
class LevelChange:
    before: int | None  # the level the person saw
    level: int


def newer_assessments(cells: list[Cell], seen_up_to: int) -> dict[Cell, CompetencyAssessment]:
    """For each cell, the newest trainer's assessment recorded after `seen_up_to`, if any (one query). A tutor's
    level arriving meanwhile is no conflict: it changes no current level."""
    if not cells:
        return {}
    found = db.session.scalars(
        sa.select(CompetencyAssessment)
        .options(joinedload(CompetencyAssessment.assessed_by))
        .where(
            CompetencyAssessment.counts,
            CompetencyAssessment.id > seen_up_to,
            sa.tuple_(CompetencyAssessment.learner_id, CompetencyAssessment.competency_id).in_(cells),
        )
        .order_by(CompetencyAssessment.id)
    )
    return {(a.learner_id, a.competency_id): a for a in found}


def record_levels(
    changes: dict[Cell, LevelChange],
    comment: str = "",
    project_id: int | None = None,
    seen_up_to: int | None = None,
    placement_id: int | None = None,
) -> dict[Cell, CompetencyAssessment]:
    """Record every change, or none of them if a cell was assessed by someone else since `seen_up_to`; with
    `placement_id`, the placement whose tutor's level the trainer confirms is kept as evidence.

    Returns the conflicts (empty when the changes were recorded); the caller commits. The learners' rows are
    locked first, so that the check and the writes are one step for every other writer (transactions.py).
    """
    lock_rows(Learner, (learner_id for learner_id, _competency_id in changes))
    if seen_up_to is not None:
        conflicts = newer_assessments(list(changes), seen_up_to)
        if conflicts:
            return conflicts
    now = utcnow()
    made = [
        CompetencyAssessment(
            learner_id=learner_id,
            competency_id=competency_id,
            level=change.level,
            comment=comment,
            project_id=project_id,
            placement_id=placement_id,
            assessed_by_id=current_user.id,
            assessed_at=now,
        )
        for (learner_id, competency_id), change in changes.items()
    ]
    db.session.add_all(made)
    db.session.flush()
    for assessment, change in zip(made, changes.values()):
        record(
            "competency_assessment",
            assessment.id,
            "create",
            {"competency_id": assessment.competency_id, "level": change.before},
            {
                "competency_id": assessment.competency_id,
                "level": change.level,
                "comment": comment,
                "project_id": project_id,
                **({"placement_id": placement_id} if placement_id else {}),
            },
            learner_id=assessment.learner_id,
        )
    return {}


def confirm_proposal(
    proposal: CompetencyAssessment, current: CompetencyAssessment | None, comment: str, seen_up_to: int
) -> dict[Cell, CompetencyAssessment]:
    """A trainer confirms a tutor's level: a trainer's assessment at that level, the placement kept as evidence, the
    comment given or « d'après le bilan de <tuteur> (<entreprise>) »; refused (the conflicts) if a trainer's level
    was saved since `seen_up_to`. The caller commits."""
    if not comment:
        placement = proposal.placement
        comment = (
            _("d'après le bilan de %(tutor)s (%(company)s)", tutor=proposal.assessor_name,
              company=placement.company_name)
            if placement
            else _("d'après le bilan de %(tutor)s", tutor=proposal.assessor_name)
        )
    cell = (proposal.learner_id, proposal.competency_id)
    change = LevelChange(current.level if current else None, proposal.level)
    return record_levels({cell: change}, comment, None, seen_up_to, placement_id=proposal.placement_id)
