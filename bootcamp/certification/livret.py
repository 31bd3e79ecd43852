"""What the livret d'évaluation and the Dossier Professionnel of enrolments hold, read in a fixed number of queries
whatever the number of learners: per block of the programme, the evaluation situations (ECF), the block's
summary, the Dossier Professionnel examples, and the evidence Bootcamp already has (each competency's current
level and the projects cited by its assessments). The ECF pages, the livret PDFs, /me and the readiness page read
it; nothing here decides for the trainer.

A block's ECF result (`ecf_results`, in SQL, the one definition: the livret and the readiness rule read it): the
summary's « maîtrisé / non maîtrisé » when the trainer has decided it; otherwise the result of the latest situation
held with a result (by date, then id: a reassessment over the evaluation it follows); None while nothing is
decided.
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
    ecf_result: bool | None = None  # satisfactory, not, or undecided: `ecf_results`

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


def ecf_results(enrolment_ids: sa.Select) -> sa.Subquery:
    """(enrolment_id, block_id, ecf): each decided block's ECF result of the enrolments selected (`enrolment_ids`
    selects Enrolment.id), as the module's docstring says; a block with nothing decided has no row."""
    ranked = (
        sa.select(
            EcfSituation.enrolment_id,
            EcfSituation.block_id,
            EcfSituation.satisfactory,
            sa.func.row_number()
            .over(
                partition_by=(EcfSituation.enrolment_id, EcfSituation.block_id),
                order_by=(EcfSituation.held_on.desc(), EcfSituation.id.desc()),
            )
            .label("rank"),
        ).where(EcfSituation.satisfactory.is_not(None), EcfSituation.enrolment_id.in_(enrolment_ids))
    ).subquery("ranked_situations")
    summaries = (
        sa.select(EcfBlock.enrolment_id, EcfBlock.block_id, EcfBlock.mastered).where(
            EcfBlock.mastered.is_not(None), EcfBlock.enrolment_id.in_(enrolment_ids)
        )
    ).subquery("summaries")
    keys = sa.union(
        sa.select(ranked.c.enrolment_id, ranked.c.block_id).where(ranked.c.rank == 1),
        sa.select(summaries.c.enrolment_id, summaries.c.block_id),
    ).subquery("decided")

    def same(table: sa.Subquery) -> sa.ColumnElement[bool]:
        return sa.and_(table.c.enrolment_id == keys.c.enrolment_id, table.c.block_id == keys.c.block_id)

    return (
        sa.select(
            keys.c.enrolment_id,
            keys.c.block_id,
            sa.type_coerce(sa.func.coalesce(summaries.c.mastered, ranked.c.satisfactory), sa.Boolean).label("ecf"),
        )
        .outerjoin(summaries, same(summaries))
        .outerjoin(ranked, sa.and_(same(ranked), ranked.c.rank == 1))
    ).subquery("ecf_results")


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
    """The livret of each enrolment (by id): nine queries whatever their number."""
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
    decided = ecf_results(sa.select(Enrolment.id).where(Enrolment.id.in_(ids)))
    results = {
        (row.enrolment_id, row.block_id): bool(row.ecf)
        for row in db.session.execute(sa.select(decided.c.enrolment_id, decided.c.block_id, decided.c.ecf))
    }
    by_enrolment: dict[int, list[EcfSituation | EcfBlock | DpExample]] = {}
    for item in (*situations, *summaries, *examples):
        by_enrolment.setdefault(item.enrolment_id, []).append(item)
    livrets_ = {
        enrolment.id: _livret(enrolment, blocks.get(cohorts[enrolment.cohort_id], []), levels, projects, by_enrolment)
        for enrolment in enrolments
    }
    for livret_ in livrets_.values():
        for part in livret_.blocks:
            part.ecf_result = results.get((livret_.enrolment.id, part.block.id))
    return livrets_


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
