"""What the livret d'évaluation and the Dossier Professionnel of enrolments hold, read in a fixed number of queries
whatever the number of learners: per block of the programme, the evaluation situations (ECF), the block's
summary, the Dossier Professionnel examples, and the evidence Bootcamp already has (each competency's current
level and the projects cited by its assessments). The ECF pages, the livret PDFs, /me and the readiness page read
it; nothing here decides for the trainer.

A block's ECF result (`LivretBlock.ecf_result`): the summary's « maîtrisé / non maîtrisé » when the trainer has
decided it; otherwise the result of the latest situation held (a reassessment over the evaluation it follows);
None while nothing is decided.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Block,
    Cohort,
    Competency,
    CompetencyAssessment,
    DpExample,
    DpStatus,
    EcfBlock,
    EcfCompetency,
    EcfSituation,
    Enrolment,
    Learner,
    Project,
)
from ..progress import current_levels


@dataclass(frozen=True)
class Evidence:
    """A competency of the block, the learner's current level (None: not assessed) and the projects cited."""

    competency: Competency
    level: int | None
    projects: tuple[str, ...] = ()


@dataclass
class LivretBlock:
    block: Block
    situations: list[EcfSituation] = field(default_factory=list)  # by date, then id
    summary: EcfBlock | None = None
    examples: list[DpExample] = field(default_factory=list)  # by position
    evidence: list[Evidence] = field(default_factory=list)  # in the framework's order

    @property
    def ecf_result(self) -> bool | None:
        """Satisfactory (True), not (False) or undecided (None): see the module's docstring."""
        if self.summary is not None and self.summary.mastered is not None:
            return self.summary.mastered
        decided = [situation for situation in self.situations if situation.satisfactory is not None]
        return decided[-1].satisfactory if decided else None

    @property
    def finalised_examples(self) -> int:
        return sum(1 for example in self.examples if example.status == DpStatus.FINAL)

    def acquired(self, level: int) -> int:
        """How many of the block's competencies are at `level` or above."""
        return sum(1 for item in self.evidence if item.level is not None and item.level >= level)


@dataclass
class Livret:
    enrolment: Enrolment
    blocks: list[LivretBlock]


def _blocks(programme_ids: set[int]) -> dict[int, list[Block]]:
    blocks = db.session.scalars(
        sa.select(Block)
        .options(selectinload(Block.competencies))
        .where(Block.programme_id.in_(programme_ids))
        .order_by(Block.programme_id, Block.position)
    )
    by_programme: dict[int, list[Block]] = {}
    for block in blocks:
        by_programme.setdefault(block.programme_id, []).append(block)
    return by_programme


def _evidence(learner_ids: list[int]) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], list[str]]]:
    """Current levels and cited projects' titles per (learner, competency)."""
    current = current_levels(sa.select(Learner.id).where(Learner.id.in_(learner_ids)))
    wanted = sa.select(current.c.learner_id, current.c.competency_id, current.c.level)
    levels = {(row.learner_id, row.competency_id): row.level for row in db.session.execute(wanted)}
    cited = db.session.execute(
        sa.select(CompetencyAssessment.learner_id, CompetencyAssessment.competency_id, Project.title)
        .join(Project, Project.id == CompetencyAssessment.project_id)
        .where(CompetencyAssessment.learner_id.in_(learner_ids))
        .distinct()
        .order_by(Project.title)
    )
    projects: dict[tuple[int, int], list[str]] = {}
    for row in cited:
        projects.setdefault((row.learner_id, row.competency_id), []).append(row.title)
    return levels, projects


def livrets(enrolments: Sequence[Enrolment]) -> dict[int, Livret]:
    """The livret of each enrolment (by id): eight queries whatever their number."""
    if not enrolments:
        return {}
    ids = [enrolment.id for enrolment in enrolments]
    cohorts = {
        row.id: row.programme_id
        for row in db.session.execute(
            sa.select(Cohort.id, Cohort.programme_id).where(Cohort.id.in_({e.cohort_id for e in enrolments}))
        )
    }
    blocks = _blocks(set(cohorts.values()))
    levels, projects = _evidence([enrolment.learner_id for enrolment in enrolments])
    situations = db.session.scalars(
        sa.select(EcfSituation)
        .options(selectinload(EcfSituation.competencies).joinedload(EcfCompetency.competency))
        .where(EcfSituation.enrolment_id.in_(ids))
        .order_by(EcfSituation.held_on, EcfSituation.id)
    ).all()
    summaries = db.session.scalars(sa.select(EcfBlock).where(EcfBlock.enrolment_id.in_(ids))).all()
    examples = db.session.scalars(
        sa.select(DpExample).where(DpExample.enrolment_id.in_(ids)).order_by(DpExample.position)
    ).all()
    by_enrolment: dict[int, list[EcfSituation | EcfBlock | DpExample]] = {}
    for item in (*situations, *summaries, *examples):
        by_enrolment.setdefault(item.enrolment_id, []).append(item)
    return {
        enrolment.id: _livret(enrolment, blocks.get(cohorts[enrolment.cohort_id], []), levels, projects, by_enrolment)
        for enrolment in enrolments
    }


def _livret(
    enrolment: Enrolment,
    blocks: list[Block],
    levels: dict[tuple[int, int], int],
    projects: dict[tuple[int, int], list[str]],
    by_enrolment: dict[int, list[EcfSituation | EcfBlock | DpExample]],
) -> Livret:
    parts = {}
    for block in blocks:
        evidence = [
            Evidence(
                competency,
                levels.get((enrolment.learner_id, competency.id)),
                tuple(projects.get((enrolment.learner_id, competency.id), ())),
            )
            for competency in block.competencies
        ]
        parts[block.id] = LivretBlock(block=block, evidence=evidence)
    for item in by_enrolment.get(enrolment.id, []):
        part = parts.get(item.block_id)
        if part is None:
            continue
        if isinstance(item, EcfSituation):
            part.situations.append(item)
        elif isinstance(item, EcfBlock):
            part.summary = item
        else:
            part.examples.append(item)
    return Livret(enrolment=enrolment, blocks=list(parts.values()))


def livret(enrolment: Enrolment) -> Livret:
    """One enrolment's livret."""
    return livrets([enrolment])[enrolment.id]
