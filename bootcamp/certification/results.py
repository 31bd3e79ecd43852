"""The one definition of an enrolment's certification, derived in SQL from its per-block results (DOMAIN.md
« Certification »). Pages, exports, the insertion indicators and Enrolment.certification all read it.

As of a day D, for an enrolment registered at sessions that started on or before D:
- its first session is the earliest of them; only sessions that start within ONE_YEAR_MONTHS of the first count
  (a partial candidate has one year to pass the missing blocks);
- a block is acquired when it is acquired at one of those sessions;
- **obtained** when every block of the programme is acquired; else **pending** when no result is recorded yet;
  else **partial** when some block is acquired; else **failed** when some block is not acquired; else **absent**
  (absent from every block sat);
- at the first attempt: obtained when every block is acquired at the first session; sat when the first session
  holds a result other than absent (acquired or not acquired).
- Per block (the `block` breakdown): a block a candidate was registered for is acquired, else pending when no
  result is recorded for it yet, else not acquired when some result is, else absent; its first attempt is the
  first session that examined it.
An enrolment registered at no session by D is not a candidate.
"""

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    ONE_YEAR_MONTHS,
    Block,
    BlockResult,
    Certification,
    Cohort,
    Enrolment,
    ExamCandidate,
    ExamResult,
    ExamSession,
)
from ..outcomes.queries import MonthsAfter

SAT = (Certification.OBTAINED, Certification.PARTIAL, Certification.FAILED)
LATEST = date(9999, 12, 31)  # "as of" for every result recorded


def _flag(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """1 when `condition` holds for some row of the group, else 0."""
    return sa.func.max(sa.case((condition, 1), else_=0))


def attempts(as_of: date) -> sa.Subquery:
    """(enrolment_id, block_id, held_on, first_on, result): every block sat at a session that started by `as_of`
    within a year of the enrolment's first session."""
    base = (
        sa.select(
            ExamCandidate.enrolment_id,
            ExamResult.block_id,
            ExamSession.start_date.label("held_on"),
            ExamResult.result,
        )
        .join(ExamCandidate, ExamCandidate.id == ExamResult.candidate_id)
        .join(ExamSession, ExamSession.id == ExamCandidate.session_id)
        .where(ExamSession.start_date <= as_of)
    ).subquery("sat")
    firsts = (
        sa.select(ExamCandidate.enrolment_id, sa.func.min(ExamSession.start_date).label("first_on"))
        .join(ExamSession, ExamSession.id == ExamCandidate.session_id)
        .where(ExamSession.start_date <= as_of)
        .group_by(ExamCandidate.enrolment_id)
    ).subquery("firsts")
    return (
        sa.select(base.c.enrolment_id, base.c.block_id, base.c.held_on, firsts.c.first_on, base.c.result)
        .join(firsts, firsts.c.enrolment_id == base.c.enrolment_id)
        .where(base.c.held_on <= MonthsAfter(firsts.c.first_on, ONE_YEAR_MONTHS))
    ).subquery("attempts")


@lru_cache(maxsize=64)  # one object per day, so that a query joins it and reads its columns as the same table
def block_standing(as_of: date) -> sa.Subquery:
    """(enrolment_id, block_id, status, first_sat, first_acquired): each block a candidate was registered for,
    its BlockResult code or "pending", and whether it was sat / acquired at the first session examining it."""
    sat = attempts(as_of)
    block_firsts = (
        sa.select(sat.c.enrolment_id, sat.c.block_id, sa.func.min(sat.c.held_on).label("block_first_on"))
        .group_by(sat.c.enrolment_id, sat.c.block_id)
    ).subquery("block_firsts")
    at_first = sa.and_(sat.c.held_on == block_firsts.c.block_first_on)
    acquired = _flag(sat.c.result == BlockResult.ACQUIRED)
    not_acquired = _flag(sat.c.result == BlockResult.NOT_ACQUIRED)
    recorded = _flag(sat.c.result.is_not(None))
    status = sa.case(
        (acquired == 1, BlockResult.ACQUIRED.value),
        (recorded == 0, Certification.PENDING.value),
        (not_acquired == 1, BlockResult.NOT_ACQUIRED.value),
        else_=BlockResult.ABSENT.value,
    )
    return (
        sa.select(
            sat.c.enrolment_id,
            sat.c.block_id,
            status.label("status"),
            _flag(sa.and_(at_first, sat.c.result.in_([BlockResult.ACQUIRED, BlockResult.NOT_ACQUIRED]))).label(
                "first_sat"
            ),
            _flag(sa.and_(at_first, sat.c.result == BlockResult.ACQUIRED)).label("first_acquired"),
        )
        .join(
            block_firsts,
            sa.and_(block_firsts.c.enrolment_id == sat.c.enrolment_id, block_firsts.c.block_id == sat.c.block_id),
        )
        .group_by(sat.c.enrolment_id, sat.c.block_id)
    ).subquery("block_standing")


@lru_cache(maxsize=64)  # one object per day, so that a query joins it and reads its columns as the same table
def standing(as_of: date) -> sa.Subquery:
    """(enrolment_id, status, first_sat, first_obtained): one row per candidate as of `as_of`, its Certification
    code, and whether it sat / obtained the title at its first session."""
    sat = attempts(as_of)
    blocks = (
        sa.select(Block.programme_id, sa.func.count(Block.id).label("blocks")).group_by(Block.programme_id)
    ).subquery("programme_blocks")
    per_block = (
        sa.select(
            sat.c.enrolment_id,
            sat.c.block_id,
            _flag(sat.c.result == BlockResult.ACQUIRED).label("acquired"),
            _flag(sat.c.result == BlockResult.NOT_ACQUIRED).label("not_acquired"),
            _flag(sat.c.result.is_not(None)).label("recorded"),
            _flag(sa.and_(sat.c.held_on == sat.c.first_on, sat.c.result == BlockResult.ACQUIRED)).label(
                "first_acquired"
            ),
            _flag(
                sa.and_(
                    sat.c.held_on == sat.c.first_on,
                    sat.c.result.in_([BlockResult.ACQUIRED, BlockResult.NOT_ACQUIRED]),
                )
            ).label("first_sat"),
        ).group_by(sat.c.enrolment_id, sat.c.block_id)
    ).subquery("per_block")
    needed = sa.func.coalesce(sa.func.max(blocks.c.blocks), 0)
    acquired = sa.func.sum(per_block.c.acquired)
    status = sa.case(
        (sa.and_(needed > 0, acquired >= needed), Certification.OBTAINED.value),
        (sa.func.max(per_block.c.recorded) == 0, Certification.PENDING.value),
        (acquired > 0, Certification.PARTIAL.value),
        (sa.func.max(per_block.c.not_acquired) == 1, Certification.FAILED.value),
        else_=Certification.ABSENT.value,
    )
    first_obtained = sa.case((sa.and_(needed > 0, sa.func.sum(per_block.c.first_acquired) >= needed), 1), else_=0)
    return (
        sa.select(
            per_block.c.enrolment_id,
            status.label("status"),
            sa.func.max(per_block.c.first_sat).label("first_sat"),
            first_obtained.label("first_obtained"),
        )
        .join(Enrolment, Enrolment.id == per_block.c.enrolment_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .outerjoin(blocks, blocks.c.programme_id == Cohort.programme_id)
        .group_by(per_block.c.enrolment_id)
    ).subquery("standing")


def statuses(enrolment_ids: Iterable[int], as_of: date = LATEST) -> dict[int, Certification]:
    """The certification of each of these enrolments that is a candidate, as of `as_of` (every result by default)."""
    ids = list(enrolment_ids)
    if not ids:
        return {}
    table = standing(as_of)
    rows = db.session.execute(sa.select(table.c.enrolment_id, table.c.status).where(table.c.enrolment_id.in_(ids)))
    return {enrolment_id: Certification(status) for enrolment_id, status in rows}


def refresh(enrolment_ids: Iterable[int]) -> None:
    """Write the derived certification of these enrolments into Enrolment.certification (None when no longer a
    candidate): call it, in the same transaction, after any change to their registrations or results."""
    ids = sorted(set(enrolment_ids))
    derived = statuses(ids)
    for enrolment in db.session.scalars(sa.select(Enrolment).where(Enrolment.id.in_(ids))):
        value = derived.get(enrolment.id)
        if enrolment.certification != value:
            enrolment.certification = value
