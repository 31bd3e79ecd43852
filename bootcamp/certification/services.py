"""Changes to exam sessions and results that other parts of the app make: an overall certification given as one
value (the learner import's `certification` column, the demo, older data) recorded as per-block results."""

from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    BlockResult,
    Certification,
    Cohort,
    Enrolment,
    ExamCandidate,
    ExamKind,
    ExamResult,
    ExamSession,
    utcnow,
)
from . import results


def block_results(certification: Certification, blocks: int) -> list[BlockResult | None]:
    """Per-block results, in the programme's block order, that derive back to `certification` (migration 0008
    holds a copy): obtained -> all acquired; partial -> the first acquired, the others not; failed -> none
    acquired; absent -> absent from all; pending -> no result yet."""
    if certification == Certification.PARTIAL:
        return [BlockResult.ACQUIRED, *[BlockResult.NOT_ACQUIRED] * (blocks - 1)]
    single = {
        Certification.OBTAINED: BlockResult.ACQUIRED,
        Certification.FAILED: BlockResult.NOT_ACQUIRED,
        Certification.ABSENT: BlockResult.ABSENT,
        Certification.PENDING: None,
    }[certification]
    return [single] * blocks


def record_overall(enrolment: Enrolment, certification: Certification | None, held_on: date) -> None:
    """Record `certification` for `enrolment` as its results at a whole-title session of its programme held on
    `held_on` (found, or created), replacing the results it had there; None withdraws it from that session.
    The derived certification is refreshed; the caller commits."""
    cohort = enrolment.cohort or db.session.get(Cohort, enrolment.cohort_id)
    session = db.session.scalar(
        sa.select(ExamSession).where(
            ExamSession.programme_id == cohort.programme_id,
            ExamSession.kind == ExamKind.TITLE,
            ExamSession.start_date == held_on,
        ).order_by(ExamSession.id)
    )
    if session is None:
        session = ExamSession(
            programme_id=cohort.programme_id, kind=ExamKind.TITLE, start_date=held_on, end_date=held_on
        )
        db.session.add(session)
        db.session.flush()
    candidate = db.session.scalar(
        sa.select(ExamCandidate).where(
            ExamCandidate.session_id == session.id, ExamCandidate.enrolment_id == enrolment.id
        )
    )
    if candidate is not None:
        db.session.delete(candidate)
        db.session.flush()
    if certification is not None:
        candidate = ExamCandidate(session_id=session.id, enrolment_id=enrolment.id)
        db.session.add(candidate)
        db.session.flush()
        blocks = cohort.programme.blocks
        for block, result in zip(blocks, block_results(certification, len(blocks)), strict=True):
            db.session.add(
                ExamResult(
                    candidate_id=candidate.id,
                    block_id=block.id,
                    result=result,
                    recorded_at=utcnow() if result is not None else None,
                )
            )
        db.session.flush()
    results.refresh([enrolment.id])
