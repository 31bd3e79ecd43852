"""What the exam pages show: the sessions with their counts, a session's grid, the candidates proposed for it. A
fixed number of queries whatever the number of candidates."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from .. import dates
from ..certification import results
from ..extensions import db
from ..models import (
    Block,
    Certification,
    Cohort,
    Enrolment,
    ExamCandidate,
    ExamResult,
    ExamSession,
    Learner,
)
from ..params import Page
from .services import acquired_blocks, deadline, examined_blocks, first_sessions

RESIT = (Certification.PARTIAL, Certification.FAILED, Certification.ABSENT)


PER_PAGE = 20


def session_rows(page: int = 1) -> Page[tuple[ExamSession, int, int, int]]:
    """(session, candidates, results recorded, results expected), PER_PAGE a page: upcoming sessions first
    (soonest first), then past ones (latest first)."""
    counts = (
        sa.select(
            ExamCandidate.session_id,
            sa.func.count(sa.distinct(ExamCandidate.id)).label("candidates"),
            sa.func.count(ExamResult.result).label("recorded"),
            sa.func.count(ExamResult.id).label("expected"),
        )
        .outerjoin(ExamResult, ExamResult.candidate_id == ExamCandidate.id)
        .group_by(ExamCandidate.session_id)
    ).subquery()
    today = dates.today()
    upcoming = ExamSession.start_date >= today
    rows = db.session.execute(
        sa.select(ExamSession, counts.c.candidates, counts.c.recorded, counts.c.expected)
        .options(joinedload(ExamSession.programme))
        .outerjoin(counts, counts.c.session_id == ExamSession.id)
        .order_by(
            sa.case((upcoming, 0), else_=1),
            sa.case((upcoming, ExamSession.start_date), else_=None),
            ExamSession.start_date.desc(),
            ExamSession.id,
        )
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    total = db.session.scalar(sa.select(sa.func.count(ExamSession.id)))
    return Page([(session, count or 0, recorded or 0, expected or 0) for session, count, recorded, expected in rows],
                page, total, PER_PAGE)


@dataclass
class CandidateRow:
    candidate: ExamCandidate
    cells: dict[int, ExamResult]  # block id -> its result row (the blocks the candidate sits)
    certification: Certification | None
    deadline: date | None


@dataclass
class Proposal:
    enrolment: Enrolment
    certification: Certification
    missing: list[Block]
    deadline: date


@dataclass
class SessionPage:
    session: ExamSession
    blocks: list[Block]
    rows: list[CandidateRow]
    proposals: list[Proposal] = field(default_factory=list)


def session_page(session: ExamSession) -> SessionPage:
    """The session's blocks, each candidate with their result cells, derived certification and deadline, and
    the candidates proposed for a resit."""
    candidates = db.session.scalars(
        sa.select(ExamCandidate)
        .join(Enrolment, Enrolment.id == ExamCandidate.enrolment_id)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .where(ExamCandidate.session_id == session.id)
        .options(
            selectinload(ExamCandidate.results),
            joinedload(ExamCandidate.enrolment).joinedload(Enrolment.learner),
            joinedload(ExamCandidate.enrolment).joinedload(Enrolment.cohort),
        )
        .order_by(Learner.last_name, Learner.first_name, ExamCandidate.id)
    ).all()
    ids = [candidate.enrolment_id for candidate in candidates]
    derived, firsts = results.statuses(ids), first_sessions(ids)
    rows = [
        CandidateRow(
            candidate,
            {result.block_id: result for result in candidate.results},
            derived.get(candidate.enrolment_id),
            deadline(firsts[candidate.enrolment_id]) if candidate.enrolment_id in firsts else None,
        )
        for candidate in candidates
    ]
    page = SessionPage(session, examined_blocks(session), rows)
    page.proposals = proposals(session, page.blocks, set(ids))
    return page


def proposals(session: ExamSession, blocks: list[Block], registered: set[int]) -> list[Proposal]:
    """Enrolments of the programme whose certification is partial, failed or absent, with blocks this session
    examines still to acquire, not registered here, and whose year since their first session covers its start."""
    standing = results.standing(results.LATEST)
    enrolments = db.session.execute(
        sa.select(Enrolment, standing.c.status)
        .join(standing, standing.c.enrolment_id == Enrolment.id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .where(
            Cohort.programme_id == session.programme_id,
            standing.c.status.in_([status.value for status in RESIT]),
            Enrolment.id.not_in(registered or {-1}),
        )
        .options(joinedload(Enrolment.learner))
        .order_by(Learner.last_name, Learner.first_name, Enrolment.id)
    ).all()
    ids = [enrolment.id for enrolment, _status in enrolments]
    firsts, acquired = first_sessions(ids), acquired_blocks(ids)
    proposed = []
    for enrolment, status in enrolments:
        first = firsts.get(enrolment.id)
        missing = [block for block in blocks if block.id not in acquired.get(enrolment.id, set())]
        if first is None or not missing or not first < session.start_date <= deadline(first):
            continue
        proposed.append(Proposal(enrolment, Certification(status), missing, deadline(first)))
    return proposed


def programme_cohorts(session: ExamSession) -> list[Cohort]:
    """The cohorts of the session's programme, the latest first."""
    return list(
        db.session.scalars(
            sa.select(Cohort).where(Cohort.programme_id == session.programme_id).order_by(
                Cohort.start_date.desc(), Cohort.name
            )
        )
    )


def cohort_enrolments(cohort_id: int, programme_id: int) -> list[Enrolment]:
    """The enrolments of a cohort of this programme, with their learner."""
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .join(Learner, Learner.id == Enrolment.learner_id)
            .where(Enrolment.cohort_id == cohort_id, Cohort.programme_id == programme_id)
            .options(joinedload(Enrolment.learner), joinedload(Enrolment.cohort))
            .order_by(Learner.last_name, Learner.first_name)
        )
    )


def enrolments_by_id(ids: list[int], programme_id: int) -> list[Enrolment]:
    """These enrolments if of the programme (others are left out), with their learner and cohort."""
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(Enrolment.id.in_(ids or [-1]), Cohort.programme_id == programme_id)
            .options(joinedload(Enrolment.learner), joinedload(Enrolment.cohort))
            .order_by(Enrolment.id)
        )
    )
