"""Changes to exam sessions and results that other parts of the app make: an overall certification given as one
value (the learner import's `certification` column) recorded as per-block results."""

from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Block,
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


def record_overall(wanted: Mapping[int, Certification | str]) -> None:
    """Record each enrolment's overall certification (enrolment id -> a Certification or its code) as its results
    at the whole-title session of its programme held on its exit date (or its cohort's end), found or created,
    replacing those it had there: a fixed number of statements however many. The caller writes the derived
    certifications (results.refresh) and commits."""
    if not wanted:
        return
    held = {
        enrolment_id: (programme_id, exit_date or end_date)
        for enrolment_id, programme_id, exit_date, end_date in db.session.execute(
            sa.select(Enrolment.id, Cohort.programme_id, Enrolment.exit_date, Cohort.end_date)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(Enrolment.id.in_(wanted))
        )
    }
    if not held:
        return
    sessions = _title_sessions(set(held.values()))
    at = {enrolment_id: sessions[key] for enrolment_id, key in held.items()}
    for session_id in set(at.values()):
        registered = sa.select(ExamCandidate.id).where(
            ExamCandidate.session_id == session_id,
            ExamCandidate.enrolment_id.in_([e for e, s in at.items() if s == session_id]),
        )
        db.session.execute(sa.delete(ExamResult).where(ExamResult.candidate_id.in_(registered)))
        db.session.execute(sa.delete(ExamCandidate).where(ExamCandidate.id.in_(registered)))
    candidates = dict(
        db.session.execute(
            sa.insert(ExamCandidate).returning(ExamCandidate.enrolment_id, ExamCandidate.id),
            [{"session_id": session_id, "enrolment_id": enrolment_id} for enrolment_id, session_id in at.items()],
        ).all()
    )
    blocks: dict[int, list[int]] = {}
    for programme_id, block_id in db.session.execute(
        sa.select(Block.programme_id, Block.id).order_by(Block.programme_id, Block.position)
    ):
        blocks.setdefault(programme_id, []).append(block_id)
    now, rows = utcnow(), []
    for enrolment_id, candidate_id in candidates.items():
        programme_blocks = blocks.get(held[enrolment_id][0], [])
        values = block_results(Certification(wanted[enrolment_id]), len(programme_blocks))
        rows += [
            {"candidate_id": candidate_id, "block_id": block, "result": result, "recorded_at": now if result else None}
            for block, result in zip(programme_blocks, values, strict=True)
        ]
    if rows:
        db.session.execute(sa.insert(ExamResult), rows)


def _title_sessions(wanted: set[tuple[int, date]]) -> dict[tuple[int, date], int]:
    """The whole-title session of each (programme, day), the oldest when several: found, or created."""
    found: dict[tuple[int, date], int] = {}
    for session_id, programme_id, day in db.session.execute(
        sa.select(ExamSession.id, ExamSession.programme_id, ExamSession.start_date)
        .where(
            ExamSession.kind == ExamKind.TITLE,
            ExamSession.programme_id.in_({programme_id for programme_id, _day in wanted}),
            ExamSession.start_date.in_({day for _programme_id, day in wanted}),
        )
        .order_by(ExamSession.id.desc())
    ):
        found[(programme_id, day)] = session_id
    missing = sorted(wanted - set(found))
    if missing:
        rows = [{"programme_id": p, "kind": ExamKind.TITLE, "start_date": d, "end_date": d} for p, d in missing]
        inserted = sa.insert(ExamSession).returning(ExamSession.programme_id, ExamSession.start_date, ExamSession.id)
        found |= {(programme_id, day): id_ for programme_id, day, id_ in db.session.execute(inserted, rows)}
    return {key: found[key] for key in wanted}
