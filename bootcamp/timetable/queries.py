"""What the calendar pages show: a cohort's half-days of a month with their records, the holidays and closures of
the month; the closures list. A fixed number of queries whatever the number of half-days."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import get_locale, ngettext
from sqlalchemy.orm import joinedload

from .. import dates
from ..dates import add_months
from ..extensions import db
from ..models import AttendanceRecord, AttendanceSession, Closure, Cohort, SessionKind, SessionState
from .services import closures_of, public_holidays


@dataclass(frozen=True)
class CalendarRow:
    """A half-day of the month and how many attendance records it holds (0: the roll call is not taken)."""

    session: AttendanceSession
    records: int

    @property
    def changeable(self) -> bool:
        """Whether it may be cancelled or moved: no records, not validated."""
        return not self.records and self.session.state != SessionState.CLOSED


@dataclass(frozen=True)
class CalendarMonth:
    """A cohort's month: its half-days, the public holidays and closures that fall in it, the hours planned."""

    month: date  # its first day
    previous: date | None  # the months of the cohort before and after, if any
    next: date | None
    rows: list[CalendarRow]
    holidays: dict[date, str]
    closures: list[Closure]

    @property
    def planned_hours(self) -> float:
        """The hours of the month's half-days held in the centre (not cancelled)."""
        minutes = sum(
            row.session.planned_minutes
            for row in self.rows
            if row.session.state != SessionState.CANCELLED and row.session.kind == SessionKind.CENTRE
        )
        return minutes / 60


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def default_month(cohort: Cohort) -> date:
    """This month if the cohort runs in it, else its first month (to come) or its last one (ended)."""
    return month_of(min(max(dates.today(), cohort.start_date), cohort.end_date))


def holiday_language() -> str:
    """The language of the holidays' names: the `holidays` library's French, or its English."""
    return "fr" if str(get_locale() or "fr").startswith("fr") else "en_US"


def calendar_month(cohort: Cohort, month: date) -> CalendarMonth:
    """The cohort's half-days of `month` (each with its records count), its holidays and closures: two queries."""
    last = month_end(month)
    records = (
        sa.select(sa.func.count(AttendanceRecord.id))
        .where(AttendanceRecord.session_id == AttendanceSession.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(AttendanceSession, records)
        .where(AttendanceSession.cohort_id == cohort.id, AttendanceSession.day.between(month, last))
        .order_by(AttendanceSession.day, AttendanceSession.half_day)
    ).all()
    first_month, last_month = month_of(cohort.start_date), month_of(cohort.end_date)
    return CalendarMonth(
        month=month,
        previous=add_months(month, -1) if month > first_month else None,
        next=add_months(month, 1) if month < last_month else None,
        rows=[CalendarRow(session, count) for session, count in rows],
        holidays=public_holidays(month, last, holiday_language()),
        closures=closures_of([cohort.id], month, last),
    )


def months_of(cohort: Cohort) -> list[date]:
    """The first day of each month the cohort runs in."""
    months, month = [], month_of(cohort.start_date)
    while month <= cohort.end_date:
        months.append(month)
        month = add_months(month, 1)
    return months


def closure_list() -> list[Closure]:
    """Every closure, the latest first, with its cohort (one query)."""
    return list(
        db.session.scalars(
            sa.select(Closure).options(joinedload(Closure.cohort)).order_by(Closure.first_day.desc(), Closure.id.desc())
        )
    )


def open_cohorts() -> list[tuple[int, str]]:
    """The cohorts not ended yet (id, name), by name: those a new closure may concern."""
    query = sa.select(Cohort.id, Cohort.name).where(Cohort.end_date >= dates.today()).order_by(Cohort.name)
    return [(row.id, row.name) for row in db.session.execute(query)]


def dates_notice(cohort: Cohort) -> str | None:
    """After new dates: how many half-days outside them were kept because they hold records (None: none)."""
    outside = sa.or_(AttendanceSession.day < cohort.start_date, AttendanceSession.day > cohort.end_date)
    kept = db.session.scalar(
        sa.select(sa.func.count(AttendanceSession.id)).where(AttendanceSession.cohort_id == cohort.id, outside)
    )
    if not kept:
        return None
    return ngettext(
        "%(num)d demi-journée hors des nouvelles dates est gardée : elle a déjà des présences saisies.",
        "%(num)d demi-journées hors des nouvelles dates sont gardées : elles ont déjà des présences saisies.",
        kept,
    )
