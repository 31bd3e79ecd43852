"""Who is ready for the titre professionnel: the one rule, per learner and block, with the reasons when not.

A learner is « prêt·e » for a block when:
- every competency of the block is at the programme's acquired level or above (Programme.acquired_level, 2
  « adapter » unless the programme says otherwise);
- the block's ECF result is satisfactory (bootcamp/certification/livret.py, `ecf_results`: the livret reads it too);
- at least MIN_FINALISED_EXAMPLES example of the Dossier Professionnel of the block is finalised.
A block already acquired at an exam session (certification/results.py, block_standing) counts as done. Ready for
the title: ready for every block (done ones included).

The facts the rule reads come from one query whatever the number of learners (`facts`); the readiness page, the
trainer's weekly list and the rule's sentence on the page (`rule_text`) all read this module.
"""

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from ..extensions import db
from ..labels import level_label
from ..models import (
    Block,
    BlockResult,
    Cohort,
    Competency,
    DpExample,
    DpStatus,
    Enrolment,
    Programme,
)
from ..progress import current_levels
from . import results
from .livret import ecf_results

MIN_FINALISED_EXAMPLES = 1  # Dossier Professionnel examples of a block that must be finalised
WEEKLY_LIST_WEEKS = 8  # from this many weeks before a session, the cohort's readiness is on the trainer's home


class Reason(enum.StrEnum):
    """Why a learner is not ready for a block (the page writes each one out with its numbers)."""

    BELOW_LEVEL = "below_level"
    ECF_NOT_SATISFACTORY = "ecf_not_satisfactory"
    ECF_UNDECIDED = "ecf_undecided"
    NO_FINAL_EXAMPLE = "no_final_example"


@dataclass(frozen=True)
class BlockFacts:
    """What the rule reads for one enrolment and one block of its programme."""

    enrolment_id: int
    block_id: int
    competencies: int  # the block's competencies (N)
    at_level: int  # those at the acquired level or above (n)
    ecf_result: bool | None  # satisfactory, not, or not decided yet
    finalised_examples: int
    acquired_at_exam: bool


@dataclass(frozen=True)
class Missing:
    """One reason, with what it counts (competencies below the level)."""

    reason: Reason
    count: int = 0
    level: int = 0

    @property
    def text(self) -> str:
        if self.reason == Reason.BELOW_LEVEL:
            return ngettext(
                "%(num)d compétence sous le niveau %(level)d",
                "%(num)d compétences sous le niveau %(level)d",
                self.count,
                level=self.level,
            )
        if self.reason == Reason.ECF_NOT_SATISFACTORY:
            return _("ECF non satisfaisant")
        if self.reason == Reason.ECF_UNDECIDED:
            return _("ECF à décider")
        return _("aucun exemple de DP finalisé")


@dataclass(frozen=True)
class BlockVerdict:
    facts: BlockFacts
    missing: tuple[Missing, ...]

    @property
    def ready(self) -> bool:
        """Ready for the block, or already acquired at an exam."""
        return self.facts.acquired_at_exam or not self.missing


def block_verdict(facts: BlockFacts, acquired_level: int) -> BlockVerdict:
    """The verdict for one block: THE rule (see the module's docstring)."""
    missing = []
    below = facts.competencies - facts.at_level
    if below > 0:
        missing.append(Missing(Reason.BELOW_LEVEL, below, acquired_level))
    if facts.ecf_result is False:
        missing.append(Missing(Reason.ECF_NOT_SATISFACTORY))
    elif facts.ecf_result is None:
        missing.append(Missing(Reason.ECF_UNDECIDED))
    if facts.finalised_examples < MIN_FINALISED_EXAMPLES:
        missing.append(Missing(Reason.NO_FINAL_EXAMPLE))
    return BlockVerdict(facts, tuple(missing))


def title_ready(verdicts: Iterable[BlockVerdict]) -> bool:
    """Ready for the title: ready for every block, those acquired at an exam counting as done."""
    return all(verdict.ready for verdict in verdicts)


def rule_text(acquired_level: int) -> str:
    """The rule in one sentence, from the same constants as `block_verdict`."""
    return _(
        "Prêt·e pour un bloc : chaque compétence du bloc au niveau %(level)d (« %(word)s ») ou plus, l'ECF du bloc "
        "satisfaisant, et au moins %(examples)d exemple du Dossier Professionnel du bloc finalisé. Un bloc déjà "
        "acquis à une session d'examen compte comme fait. Prêt·e pour le titre : prêt·e pour chaque bloc.",
        level=acquired_level,
        word=level_label(acquired_level),
        examples=MIN_FINALISED_EXAMPLES,
    )


def _counts(enrolment_ids: sa.Select) -> sa.Subquery:
    """(enrolment_id, block_id, competencies, at_level): each block of each enrolment's programme."""
    current = current_levels(sa.select(Enrolment.learner_id).where(Enrolment.id.in_(enrolment_ids)))
    at_level = sa.case((current.c.level >= Programme.acquired_level, 1), else_=0)
    return (
        sa.select(
            Enrolment.id.label("enrolment_id"),
            Block.id.label("block_id"),
            sa.func.count(Competency.id).label("competencies"),
            sa.func.coalesce(sa.func.sum(at_level), 0).label("at_level"),
        )
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Programme, Programme.id == Cohort.programme_id)
        .join(Block, Block.programme_id == Programme.id)
        .outerjoin(Competency, Competency.block_id == Block.id)
        .outerjoin(
            current,
            sa.and_(current.c.learner_id == Enrolment.learner_id, current.c.competency_id == Competency.id),
        )
        .where(Enrolment.id.in_(enrolment_ids))
        .group_by(Enrolment.id, Block.id)
    ).subquery("counts")


def facts(enrolment_ids: sa.Select, as_of: date) -> list[BlockFacts]:
    """The facts of every block of the enrolments selected (`enrolment_ids` selects Enrolment.id), exam results
    as of `as_of`; one query whatever their number, by enrolment then block position."""
    counts = _counts(enrolment_ids)
    decided = ecf_results(enrolment_ids)
    examples = (
        sa.select(DpExample.enrolment_id, DpExample.block_id, sa.func.count().label("finalised"))
        .where(DpExample.status == DpStatus.FINAL, DpExample.enrolment_id.in_(enrolment_ids))
        .group_by(DpExample.enrolment_id, DpExample.block_id)
    ).subquery("finalised")
    standing = results.block_standing(as_of)

    def joined(table: sa.Subquery) -> sa.ColumnElement[bool]:
        return sa.and_(table.c.enrolment_id == counts.c.enrolment_id, table.c.block_id == counts.c.block_id)

    rows = db.session.execute(
        sa.select(
            counts,
            decided.c.ecf,
            sa.func.coalesce(examples.c.finalised, 0).label("finalised"),
            standing.c.status,
        )
        .join(Block, Block.id == counts.c.block_id)
        .outerjoin(decided, joined(decided))
        .outerjoin(examples, joined(examples))
        .outerjoin(standing, joined(standing))
        .order_by(counts.c.enrolment_id, Block.position)
    )
    return [
        BlockFacts(
            enrolment_id=row.enrolment_id,
            block_id=row.block_id,
            competencies=row.competencies,
            at_level=row.at_level,
            ecf_result=None if row.ecf is None else bool(row.ecf),
            finalised_examples=row.finalised,
            acquired_at_exam=row.status == BlockResult.ACQUIRED.value,
        )
        for row in rows
    ]
