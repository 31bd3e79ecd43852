"""The Dossier Professionnel's changes and what its pages read: a learner adds, edits and deletes their own examples
(1 to DP_EXAMPLES_PER_BLOCK per block), a trainer reviews them; each change is versioned and audited, in the
caller's transaction (the caller commits).

A learner sets the status « à rédiger », « brouillon » or « finalisé »; « relu » is the trainer's word (a learner
keeps it by leaving it, never sets it). A new example takes the block's first free position.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit, dates
from ..certification import readiness
from ..certification.livret import Livret, LivretBlock
from ..certification.results import LATEST, block_standing
from ..extensions import db
from ..labels import label
from ..models import (
    DP_EXAMPLES_PER_BLOCK,
    Block,
    BlockResult,
    Certification,
    DpContext,
    DpExample,
    DpStatus,
    Enrolment,
    User,
)
from ..transactions import lock_rows

ENTITY = "dp_example"
FIELDS = ("block_id", "position", "title", "context", "status", "review_comment", "reviewed_by_id", "updated_on")
LEARNER_STATUSES = (DpStatus.TO_WRITE, DpStatus.DRAFT, DpStatus.FINAL)
REVIEW_COMMENT_MAX = 2000


class DossierRefused(ValueError):
    """A change the rules refuse (a fifth example, « relu » set by a learner), with a message for the person."""


STALE = _l(
    "%(who)s a modifié cet exemple le %(when)s, après l'ouverture de votre page. Rien n'a été enregistré : "
    "rechargez la page pour voir où il en est, puis recommencez si besoin."
)


def check_version(example: DpExample, seen: int | None) -> None:
    """Answer 409, saying who changed the example and when, if it changed since the form was loaded."""
    audit.check_version(ENTITY, example, seen, STALE)


def _changed(example: DpExample, action: str, **values: Any) -> bool:
    """Give the example these values, dated today, and audit the change (the versioned UPDATE); False, and
    nothing written, when they are the ones it has."""
    if all(getattr(example, name) == value for name, value in values.items()):
        return False
    before = audit.snapshot(example, FIELDS)
    for name, value in {**values, "updated_on": dates.today()}.items():
        setattr(example, name, value)
    db.session.flush()
    after = audit.snapshot(example, FIELDS)
    audit.record(ENTITY, example.id, action, before, after, learner_id=example.enrolment.learner_id)
    return True


def add_example(enrolment: Enrolment, block: Block, title: str, context: DpContext) -> DpExample:
    """Add an example to `block` (of the enrolment's programme) at its first free position; refused past
    DP_EXAMPLES_PER_BLOCK. Audited; the caller commits."""
    lock_rows(Enrolment, [enrolment.id])  # two additions at once: the second waits, then sees the first
    taken = set(
        db.session.scalars(
            sa.select(DpExample.position).where(DpExample.enrolment_id == enrolment.id, DpExample.block_id == block.id)
        )
    )
    free = [position for position in range(1, DP_EXAMPLES_PER_BLOCK + 1) if position not in taken]
    if not free:
        raise DossierRefused(
            _(
                "Ce bloc a déjà %(count)d exemples, le plus que le Dossier Professionnel en compte : modifiez ou "
                "supprimez-en un.",
                count=DP_EXAMPLES_PER_BLOCK,
            )
        )
    example = DpExample(
        enrolment=enrolment,
        block_id=block.id,
        position=free[0],
        title=title,
        context=context,
        status=DpStatus.TO_WRITE,
        updated_on=dates.today(),
    )
    db.session.add(example)
    db.session.flush()
    audit.record(ENTITY, example.id, "create", None, audit.snapshot(example, FIELDS), learner_id=enrolment.learner_id)
    return example


def update_example(example: DpExample, title: str, context: DpContext, status: DpStatus) -> bool:
    """The learner's change of their example's title, context and status (« relu » only kept, never set); True if
    anything changed. Audited; the caller commits."""
    if status == DpStatus.REVIEWED and example.status != DpStatus.REVIEWED:
        raise DossierRefused(_("« Relu » est le statut que donne votre formateur·rice : choisissez-en un autre."))
    return _changed(example, "update", title=title, context=context, status=status)


def delete_example(example: DpExample) -> None:
    """The learner deletes their example (its position becomes free). Audited; the caller commits."""
    before = audit.snapshot(example, FIELDS)
    learner_id = example.enrolment.learner_id
    db.session.delete(example)
    db.session.flush()
    audit.record(ENTITY, example.id, "delete", before, None, learner_id=learner_id)


def review_example(example: DpExample, status: DpStatus, comment: str, reviewer: User) -> bool:
    """A trainer's review: any status and a comment; the reviewer is recorded. True if anything changed. Audited;
    the caller commits."""
    if status == example.status and comment == example.review_comment:
        return False
    return _changed(example, "review", status=status, review_comment=comment, reviewed_by_id=reviewer.id)


@dataclass(frozen=True)
class BlockLine:
    """One block of the titre in a line: the ECF result, the DP examples, the exam's result for the block."""

    part: LivretBlock
    exam: str | None  # a BlockResult code, "pending", or None when never registered for the block

    @property
    def exam_label(self) -> str:
        """The exam's result in words; empty when never registered for the block."""
        if self.exam is None:
            return ""
        if self.exam == Certification.PENDING.value:
            return label(Certification.PENDING)
        return label(BlockResult(self.exam))


def exam_results(enrolment: Enrolment) -> dict[int, str]:
    """The exam's result of each block the enrolment was registered for (certification.results, as of every
    result recorded): acquired, not_acquired, absent or pending; one query."""
    table = block_standing(LATEST)
    rows = db.session.execute(
        sa.select(table.c.block_id, table.c.status).where(table.c.enrolment_id == enrolment.id)
    )
    return {block_id: status for block_id, status in rows}


def block_lines(livret: Livret) -> list[BlockLine]:
    """Each block of the livret with its exam result."""
    results = exam_results(livret.enrolment)
    return [BlockLine(part, results.get(part.block.id)) for part in livret.blocks]


def reviewers(livret: Livret) -> list[User]:
    """The reviewers of the livret's examples, loaded in one query (then `example.reviewed_by` reads no more);
    keep the list while the page renders."""
    ids = {example.reviewed_by_id for part in livret.blocks for example in part.examples} - {None}
    if not ids:
        return []
    return list(db.session.scalars(sa.select(User).where(User.id.in_(ids))))


@dataclass(frozen=True)
class TitreLine:
    """One block of the titre on /me: its ECF result, its finalised DP examples, whether acquired at an exam."""

    block: Block
    facts: readiness.BlockFacts


def titre_summary(enrolment: Enrolment, blocks: list[Block], today: date) -> list[TitreLine]:
    """/me's lines of the titre, one a block, in one query (the readiness facts); the details are on
    /me/certification."""
    facts = {item.block_id: item for item in readiness.facts(sa.select(sa.literal(enrolment.id)), today)}
    return [TitreLine(block, facts[block.id]) for block in blocks if block.id in facts]
