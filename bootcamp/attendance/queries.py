"""What the attendance pages and exports read: the learners of a cohort's month, its half-days and roll calls, and
each learner's hours (hours.py: the one definition) and « entreprise » hours (placements/days.py: the one definition),
in a fixed number of queries whatever the size."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..dates import add_months
from ..extensions import db
from ..learners.names import by_name
from ..learners.queries import current_enrolment, month_starts
from ..models import (
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
)
from ..placements.days import EntrepriseHours, covers
from .hours import Hours, counted_records, minute_sums

# What a cell of the month shows, in the legend's order.
PRESENT, LATE, LEFT_EARLY = "present", "late", "left_early"
JUSTIFIED, UNJUSTIFIED, PENDING, REFUSED = "justified", "unjustified", "pending", "refused"
NOT_TAKEN, UPCOMING, CANCELLED, PLACEMENT, NOT_ENROLLED = "not_taken", "upcoming", "cancelled", "placement", "left"
CELL_KINDS = (
    PRESENT,
    LATE,
    LEFT_EARLY,
    JUSTIFIED,
    UNJUSTIFIED,
    PENDING,
    REFUSED,
    NOT_TAKEN,
    UPCOMING,
    CANCELLED,
    PLACEMENT,
    NOT_ENROLLED,
)
_ABSENCE_KINDS = {
    Justification.ACCEPTED: JUSTIFIED,
    Justification.UNJUSTIFIED: UNJUSTIFIED,
    Justification.PENDING: PENDING,
    Justification.REFUSED: REFUSED,
}
_PRESENCE_KINDS = {Presence.PRESENT: PRESENT, Presence.LATE: LATE, Presence.LEFT_EARLY: LEFT_EARLY}


@dataclass(frozen=True)
class Cell:
    """One learner at one half-day: its kind (CELL_KINDS) and, late or left early, by how many minutes."""

    kind: str
    minutes: int = 0


@dataclass(frozen=True)
class Mark:
    """A roll-call record as the month reads it."""

    presence: Presence
    minutes: int
    justification: Justification


@dataclass(frozen=True)
class LearnerMonth:
    """A learner's row of the month: their enrolment, a cell per half-day (in the columns' order), their hours, and
    the « entreprise » hours of their placements (all their days, not the month's only)."""

    learner: Learner
    enrolment: Enrolment
    cells: list[Cell]
    hours: Hours
    entreprise: EntrepriseHours = EntrepriseHours()
    placed: bool = False  # has a placement


@dataclass(frozen=True)
class Day:
    """A day of the month with its half-days, morning first."""

    day: date
    sessions: list[AttendanceSession]


@dataclass(frozen=True)
class MonthGrid:
    """The month at a glance of a cohort."""

    cohort: Cohort
    month: date  # its first day
    days: list[Day]
    rows: list[LearnerMonth]
    total: Hours
    today: list[AttendanceSession]  # the cohort's half-days today, whatever the month shown
    entreprise: EntrepriseHours = EntrepriseHours()  # the rows' « entreprise » hours, summed

    @property
    def placed(self) -> bool:
        """Whether a learner of the month has a placement (the « entreprise » columns are shown then)."""
        return any(row.placed for row in self.rows)

    @property
    def previous(self) -> date:
        return add_months(self.month, -1)

    @property
    def next(self) -> date:
        return add_months(self.month, 1)

    @property
    def sessions(self) -> list[AttendanceSession]:
        return [session for day in self.days for session in day.sessions]


def last_day(month: date) -> date:
    """The last day of the month that starts on `month`."""
    return add_months(month, 1) - timedelta(days=1)


def default_month(cohort: Cohort, today: date) -> date:
    """The month a cohort's page opens on: today's, within the cohort's months."""
    return min(max(today, cohort.start_date), cohort.end_date).replace(day=1)


def _in_month(first: date, last: date) -> sa.ColumnElement[bool]:
    return AttendanceSession.day.between(first, last)


def month_learners(cohort: Cohort, month: date) -> list[tuple[Learner, Enrolment]]:
    """The learners of the cohort during the month, by name (learners/names.py): enrolled while it runs (not left
    before it starts), or with a roll-call record in it (one query)."""
    first, last = month, last_day(month)
    recorded = (
        sa.select(AttendanceRecord.id)
        .join(AttendanceSession, AttendanceSession.id == AttendanceRecord.session_id)
        .where(AttendanceRecord.enrolment_id == Enrolment.id, _in_month(first, last))
        .exists()
    )
    left = sa.func.coalesce(Enrolment.exit_date, cohort.end_date)
    during = left >= first if cohort.start_date <= last else sa.false()
    rows = db.session.execute(
        sa.select(Learner, Enrolment)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(Enrolment.cohort_id == cohort.id, sa.or_(during, recorded))
    ).all()
    return sorted(((learner, enrolment) for learner, enrolment in rows), key=lambda pair: by_name(pair[0]))


def month_hours(cohort_id: int, month: date) -> dict[int, Hours]:
    """Each enrolment's hours in the cohort's month (hours.py), by enrolment id; none recorded: absent (one query)."""
    rows = db.session.execute(
        counted_records(AttendanceRecord.enrolment_id, *minute_sums())
        .where(AttendanceSession.cohort_id == cohort_id, _in_month(month, last_day(month)))
        .group_by(AttendanceRecord.enrolment_id)
    ).all()
    return {row.enrolment_id: Hours.of(row) for row in rows}


def _sessions(cohort_id: int, month: date, today: date) -> list[AttendanceSession]:
    """The cohort's half-days of the month and of today, by day, morning first (one query)."""
    return list(
        db.session.scalars(
            sa.select(AttendanceSession)
            .where(
                AttendanceSession.cohort_id == cohort_id,
                sa.or_(_in_month(month, last_day(month)), AttendanceSession.day == today),
            )
            .order_by(AttendanceSession.day, AttendanceSession.half_day)
        )
    )


def _marks(cohort_id: int, month: date) -> dict[tuple[int, int], Mark]:
    """The month's roll-call records of the cohort, by (session id, enrolment id) (one query)."""
    rows = db.session.execute(
        sa.select(
            AttendanceRecord.session_id,
            AttendanceRecord.enrolment_id,
            AttendanceRecord.presence,
            AttendanceRecord.minutes,
            AttendanceRecord.justification,
        )
        .join(AttendanceSession, AttendanceSession.id == AttendanceRecord.session_id)
        .where(AttendanceSession.cohort_id == cohort_id, _in_month(month, last_day(month)))
    ).all()
    return {(row.session_id, row.enrolment_id): Mark(row.presence, row.minutes, row.justification) for row in rows}


def placements_of(enrolment_ids: Iterable[int]) -> dict[int, list[Placement]]:
    """The placements of these enrolments, with their tutor's forms, by enrolment id, earliest first (one query;
    none when no id)."""
    ids = sorted(set(enrolment_ids))
    if not ids:
        return {}
    found: dict[int, list[Placement]] = {}
    for placement in db.session.scalars(
        sa.select(Placement)
        .options(joinedload(Placement.reviews))
        .where(Placement.enrolment_id.in_(ids))
        .order_by(Placement.start_date, Placement.id)
    ).unique():
        found.setdefault(placement.enrolment_id, []).append(placement)
    return found


def cell(
    session: AttendanceSession, mark: Mark | None, enrolment: Enrolment, now: datetime, placed: bool = False
) -> Cell:
    """What the month shows for a learner at a half-day: a half-day not held (cancelled, in a company: the cohort's
    or, `placed`, one of the learner's placements) whatever was recorded, then the roll call's record; without one,
    not yet taken, to come, or after the learner left."""
    if session.state == SessionState.CANCELLED:
        return Cell(CANCELLED)
    if session.kind == SessionKind.PLACEMENT or placed:
        return Cell(PLACEMENT)
    if mark is not None and mark.presence == Presence.ABSENT:
        return Cell(_ABSENCE_KINDS[mark.justification])
    if mark is not None:
        return Cell(_PRESENCE_KINDS[mark.presence], mark.minutes)
    if enrolment.exit_date is not None and session.day > enrolment.exit_date:
        return Cell(NOT_ENROLLED)
    if datetime.combine(session.day, session.starts_at) > now:
        return Cell(UPCOMING)
    return Cell(NOT_TAKEN)


def _days(sessions: Iterable[AttendanceSession]) -> list[Day]:
    days: dict[date, list[AttendanceSession]] = {}
    for session in sessions:
        days.setdefault(session.day, []).append(session)
    return [Day(day, sorted(held, key=lambda session: session.half_day != HalfDay.AM)) for day, held in days.items()]


def month_grid(cohort: Cohort, month: date, today: date, now: datetime) -> MonthGrid:
    """The month at a glance: the learners of the month by name × its half-days, each learner's hours and
    « entreprise » hours, and today's half-days (five queries whatever the size); `now` tells a half-day to come from
    one not yet taken. A learner's own placement days show as « en entreprise » (PLACEMENT)."""
    learners = month_learners(cohort, month)
    every = _sessions(cohort.id, month, today)
    in_month = [session for session in every if session.day.replace(day=1) == month]
    marks = _marks(cohort.id, month)
    hours = month_hours(cohort.id, month)
    placements = placements_of(enrolment.id for _learner, enrolment in learners)
    rows = []
    for learner, enrolment in learners:
        own = placements.get(enrolment.id, [])
        cells = [
            cell(session, marks.get((session.id, enrolment.id)), enrolment, now, covers(own, session.day))
            for session in in_month
        ]
        rows.append(
            LearnerMonth(
                learner, enrolment, cells, hours.get(enrolment.id, Hours()), EntrepriseHours.of(own), bool(own)
            )
        )
    return MonthGrid(
        cohort=cohort,
        month=month,
        days=_days(in_month),
        rows=rows,
        total=sum((row.hours for row in rows), Hours()),
        today=[session for session in every if session.day == today],
        entreprise=sum((row.entreprise for row in rows), EntrepriseHours()),
    )


# A learner's own figures (/me/attendance).


@dataclass(frozen=True)
class MyMonth:
    month: date
    hours: Hours


@dataclass(frozen=True)
class MyAttendance:
    """The learner's figures per month of their programme to date, and in total; their placements and their
    « entreprise » hours (placements/days.py)."""

    enrolment: Enrolment
    months: list[MyMonth]
    total: Hours
    placements: list[Placement]
    entreprise: EntrepriseHours


def hours_by_month(enrolment_id: int) -> dict[date, Hours]:
    """An enrolment's hours per month (hours.py), by the month's first day (one query)."""
    year, month = sa.extract("year", AttendanceSession.day), sa.extract("month", AttendanceSession.day)
    rows = db.session.execute(
        counted_records(year.label("year"), month.label("month"), *minute_sums())
        .where(AttendanceRecord.enrolment_id == enrolment_id)
        .group_by(year, month)
    ).all()
    return {date(int(row.year), int(row.month), 1): Hours.of(row) for row in rows}


def my_attendance(learner_id: int, today: date) -> MyAttendance | None:
    """The learner's own attendance in their latest enrolment (learners.queries.current_enrolment): each month from
    the cohort's start to today (or their exit, or the cohort's end), and the total; their placements and
    « entreprise » hours (three queries)."""
    enrolment = current_enrolment(learner_id)
    if enrolment is None:
        return None
    cohort = enrolment.cohort
    last = min(today, enrolment.exit_date or cohort.end_date, cohort.end_date)
    by_month = hours_by_month(enrolment.id)
    shown = sorted(set(month_starts(cohort.start_date, last)) | set(by_month))
    placements = placements_of([enrolment.id]).get(enrolment.id, [])
    return MyAttendance(
        enrolment=enrolment,
        months=[MyMonth(month, by_month.get(month, Hours())) for month in shown],
        total=sum(by_month.values(), Hours()),
        placements=placements,
        entreprise=EntrepriseHours.of(placements),
    )


@dataclass(frozen=True)
class LearnerMonthHours:
    """A learner's hours in one month of one of their cohorts (/me/data)."""

    cohort: str
    month: date
    hours: Hours


def learner_months(learner_id: int) -> list[LearnerMonthHours]:
    """A learner's hours per cohort and month (hours.py), every enrolment of theirs, month by month (one query)."""
    year, month = sa.extract("year", AttendanceSession.day), sa.extract("month", AttendanceSession.day)
    rows = db.session.execute(
        counted_records(Cohort.name.label("cohort"), year.label("year"), month.label("month"), *minute_sums())
        .join(Enrolment, Enrolment.id == AttendanceRecord.enrolment_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.learner_id == learner_id)
        .group_by(Enrolment.id, Cohort.name, year, month)
        .order_by(year, month, Enrolment.id)
    ).all()
    return [LearnerMonthHours(row.cohort, date(int(row.year), int(row.month), 1), Hours.of(row)) for row in rows]
