"""Who is ready, cohort by cohort: each learner's verdict per block (bootcamp/certification/readiness.py, the
rule), the cohort's next exam session, and the trainer's weekly list; a fixed number of queries whatever the
number of learners or cohorts."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..access import visible_cohorts
from ..certification import readiness
from ..certification.readiness import BlockVerdict, Missing
from ..extensions import db
from ..learners.names import by_name
from ..models import (
    Block,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    ExamCandidate,
    ExamKind,
    ExamSession,
    Programme,
    User,
)

WEEKLY_DAYS = 7 * readiness.WEEKLY_LIST_WEEKS
# A whole-title session of the programme is a cohort's next one (when none of its learners is registered at a
# session yet) when it starts within this of the cohort's end, before or after: the session that closes its year
# (not the session of the cohort before it, which a cohort in training sees come and go).
AROUND_END = timedelta(weeks=readiness.WEEKLY_LIST_WEEKS)


@dataclass(frozen=True)
class NextSession:
    id: int
    kind: ExamKind
    start_date: date
    end_date: date
    place: str
    registered: int  # learners of the cohort (not dropped) registered at it

    def days(self, today: date) -> int:
        """Days from `today` to its start (« J-n »)."""
        return (self.start_date - today).days


@dataclass(frozen=True)
class LearnerReadiness:
    enrolment: Enrolment  # with its learner
    blocks: list[BlockVerdict]  # in the programme's order

    @property
    def ready(self) -> bool:
        return readiness.title_ready(self.blocks)

    @property
    def reasons(self) -> list[tuple[int, list[Missing]]]:
        """(block id, its reasons) for each block not ready."""
        return [(verdict.facts.block_id, list(verdict.missing)) for verdict in self.blocks if not verdict.ready]


@dataclass(frozen=True)
class CohortReadiness:
    cohort: Cohort
    learners: list[LearnerReadiness]  # not-ready first, then by name
    session: NextSession | None

    @property
    def ready_count(self) -> int:
        return sum(1 for row in self.learners if row.ready)


def _ranked(rows: list[LearnerReadiness], key: Callable[[LearnerReadiness], Any], descending: bool) -> list:
    by_names = sorted(rows, key=lambda row: by_name(row.enrolment.learner))
    return sorted(by_names, key=key, reverse=descending)  # stable: ties stay by name


def _verdict_key(row: LearnerReadiness) -> tuple[bool, int]:
    """Not ready before ready; among the not ready, the most blocks to go first."""
    return (row.ready, -len(row.reasons))


SORT_KEYS: dict[str, Callable[[LearnerReadiness], Any]] = {
    "verdict": _verdict_key,
    "name": lambda row: by_name(row.enrolment.learner),
}


def sort_learners(rows: list[LearnerReadiness], key: str, descending: bool) -> list[LearnerReadiness]:
    """The rows sorted by name or verdict (ties by name)."""
    return _ranked(rows, SORT_KEYS.get(key, _verdict_key), descending)


def _enrolments(cohort_ids: Sequence[int]) -> list[Enrolment]:
    """The learners of these cohorts in training or finished (not dropped), with their learner."""
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .options(joinedload(Enrolment.learner))
            .where(Enrolment.cohort_id.in_(cohort_ids), Enrolment.status != EnrolmentStatus.DROPPED)
        )
    )


def learners_readiness(enrolments: list[Enrolment], levels: dict[int, int], today: date) -> list[LearnerReadiness]:
    """Each enrolment's verdicts (`levels`: each cohort's acquired level), not-ready first then by name (one query)."""
    if not enrolments:
        return []
    ids = sa.select(Enrolment.id).where(Enrolment.id.in_([enrolment.id for enrolment in enrolments]))
    verdicts: dict[int, list[BlockVerdict]] = {}
    by_id = {enrolment.id: enrolment for enrolment in enrolments}
    for facts in readiness.facts(ids, today):
        level = levels[by_id[facts.enrolment_id].cohort_id]
        verdicts.setdefault(facts.enrolment_id, []).append(readiness.block_verdict(facts, level))
    rows = [LearnerReadiness(enrolment, verdicts.get(enrolment.id, [])) for enrolment in enrolments]
    return sort_learners(rows, "verdict", False)


def next_sessions(cohorts: sa.Select[tuple[Cohort]], today: date) -> dict[int, tuple[Cohort, int, NextSession]]:
    """Each cohort selected that has a next exam session starting `today` or later, with its programme's acquired
    level and that session (one query): the first session at which some of its learners (not dropped) are
    registered; else the first whole-title session of its programme starting within AROUND_END of the cohort's
    end."""
    registered = (
        sa.select(sa.func.count(ExamCandidate.id))
        .join(Enrolment, Enrolment.id == ExamCandidate.enrolment_id)
        .where(
            ExamCandidate.session_id == ExamSession.id,
            Enrolment.cohort_id == Cohort.id,
            Enrolment.status != EnrolmentStatus.DROPPED,
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        cohorts.add_columns(Programme.acquired_level, ExamSession, registered.label("registered"))
        .join(Programme, Programme.id == Cohort.programme_id)
        .join(ExamSession, ExamSession.programme_id == Cohort.programme_id)
        .where(ExamSession.start_date >= today, Cohort.end_date >= today - AROUND_END)
        .order_by(ExamSession.start_date, ExamSession.id)
    ).all()
    found: dict[int, tuple[Cohort, int, NextSession]] = {}
    for cohort, level, session, count in (*[row for row in rows if row.registered], *rows):
        closing = abs(session.start_date - cohort.end_date) <= AROUND_END
        title = session.kind == ExamKind.TITLE and closing
        if cohort.id not in found and (count or title):
            found[cohort.id] = (
                cohort,
                level,
                NextSession(session.id, session.kind, session.start_date, session.end_date, session.place, count),
            )
    return found


def cohort_readiness(cohort: Cohort, today: date) -> CohortReadiness:
    """The cohort's learners with their verdicts, and its next session (three queries)."""
    rows = learners_readiness(_enrolments([cohort.id]), {cohort.id: cohort.programme.acquired_level}, today)
    found = next_sessions(sa.select(Cohort).where(Cohort.id == cohort.id), today).get(cohort.id)
    return CohortReadiness(cohort, rows, found[2] if found else None)


def programme_blocks(programme_id: int) -> list[Block]:
    """The programme's blocks, in order (the columns of the page)."""
    return list(db.session.scalars(sa.select(Block).where(Block.programme_id == programme_id).order_by(Block.position)))


def weekly_lists(user: User, today: date) -> list[CohortReadiness]:
    """The cohorts `user` teaches whose next session starts within WEEKLY_LIST_WEEKS weeks, each with who is ready
    (not-ready first), by session date: three queries whatever the number of cohorts and learners."""
    due = {
        cohort_id: found
        for cohort_id, found in next_sessions(visible_cohorts(user), today).items()
        if found[2].days(today) <= WEEKLY_DAYS
    }
    if not due:
        return []
    rows = learners_readiness(_enrolments(list(due)), {key: level for key, (_c, level, _s) in due.items()}, today)
    lists = [
        CohortReadiness(cohort, [row for row in rows if row.enrolment.cohort_id == cohort.id], session)
        for cohort, _level, session in due.values()
    ]
    return sorted(lists, key=lambda item: (item.session.start_date, item.cohort.name))
