"""Importing attendance kept in another sign-in tool: `email,date,half_day,status,minutes,reason,justified`, one line
per learner and half-day of one cohort, all or nothing (`flask attendance import FILE --cohort NAME`).

Each line names a learner enrolled in the cohort (and not gone before that day, nor on one of their placements that
day: « en entreprise », refused) and one of the cohort's half-days that exists, is held in the centre, is not
cancelled and has begun. `minutes` goes with late and left_early only (1 to the half-day's length − 1), `reason` and
`justified` = yes with an absence only. An empty reason or justified
keeps what Bootcamp knows of that absence (a learner's claim, a trainer's decision), and `justified` = no leaves a
claim pending or refused as it is: neither counts as justified. The record's source becomes « import »; a learner's
own signature (its time) stays. New records are written with one bulk INSERT, changed ones through the ORM (their
version), flushed once; one audit event per change.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from .. import dates
from ..audit import actor_id, plain
from ..extensions import db
from ..labels import label
from ..models import (
    AbsenceReason,
    AttendanceRecord,
    AttendanceSession,
    Cohort,
    Enrolment,
    HalfDay,
    Justification,
    Learner,
    Placement,
    Presence,
    SessionKind,
    SessionState,
    SignatureSource,
    utcnow,
)
from ..placements.days import covers
from ..transactions import end_transaction
from .aliases import ReadingColumns
from .reading import FileRefused, Plan, Problem, RowCheck, parse_code, parse_date, parse_yes_no, read_table
from .writing import AuditRow, current_version, record_all

REQUIRED = ("email", "date", "half_day", "status")
OPTIONAL = ("minutes", "reason", "justified")
RECORD_FIELDS = ("presence", "minutes", "reason", "justification")  # what a line sets, compared to the record
TIMED = (Presence.LATE, Presence.LEFT_EARLY)  # with their minutes
TYPES: dict[str, Any] = {"presence": Presence, "reason": AbsenceReason, "justification": Justification}
NOT_JUSTIFIED = (Justification.UNJUSTIFIED, Justification.PENDING, Justification.REFUSED)


@dataclass
class Line:
    """One line's cells, parsed (None where empty or wrong); `valid` when its cells alone hold no problem."""

    line: int
    email: str
    day: date | None
    half_day: HalfDay | None
    presence: Presence | None
    minutes: int | None
    reason: AbsenceReason | None
    justified: bool | None
    valid: bool = True


@dataclass
class AttendanceChange:
    line: int
    email: str
    day: date
    half_day: HalfDay
    values: dict[str, Any]  # RECORD_FIELDS as plain values (codes)
    session_id: int
    enrolment_id: int
    learner_id: int
    record_id: int | None = None  # the record already there
    before: dict[str, Any] | None = field(default=None, repr=False)  # RECORD_FIELDS and source, as plain values

    @property
    def kind(self) -> str:
        if self.before is None:
            return "create"
        return "unchanged" if {name: self.before[name] for name in RECORD_FIELDS} == self.values else "update"

    def audited(self, values: dict[str, Any] | None) -> dict[str, Any] | None:
        """A record's values for the audit trail, with its half-day."""
        return None if values is None else {"day": self.day.isoformat(), "half_day": self.half_day.value, **values}


class AttendancePlan(Plan):
    def fingerprint(self, change: AttendanceChange) -> object:
        return change.email, change.day, change.half_day, change.kind, sorted(change.values.items())


def _minutes(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise ValueError(_("« %(value)s » n'est pas un nombre entier de minutes", value=text))
    return int(text)


def _line(number: int, cells: dict[str, str], names: dict[str, str], problems: list[Problem]) -> Line | None:
    """Parse one line's cells and check them together; add their problems."""
    check = RowCheck(number, cells, names)
    if check.problems:  # too many cells: the columns cannot be trusted
        problems.extend(check.problems)
        return None
    email = check.text("email", Learner.email).lower()
    check.require(REQUIRED)
    line = Line(
        number,
        email,
        day=check.parse("date", parse_date),
        half_day=check.parse("half_day", parse_code, HalfDay),
        presence=check.parse("status", parse_code, Presence),
        minutes=check.parse("minutes", _minutes),
        reason=check.parse("reason", parse_code, AbsenceReason),
        justified=check.parse("justified", parse_yes_no),
    )
    if line.presence in TIMED and not cells.get("minutes"):
        check.refuse("minutes", _("un retard ou un départ anticipé demande ses minutes"))
    if line.presence in (Presence.PRESENT, Presence.ABSENT) and line.minutes:
        check.refuse("minutes", _("des minutes ne vont qu'avec les statuts late et left_early (vide ou 0 sinon)"))
    if line.presence not in (None, Presence.ABSENT) and cells.get("reason"):
        check.refuse("reason", _("un motif ne va qu'avec le statut absent"))
    if line.presence not in (None, Presence.ABSENT) and line.justified:
        check.refuse("justified", _("justifié = oui ne va qu'avec le statut absent"))
    problems.extend(check.problems)
    line.valid = not check.problems
    return line


def read_lines(content: bytes) -> tuple[list[Line], list[Problem], dict[str, str]]:
    """Every line of the file checked on its own (no database): the lines, every problem, and the columns' headers
    as the file spells them (machine name -> header)."""
    try:
        with ReadingColumns("attendance_column"):
            table = read_table(content, REQUIRED, OPTIONAL)
    except FileRefused as refused:
        return [], refused.problems, {}
    problems: list[Problem] = []
    lines = [line for number, cells in table.rows if (line := _line(number, cells, table.names, problems))]
    if not table.rows:
        problems.append(Problem(2, "", _("aucune ligne de données")))
    return lines, problems, table.names


@dataclass
class Known:
    """What the database holds for the file: learners by email, the cohort's half-days and their records."""

    cohort_id: int
    cohort_name: str
    learners: dict[str, Learner]
    sessions: dict[tuple[date, HalfDay], AttendanceSession]
    records: dict[tuple[int, int], sa.Row]  # (session_id, enrolment_id) -> the record's id, RECORD_FIELDS, source
    now: datetime
    placements: dict[int, list[Placement]] = field(default_factory=dict)  # the cohort's, by enrolment id


def _known(cohort_id: int, cohort_name: str, lines: list[Line]) -> Known:
    """Read the learners, half-days, records and placements the file names: five queries whatever its size."""
    learners = {
        learner.email: learner
        for learner in db.session.scalars(
            sa.select(Learner)
            .options(selectinload(Learner.enrolments))
            .where(Learner.email.in_({line.email for line in lines if line.email}))
        )
    }
    days = [line.day for line in lines if line.day is not None]
    sessions, records, placements = {}, {}, {}
    if days:
        first, last = min(days), max(days)
        within = sa.and_(AttendanceSession.cohort_id == cohort_id, AttendanceSession.day.between(first, last))
        sessions = {
            (session.day, session.half_day): session
            for session in db.session.scalars(sa.select(AttendanceSession).where(within))
        }
        columns = [getattr(AttendanceRecord, name) for name in ("id", "session_id", "enrolment_id", *RECORD_FIELDS)]
        query = sa.select(*columns, AttendanceRecord.source).join(AttendanceRecord.session).where(within)
        records = {(row.session_id, row.enrolment_id): row for row in db.session.execute(query)}
        placements = _placements(cohort_id, first, last)
    return Known(cohort_id, cohort_name, learners, sessions, records, dates.now(), placements)


def _placements(cohort_id: int, first: date, last: date) -> dict[int, list[Placement]]:
    """The placements of the cohort's enrolments that touch first..last, by enrolment id (one query)."""
    found: dict[int, list[Placement]] = {}
    for placement in db.session.scalars(
        sa.select(Placement)
        .join(Enrolment, Enrolment.id == Placement.enrolment_id)
        .where(Enrolment.cohort_id == cohort_id, Placement.start_date <= last, Placement.end_date >= first)
    ):
        found.setdefault(placement.enrolment_id, []).append(placement)
    return found


def _enrolment(line: Line, known: Known) -> tuple[Enrolment | None, str | None]:
    """The learner's enrolment in the cohort, or why the line's email cannot be recorded there."""
    learner = known.learners.get(line.email)
    if learner is None:
        return None, _("aucun·e apprenant·e avec l'adresse %(email)s", email=line.email)
    enrolment = next((e for e in learner.enrolments if e.cohort_id == known.cohort_id), None)
    if enrolment is None:
        return None, _("%(email)s n'est pas inscrit·e dans %(cohort)s", email=line.email, cohort=known.cohort_name)
    if line.day is not None and enrolment.exit_date is not None and line.day > enrolment.exit_date:
        left = enrolment.exit_date.isoformat()
        return None, _("%(email)s a quitté la promotion le %(day)s", email=line.email, day=left)
    if line.day is not None and covers(known.placements.get(enrolment.id, []), line.day):
        return None, _(
            "%(email)s est en entreprise le %(day)s (stage) : pas d'appel au centre",
            email=line.email,
            day=line.day.isoformat(),
        )
    return enrolment, None


def _session(day: date, half_day: HalfDay, known: Known) -> tuple[AttendanceSession | None, str | None]:
    """The cohort's half-day a line names, or why it has no roll call."""
    which = {"half_day": label(half_day), "day": day.isoformat()}
    session = known.sessions.get((day, half_day))
    if session is None:
        reason = _("%(cohort)s n'a pas de demi-journée le %(day)s (%(half_day)s)", cohort=known.cohort_name, **which)
        return None, reason
    if session.state == SessionState.CANCELLED:
        return None, _("la demi-journée du %(day)s (%(half_day)s) est annulée", **which)
    if session.kind == SessionKind.PLACEMENT:
        return None, _("le %(day)s (%(half_day)s) est en entreprise : pas d'appel au centre", **which)
    if datetime.combine(session.day, session.starts_at) > known.now:
        return None, _("la demi-journée du %(day)s (%(half_day)s) n'a pas encore commencé", **which)
    return session, None


def _minutes_problem(line: Line, session: AttendanceSession) -> str | None:
    if line.presence not in TIMED or line.minutes is None or 1 <= line.minutes < session.planned_minutes:
        return None
    return _(
        "entre 1 et %(max)d minutes : la demi-journée en dure %(planned)d",
        max=session.planned_minutes - 1,
        planned=session.planned_minutes,
    )


def _values(presence: Presence, line: Line, before: sa.Row | None) -> dict[str, Any]:
    """What a valid line sets, as plain values; an absence's empty reason or justified keeps what was known."""
    if presence != Presence.ABSENT:
        return {
            "presence": presence.value,
            "minutes": line.minutes or 0,
            "reason": None,
            "justification": Justification.UNJUSTIFIED.value,
        }
    known = before.justification if before is not None else Justification.UNJUSTIFIED
    if line.justified:
        justification = Justification.ACCEPTED
    elif line.justified is None or known in NOT_JUSTIFIED:
        justification = known  # empty: kept; no: a pending or refused claim stays as it is
    else:
        justification = Justification.UNJUSTIFIED
    reason = line.reason or (before.reason if before is not None else None)
    return {
        "presence": presence.value,
        "minutes": 0,
        "reason": plain(reason),
        "justification": plain(justification),
    }


Seen = dict[tuple[str, date, HalfDay], int]  # (email, day, half-day) -> the first line that names it


def _check(
    line: Line, known: Known, names: dict[str, str], seen: Seen, problems: list[Problem]
) -> AttendanceChange | None:
    """Check a line against the database and the lines before it; add its problems; the change it asks for when
    it is valid."""
    found: list[Problem] = []

    def refuse(column: str, reason: str) -> None:
        found.append(Problem(line.line, names.get(column, column), reason))

    enrolment, problem = _enrolment(line, known) if line.email else (None, None)
    if problem:
        refuse("email", problem)
    session = None
    if line.day is not None and line.half_day is not None:
        session, problem = _session(line.day, line.half_day, known)
        if problem:
            refuse("date", problem)
        twice = (line.email, line.day, line.half_day)
        if line.email and twice in seen:
            first = seen[twice]
            refuse(
                "email", _("%(email)s figure déjà ligne %(line)d pour cette demi-journée", email=line.email, line=first)
            )
        seen.setdefault(twice, line.line)
    if session is not None and (problem := _minutes_problem(line, session)):
        refuse("minutes", problem)
    problems.extend(found)
    if found or not line.valid or enrolment is None or session is None or line.presence is None:
        return None
    before = known.records.get((session.id, enrolment.id))
    values = _values(line.presence, line, before)
    change = AttendanceChange(
        line.line, line.email, session.day, session.half_day, values, session.id, enrolment.id, enrolment.learner_id
    )
    if before is not None:
        change.record_id = before.id
        change.before = {name: plain(getattr(before, name)) for name in (*RECORD_FIELDS, "source")}
    return change


def plan_attendance(content: bytes, cohort: Cohort) -> AttendancePlan:
    """Check the whole file against the cohort's learners, half-days and records; nothing is written.

    The file is read with no transaction open (transactions.py), then the database once (a fixed number of queries).
    """
    cohort_id, cohort_name = cohort.id, cohort.name
    end_transaction()
    lines, problems, names = read_lines(content)
    version = current_version()
    known = _known(cohort_id, cohort_name, lines)
    seen: Seen = {}
    changes = [change for line in lines if (change := _check(line, known, names, seen, problems))]
    return AttendancePlan(changes, problems, data_version=version)


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    """Plain values (codes) back to what the model's columns hold."""
    return {
        name: TYPES[name](value) if name in TYPES and value is not None else value for name, value in values.items()
    }


def _after(change: AttendanceChange) -> dict[str, Any] | None:
    return change.audited({**change.values, "source": SignatureSource.IMPORT.value})


def _create(changes: list[AttendanceChange]) -> list[AuditRow]:
    """Insert the new records in bulk; return their audit events."""
    if not changes:
        return []
    actor, now = actor_id(), utcnow()
    rows = [
        {
            "session_id": change.session_id,
            "enrolment_id": change.enrolment_id,
            **_typed(change.values),
            "source": SignatureSource.IMPORT,
            "recorded_by_id": actor,
            "recorded_at": now,
        }
        for change in changes
    ]
    table = AttendanceRecord.__table__  # Core: one statement for every row (the ORM groups them by their NULLs)
    inserted = sa.insert(table).returning(table.c.id, table.c.session_id, table.c.enrolment_id)
    ids = {(session, enrolment): record for record, session, enrolment in db.session.execute(inserted, rows)}
    return [
        AuditRow(
            "attendance_record",
            ids[change.session_id, change.enrolment_id],
            "create",
            None,
            _after(change),
            change.learner_id,
        )
        for change in changes
    ]


def _update(changes: list[AttendanceChange]) -> list[AuditRow]:
    """Change the records through the ORM (their version), flushed once; a learner's signature time stays."""
    if not changes:
        return []
    actor, now = actor_id(), utcnow()
    records = {
        record.id: record
        for record in db.session.scalars(
            sa.select(AttendanceRecord).where(AttendanceRecord.id.in_([change.record_id for change in changes]))
        )
    }
    events = []
    for change in changes:
        record = records[change.record_id]
        for name, value in _typed(change.values).items():
            setattr(record, name, value)
        record.source, record.recorded_by_id, record.recorded_at = SignatureSource.IMPORT, actor, now
        before = change.audited(change.before)
        events.append(AuditRow("attendance_record", record.id, "update", before, _after(change), change.learner_id))
    db.session.flush()  # once
    return events


def apply_attendance(plan: AttendancePlan) -> dict[str, int]:
    """Write the plan (the caller commits: one transaction), audited. Return how many of each kind."""
    record_all(_create(plan.of_kind("create")) + _update(plan.of_kind("update")))
    return plan.counts()
