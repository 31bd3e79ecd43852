"""`flask certification import FILE`: exam results kept elsewhere, `email,session_date,block,result`, one line per
candidate and block, all or nothing, idempotent. The command line speaks English.

Each line names a learner (their email), a block by its code (RNCP37674BC01) and the result (acquired, not_acquired,
absent, or the French acquis, non acquis, absent·e; case and accents ignored). The enrolment is the learner's
enrolment in the programme of that block; the session is that programme's session starting on session_date, created
when there is none: a whole-title session when the file has every block of the programme for that day, else a
resit session of the file's blocks. The one-year limit holds as on the session's page. Every change is audited and
the derived certifications are refreshed in the same transaction.
"""

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import force_locale

from ..audit import plain, record
from ..dates import add_months
from ..extensions import db
from ..importing.problems import FileRefused
from ..importing.reading import fold, parse_date, read_table
from ..models import (
    ONE_YEAR_MONTHS,
    Block,
    BlockResult,
    Cohort,
    Enrolment,
    ExamCandidate,
    ExamKind,
    ExamResult,
    ExamSession,
    Learner,
    utcnow,
)
from ..transactions import write_transaction
from . import results

certification_cli = AppGroup("certification", help="Certification: exam results.")

REQUIRED = ("email", "session_date", "block", "result")
RESULT_WORDS = {
    "acquired": BlockResult.ACQUIRED,
    "acquis": BlockResult.ACQUIRED,
    "acquise": BlockResult.ACQUIRED,
    "notacquired": BlockResult.NOT_ACQUIRED,
    "nonacquis": BlockResult.NOT_ACQUIRED,
    "nonacquise": BlockResult.NOT_ACQUIRED,
    "absent": BlockResult.ABSENT,
    "absente": BlockResult.ABSENT,
}


class Refused(Exception):
    """The file holds problems: nothing is written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass(frozen=True)
class Line:
    line: int
    enrolment: Enrolment
    block: Block
    held_on: date
    result: BlockResult


def parse_result(text: str) -> BlockResult:
    """acquired / not_acquired / absent, or a French label (acquis, non acquis, absent·e), any case and accents."""
    word = re.sub(r"[^a-z]", "", fold(text))
    if word in RESULT_WORDS:
        return RESULT_WORDS[word]
    raise ValueError(f"'{text}' is not a result (acquired, not_acquired, absent, or acquis, non acquis, absent·e)")


@certification_cli.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def import_results(file: Path) -> None:
    """Import exam results (CSV or XLSX, ; or , separated, UTF-8 or Windows-1252), all or nothing:
    email,session_date,block,result (block: a code such as RNCP37674BC01; result: acquired, not_acquired, absent,
    or acquis, non acquis, absent·e). The session of that programme and day is created when missing."""
    try:
        content = file.read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {file}: {error.strerror or error}") from None
    with force_locale("en"):
        try:
            table = read_table(content, REQUIRED, ())
        except FileRefused as refused:
            for problem in refused.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException("file refused, nothing imported") from None
        try:
            with write_transaction():
                counts = apply(plan(table.rows))
        except Refused as refused:
            for problem in refused.problems:
                click.echo(problem, err=True)
            raise click.ClickException(f"file refused, nothing imported: {len(refused.problems)} problem(s)") from None
    if not counts["created"] and not counts["updated"] and not counts["sessions"]:
        click.echo(f"Nothing to change: the {counts['unchanged']} result(s) of the file are already recorded.")
        return
    click.echo(
        f"Imported exam results: {counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged; {counts['sessions']} session(s) created."
    )


def plan(rows: list[tuple[int, dict[str, str]]]) -> list[Line]:
    """Each line read and checked against the database; Refused with one problem per bad line."""
    learners = {
        learner.email: learner
        for learner in db.session.scalars(
            sa.select(Learner).where(Learner.email.in_({cells.get("email", "").strip().lower() for _n, cells in rows}))
        )
    }
    blocks = {block.code.upper(): block for block in db.session.scalars(sa.select(Block))}
    enrolments: dict[int, list[Enrolment]] = {}
    for enrolment in db.session.scalars(
        sa.select(Enrolment)
        .join(Cohort)
        .where(Enrolment.learner_id.in_([learner.id for learner in learners.values()] or [-1]))
        .order_by(Cohort.start_date.desc())
    ):
        enrolments.setdefault(enrolment.learner_id, []).append(enrolment)
    lines, problems, seen = [], [], {}
    for number, cells in rows:
        try:
            line = _line(number, cells, learners, blocks, enrolments)
        except ValueError as error:
            problems.append(f"line {number}: {error}")
            continue
        key = (line.enrolment.id, line.block.id, line.held_on)
        if key in seen and seen[key].result != line.result:
            other = seen[key].line
            problems.append(f"line {number}: same learner, block and session as line {other} with another result")
        elif key not in seen:
            seen[key] = line
            lines.append(line)
    problems += _year_problems(lines)
    if problems:
        raise Refused(problems)
    return lines


def _line(number: int, cells: dict[str, str], learners: dict, blocks: dict, enrolments: dict) -> Line:
    if "__extra__" in cells:
        raise ValueError("more cells than columns")
    email = cells.get("email", "").strip().lower()
    if email not in learners:
        raise ValueError(f"unknown email '{email}'")
    code = cells.get("block", "").strip()
    block = blocks.get(code.upper())
    if block is None:
        raise ValueError(f"unknown block '{code}' (a code such as RNCP37674BC01)")
    try:
        held_on = parse_date(cells.get("session_date", "").strip())
    except ValueError:
        written = cells.get("session_date", "")
        raise ValueError(f"bad session_date '{written}' (e.g. 2027-06-14 or 14/06/2027)") from None
    result = parse_result(cells.get("result", ""))
    learner = learners[email]
    mine = [e for e in enrolments.get(learner.id, []) if e.cohort.programme_id == block.programme_id]
    if not mine:
        raise ValueError(f"{email} is enrolled in no cohort of the programme of {block.code}")
    return Line(number, mine[0], block, held_on, result)


def _year_problems(lines: list[Line]) -> list[str]:
    """One problem per line whose session starts more than a year after the enrolment's first session."""
    ids = sorted({line.enrolment.id for line in lines})
    firsts = dict(
        db.session.execute(
            sa.select(ExamCandidate.enrolment_id, sa.func.min(ExamSession.start_date))
            .join(ExamSession, ExamSession.id == ExamCandidate.session_id)
            .where(ExamCandidate.enrolment_id.in_(ids or [-1]))
            .group_by(ExamCandidate.enrolment_id)
        ).all()
    )
    for line in lines:  # the file's own sessions count too
        firsts[line.enrolment.id] = min(firsts.get(line.enrolment.id, line.held_on), line.held_on)
    return [
        f"line {line.line}: the session of {line.held_on.isoformat()} starts after the one-year limit of "
        f"{line.enrolment.learner.email} ({add_months(firsts[line.enrolment.id], ONE_YEAR_MONTHS).isoformat()}, "
        "a year after their first session)"
        for line in lines
        if line.held_on > add_months(firsts[line.enrolment.id], ONE_YEAR_MONTHS)
    ]


def apply(lines: list[Line]) -> dict[str, int]:
    """Write the lines: sessions found or created, candidates registered, results created or changed (audited);
    the derived certifications refreshed. Counts of what was done."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "sessions": 0}
    by_session: dict[tuple[int, date], list[Line]] = {}
    for line in lines:
        by_session.setdefault((line.block.programme_id, line.held_on), []).append(line)
    for (programme_id, held_on), group in by_session.items():
        session = _session(programme_id, held_on, group, counts)
        for line in group:
            _result(session, line, counts)
    db.session.flush()
    results.refresh({line.enrolment.id for line in lines})
    return counts


def _session(programme_id: int, held_on: date, group: list[Line], counts: dict[str, int]) -> ExamSession:
    """The programme's session starting that day that examines the group's blocks; created when there is none."""
    wanted = {line.block.id for line in group}
    sessions = db.session.scalars(
        sa.select(ExamSession)
        .where(ExamSession.programme_id == programme_id, ExamSession.start_date == held_on)
        .order_by(ExamSession.id)
    ).all()
    for session in sessions:
        if session.kind == ExamKind.TITLE or wanted <= {block.id for block in session.blocks}:
            return session
    if sessions:
        reason = f"the session of {held_on.isoformat()} does not examine every block of the file for that day"
        raise Refused([f"line {group[0].line}: {reason}"])
    every = db.session.scalars(
        sa.select(Block).where(Block.programme_id == programme_id).order_by(Block.position)
    ).all()
    kind = ExamKind.TITLE if wanted == {block.id for block in every} else ExamKind.BLOCKS
    session = ExamSession(programme_id=programme_id, kind=kind, start_date=held_on, end_date=held_on)
    session.blocks = [block for block in every if block.id in wanted] if kind == ExamKind.BLOCKS else []
    db.session.add(session)
    db.session.flush()
    blocks = [block.code for block in session.blocks]
    after = {"kind": kind.value, "start_date": held_on.isoformat(), "blocks": blocks, "source": "import"}
    record("exam_session", session.id, "create", None, after)
    counts["sessions"] += 1
    return session


def _result(session: ExamSession, line: Line, counts: dict[str, int]) -> None:
    candidate = db.session.scalar(
        sa.select(ExamCandidate).where(
            ExamCandidate.session_id == session.id, ExamCandidate.enrolment_id == line.enrolment.id
        )
    )
    if candidate is None:
        candidate = ExamCandidate(session=session, enrolment=line.enrolment)
        db.session.add(candidate)
        after = {"session_id": session.id, "enrolment_id": line.enrolment.id, "source": "import"}
        record("exam_candidate", None, "create", None, after, learner_id=line.enrolment.learner_id)
        db.session.flush()
    row = db.session.scalar(
        sa.select(ExamResult).where(ExamResult.candidate_id == candidate.id, ExamResult.block_id == line.block.id)
    )
    if row is not None and row.result == line.result:
        counts["unchanged"] += 1
        return
    before = None if row is None else {"result": plain(row.result)}
    if row is None:
        row = ExamResult(candidate_id=candidate.id, block_id=line.block.id)
        db.session.add(row)
    row.result, row.recorded_at = line.result, utcnow()
    db.session.flush()
    action = "create" if before is None else "update"
    record("exam_result", row.id, action, before, {"result": line.result.value}, learner_id=line.enrolment.learner_id)
    counts["created" if before is None else "updated"] += 1
