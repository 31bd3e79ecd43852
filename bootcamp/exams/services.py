"""Changes to exam sessions: creating and editing one, registering and removing candidates (the one-year limit,
the blocks each one sits), recording a session's results all or nothing. Audited; the caller commits."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from .. import dates
from ..audit import plain, record, snapshot
from ..certification import results
from ..extensions import db
from ..models import (
    ONE_YEAR_MONTHS,
    Block,
    BlockResult,
    Enrolment,
    ExamCandidate,
    ExamKind,
    ExamResult,
    ExamSession,
    Programme,
    utcnow,
)
from ..transactions import lock_rows

SESSION_FIELDS = ("programme_id", "kind", "start_date", "end_date", "place", "jury")


class ExamError(ValueError):
    """A change refused, with a message for the manager."""


def examined_blocks(session: ExamSession) -> list[Block]:
    """The blocks a session examines: every block of the programme for a whole title, else its own."""
    return list(session.programme.blocks) if session.kind == ExamKind.TITLE else list(session.blocks)


def deadline(first_on: date) -> date:
    """The last day a session may start for a candidate whose first session started `first_on`."""
    return dates.add_months(first_on, ONE_YEAR_MONTHS)


def first_sessions(enrolment_ids: list[int], leaving_out: int | None = None) -> dict[int, date]:
    """The start of each enrolment's first session (those registered somewhere), leaving one session out."""
    if not enrolment_ids:
        return {}
    query = (
        sa.select(ExamCandidate.enrolment_id, sa.func.min(ExamSession.start_date))
        .join(ExamSession, ExamSession.id == ExamCandidate.session_id)
        .where(ExamCandidate.enrolment_id.in_(enrolment_ids))
        .group_by(ExamCandidate.enrolment_id)
    )
    if leaving_out is not None:
        query = query.where(ExamSession.id != leaving_out)
    return dict(db.session.execute(query).all())


def acquired_blocks(enrolment_ids: list[int]) -> dict[int, set[int]]:
    """The blocks each enrolment has acquired (at any session counted by the derivation)."""
    table = results.block_standing(results.LATEST)
    rows = db.session.execute(
        sa.select(table.c.enrolment_id, table.c.block_id).where(
            table.c.enrolment_id.in_(enrolment_ids or [-1]), table.c.status == BlockResult.ACQUIRED.value
        )
    )
    acquired: dict[int, set[int]] = {}
    for enrolment_id, block_id in rows:
        acquired.setdefault(enrolment_id, set()).add(block_id)
    return acquired


def create_session(programme: Programme, kind: ExamKind, blocks: list[Block], values: dict) -> ExamSession:
    """A new session of `programme`; a `blocks` session examines `blocks` (at least one)."""
    if kind == ExamKind.BLOCKS and not blocks:
        raise ExamError(_("Choisissez les blocs examinés par cette session."))
    session = ExamSession(programme=programme, kind=kind, **values)
    session.blocks = list(blocks) if kind == ExamKind.BLOCKS else []
    db.session.add(session)
    db.session.flush()
    after = snapshot(session, SESSION_FIELDS) | {"blocks": [block.code for block in session.blocks]}
    record("exam_session", session.id, "create", None, after)
    return session


def update_session(session: ExamSession, values: dict) -> bool:
    """Change a session's dates, place and jury; True if something changed. Results recorded stay only if the
    session still started by today."""
    before = snapshot(session, SESSION_FIELDS)
    if values["start_date"] > dates.today() and recorded_count(session) > 0:
        raise ExamError(_("Des résultats sont enregistrés : la session ne peut pas commencer après aujourd'hui."))
    if values["start_date"] != session.start_date:
        _check_deadlines(session, values["start_date"])
    for name, value in values.items():
        setattr(session, name, value)
    after = snapshot(session, SESSION_FIELDS)
    if after == before:
        return False
    db.session.flush()
    record("exam_session", session.id, "update", before, after)
    results.refresh([candidate.enrolment_id for candidate in session.candidates])
    return True


def _check_deadlines(session: ExamSession, start: date) -> None:
    """Moving a session's start past a candidate's one-year limit (their first session elsewhere + 12 months) is
    refused, naming them: the limit holds however the session got its candidates."""
    firsts = first_sessions([candidate.enrolment_id for candidate in session.candidates], leaving_out=session.id)
    late = [
        candidate.enrolment.learner.full_name
        for candidate in session.candidates
        if (first := firsts.get(candidate.enrolment_id)) is not None and start > deadline(first)
    ]
    if late:
        raise ExamError(
            _(
                "Commencer le %(day)s dépasserait le délai d'un an après leur première session pour : %(names)s.",
                day=format_date(start, "short"),
                names=", ".join(sorted(late)),
            )
        )


def recorded_count(session: ExamSession) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(ExamResult.id))
        .join(ExamCandidate, ExamCandidate.id == ExamResult.candidate_id)
        .where(ExamCandidate.session_id == session.id, ExamResult.result.is_not(None))
    )


@dataclass
class Registration:
    added: list[Enrolment]
    refused: list[str]  # one message per enrolment left out, naming the learner


def register(session: ExamSession, enrolments: list[Enrolment]) -> Registration:
    """Register these enrolments (of the session's programme): each sits every block of a whole-title session, or
    the session's blocks it has not acquired yet. Refused: already registered, past the one-year limit, nothing
    left to sit. Audited; the derived certifications are refreshed."""
    ids = [enrolment.id for enrolment in enrolments]
    lock_rows(Enrolment, ids)  # two managers registering the same learner: the second waits, then sees it
    registered = set(
        db.session.scalars(
            sa.select(ExamCandidate.enrolment_id).where(
                ExamCandidate.session_id == session.id, ExamCandidate.enrolment_id.in_(ids or [-1])
            )
        )
    )
    firsts, acquired = first_sessions(ids, leaving_out=session.id), acquired_blocks(ids)
    outcome = Registration([], [])
    for enrolment in enrolments:
        name = enrolment.learner.full_name
        blocks = [block for block in examined_blocks(session) if block.id not in acquired.get(enrolment.id, set())]
        if enrolment.cohort.programme_id != session.programme_id:
            outcome.refused.append(_("%(name)s ne suit pas le titre de cette session.", name=name))
        elif enrolment.id in registered:
            outcome.refused.append(_("%(name)s est déjà inscrit·e à cette session.", name=name))
        elif (first := firsts.get(enrolment.id)) and session.start_date > (limit := deadline(first)):
            outcome.refused.append(
                _(
                    "%(name)s : le délai d'un an après sa première session (%(first)s) est dépassé depuis le "
                    "%(deadline)s.",
                    name=name,
                    first=format_date(first, "short"),
                    deadline=format_date(limit, "short"),
                )
            )
        elif not blocks:
            outcome.refused.append(_("%(name)s a déjà acquis tous les blocs de cette session.", name=name))
        else:
            _add_candidate(session, enrolment, blocks)
            outcome.added.append(enrolment)
    db.session.flush()
    results.refresh([enrolment.id for enrolment in outcome.added])
    return outcome


def _add_candidate(session: ExamSession, enrolment: Enrolment, blocks: list[Block]) -> None:
    candidate = ExamCandidate(session=session, enrolment=enrolment)
    candidate.results = [ExamResult(block=block) for block in blocks]
    db.session.add(candidate)
    record(
        "exam_candidate",
        None,
        "create",
        None,
        {"session_id": session.id, "enrolment_id": enrolment.id, "blocks": [block.code for block in blocks]},
        learner_id=enrolment.learner_id,
    )


def unregister(candidate: ExamCandidate) -> None:
    """Remove a candidate from a session: refused once a result of theirs is recorded."""
    if any(result.result is not None for result in candidate.results):
        raise ExamError(_("Des résultats sont enregistrés pour ce ou cette candidat·e : impossible de le retirer."))
    enrolment = candidate.enrolment
    before = {"session_id": candidate.session_id, "enrolment_id": enrolment.id}
    record("exam_candidate", candidate.id, "delete", before, None, learner_id=enrolment.learner_id)
    db.session.delete(candidate)
    db.session.flush()
    results.refresh([enrolment.id])


class StaleGrid(Exception):
    """Some cells changed since the grid was shown: nothing written."""

    def __init__(self, changed: list[ExamResult]) -> None:
        super().__init__("stale grid")
        self.changed = changed


def record_results(session: ExamSession, cells: dict[int, tuple[BlockResult | None, int]], user_id: int) -> int:
    """Write the grid: result id -> (result, version shown). All or nothing: StaleGrid when any cell changed since
    it was shown; ExamError before the session's start or for a cell not of this session. Returns how many
    changed."""
    lock_rows(ExamResult, list(cells))
    rows = db.session.scalars(
        sa.select(ExamResult)
        .join(ExamCandidate, ExamCandidate.id == ExamResult.candidate_id)
        .where(ExamCandidate.session_id == session.id, ExamResult.id.in_(list(cells) or [-1]))
        .options(joinedload(ExamResult.candidate).joinedload(ExamCandidate.enrolment))
        .order_by(ExamResult.id)
        .execution_options(populate_existing=True)
    ).all()
    if len(rows) != len(cells):
        raise ExamError(_("Certaines cases ne sont pas des résultats de cette session : rechargez la page."))
    stale = [row for row in rows if row.version != cells[row.id][1]]
    if stale:
        raise StaleGrid(stale)
    changed = [row for row in rows if row.result != cells[row.id][0]]
    if changed and session.start_date > dates.today():
        raise ExamError(
            _(
                "La session commence le %(day)s : ses résultats s'enregistrent à partir de ce jour.",
                day=format_date(session.start_date, "short"),
            )
        )
    for row in changed:
        before = {"result": plain(row.result)}
        row.result = cells[row.id][0]
        row.recorded_by_id, row.recorded_at = (user_id, utcnow()) if row.result is not None else (None, None)
        record("exam_result", row.id, "update", before, {"result": plain(row.result)},
               learner_id=row.candidate.enrolment.learner_id)
    db.session.flush()
    results.refresh({row.candidate.enrolment_id for row in changed})
    return len(changed)
