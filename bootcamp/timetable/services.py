"""The half-days of a cohort: generated from its weekly pattern, minus public holidays and closures.

A cohort's half-days (AttendanceSession rows) come from its weekly pattern (WeeklySlot rows, or DEFAULT_PATTERN),
between its first and last day, minus the public holidays of metropolitan France (the `holidays` library) and the
closures (the cohort's own and those of every cohort). Generation only ever adds the half-days missing from that
plan: one that exists in any state (cancelled, moved, company placement) is never made twice, so it can run again
at any time. What is removed (a cohort's dates shortened, a closure added, a weekday dropped from the pattern) is
only ever a half-day without any attendance record: one with records stays, and the page says so.
The caller commits.
"""

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

import holidays
import sqlalchemy as sa

from .. import dates
from ..audit import record
from ..extensions import db
from ..models import (
    AttendanceRecord,
    AttendanceSession,
    Closure,
    Cohort,
    HalfDay,
    SessionKind,
    SessionState,
    WeeklySlot,
)
from ..transactions import lock_rows

CODE_DIGITS = 6
MAX_MINUTES = 720  # a half-day lasts at most 12 hours (the table's check)
HOLIDAY_COUNTRY = "FR"  # no subdivision: metropolitan France (Alsace-Moselle's two extra days are not national)


@dataclass(frozen=True)
class Slot:
    """A half-day of the weekly pattern: weekday (0 Monday … 6 Sunday), morning or afternoon, and its times."""

    weekday: int
    half_day: HalfDay
    starts_at: time
    ends_at: time

    @property
    def minutes(self) -> int:
        return minutes_between(self.starts_at, self.ends_at)


MORNING = (time(9), time(12, 30))
AFTERNOON = (time(13, 30), time(17))
DEFAULT_TIMES = {HalfDay.AM: MORNING, HalfDay.PM: AFTERNOON}
# Monday to Friday, 9:00–12:30 and 13:30–17:00: 7 hours a day, 35 a week.
DEFAULT_PATTERN: tuple[Slot, ...] = tuple(
    Slot(weekday, half_day, *DEFAULT_TIMES[half_day]) for weekday in range(5) for half_day in HalfDay
)


@dataclass(frozen=True)
class CalendarChange:
    """What a change did to a cohort's half-days: added, removed, and kept although outside (they hold records)."""

    added: int = 0
    removed: int = 0
    kept: int = 0


def minutes_between(starts_at: time, ends_at: time) -> int:
    """The minutes from `starts_at` to `ends_at` on the same day."""
    return (ends_at.hour * 60 + ends_at.minute) - (starts_at.hour * 60 + starts_at.minute)


def new_code() -> str:
    """A random signing code of six digits (secrets: not guessable from the others)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def tomorrow() -> date:
    """The first day changes of the pattern and closures apply to (today's half-days may be running)."""
    return dates.today() + timedelta(days=1)


def stored_pattern(cohort_id: int) -> list[Slot]:
    """The cohort's WeeklySlot rows (empty: it follows DEFAULT_PATTERN)."""
    rows = db.session.scalars(
        sa.select(WeeklySlot).where(WeeklySlot.cohort_id == cohort_id).order_by(WeeklySlot.weekday, WeeklySlot.id)
    ).all()
    return sorted((Slot(row.weekday, row.half_day, row.starts_at, row.ends_at) for row in rows), key=slot_order)


def pattern_of(cohort_id: int) -> list[Slot]:
    """The cohort's weekly pattern: its WeeklySlot rows, or DEFAULT_PATTERN when it has none."""
    return stored_pattern(cohort_id) or list(DEFAULT_PATTERN)


def slot_order(slot: Slot) -> tuple[int, int]:
    return slot.weekday, list(HalfDay).index(slot.half_day)


def public_holidays(first: date, last: date, language: str | None = None) -> dict[date, str]:
    """The public holidays of metropolitan France between `first` and `last`, with their names."""
    if last < first:
        return {}
    calendar = holidays.country_holidays(HOLIDAY_COUNTRY, years=range(first.year, last.year + 1), language=language)
    return {day: name for day, name in sorted(calendar.items()) if first <= day <= last}


def closures_of(cohort_ids: Iterable[int] | None, first: date, last: date) -> list[Closure]:
    """The closures touching `first`..`last` that apply to these cohorts (their own and those of every cohort;
    None: every closure)."""
    query = sa.select(Closure).where(Closure.first_day <= last, Closure.last_day >= first)
    if cohort_ids is not None:
        query = query.where(sa.or_(Closure.cohort_id.in_(list(cohort_ids)), Closure.cohort_id.is_(None)))
    return list(db.session.scalars(query.order_by(Closure.first_day, Closure.id)))


def days_between(first: date, last: date) -> Iterator[date]:
    """Every day from `first` to `last`, both included."""
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def closed_days(closures: Iterable[Closure], first: date, last: date) -> set[date]:
    """The days of `first`..`last` inside one of the closures."""
    closed: set[date] = set()
    for closure in closures:
        closed.update(days_between(max(first, closure.first_day), min(last, closure.last_day)))
    return closed


def planned_slots(
    cohort_id: int, first: date, last: date, pattern: list[Slot] | None = None
) -> list[tuple[date, Slot]]:
    """The half-days the pattern (the cohort's by default) plans from `first` to `last`, minus public holidays
    and closures."""
    by_weekday: dict[int, list[Slot]] = {}
    for slot in pattern if pattern is not None else pattern_of(cohort_id):
        by_weekday.setdefault(slot.weekday, []).append(slot)
    if last < first:
        return []
    skipped = set(public_holidays(first, last)) | closed_days(closures_of([cohort_id], first, last), first, last)
    return [
        (day, slot)
        for day in days_between(first, last)
        if day not in skipped
        for slot in by_weekday.get(day.weekday(), ())
    ]


def session_row(cohort_id: int, day: date, slot: Slot) -> dict[str, Any]:
    """The columns of a new open half-day in the centre, for a bulk insert."""
    return {
        "cohort_id": cohort_id,
        "day": day,
        "half_day": slot.half_day,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "planned_minutes": slot.minutes,
        "kind": SessionKind.CENTRE,
        "state": SessionState.OPEN,
        "code": new_code(),
        "version": 1,
    }


def existing_slots(cohort_id: int, first: date, last: date) -> set[tuple[date, HalfDay]]:
    """The (day, half-day) of the cohort's half-days from `first` to `last`, in any state."""
    query = sa.select(AttendanceSession.day, AttendanceSession.half_day).where(
        AttendanceSession.cohort_id == cohort_id, AttendanceSession.day.between(first, last)
    )
    return {(day, half_day) for day, half_day in db.session.execute(query)}


def fill(cohort: Cohort, first: date, last: date) -> int:
    """Create the cohort's missing half-days from `first` to `last` (within its dates): one query to read what
    exists, one bulk insert. Returns how many were created."""
    first, last = max(first, cohort.start_date), min(last, cohort.end_date)
    if last < first:
        return 0
    lock_rows(Cohort, [cohort.id])  # two generations of the same cohort: the second waits, then sees the first's
    existing = existing_slots(cohort.id, first, last)
    rows = [
        session_row(cohort.id, day, slot)
        for day, slot in planned_slots(cohort.id, first, last)
        if (day, slot.half_day) not in existing
    ]
    if rows:
        db.session.execute(sa.insert(AttendanceSession.__table__), rows)
    return len(rows)


def generate_calendar(cohort: Cohort, first_day: date | None = None) -> int:
    """Create the cohort's missing half-days from max(its start, `first_day`) to its end, following its pattern,
    minus public holidays and closures; a half-day that exists in any state is kept as it is (idempotent).
    Returns how many were created. A few queries whatever the length; the caller commits."""
    return fill(cohort, first_day or cohort.start_date, cohort.end_date)


def without_records() -> sa.ColumnElement[bool]:
    """The condition « this half-day holds no attendance record »."""
    return ~sa.exists().where(AttendanceRecord.session_id == AttendanceSession.id)


def remove_free(*conditions: sa.ColumnElement[bool]) -> int:
    """Delete the half-days matching `conditions` that hold no attendance record. Returns how many."""
    result = db.session.execute(
        sa.delete(AttendanceSession).where(*conditions, without_records()),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount


def count_sessions(*conditions: sa.ColumnElement[bool]) -> int:
    return db.session.scalar(sa.select(sa.func.count(AttendanceSession.id)).where(*conditions)) or 0


def audit_calendar(cohort_id: int, action: str, change: CalendarChange, **details: Any) -> None:
    """One audit event for a change of many half-days of a cohort (a generation, a pattern, new dates)."""
    after = {"added": change.added, "removed": change.removed, "kept": change.kept}
    record("calendar", cohort_id, action, None, after | {key: str(value) for key, value in details.items()})


def follow_cohort_dates(cohort: Cohort, before: tuple[date, date] | None) -> CalendarChange:
    """After a cohort was created (`before` None) or its dates changed: its half-days generated for the days it
    now covers, those now outside without records removed (those with records are kept and counted). Audited."""
    now = (cohort.start_date, cohort.end_date)
    if before == now:
        return CalendarChange()
    if before is None:
        change = CalendarChange(added=generate_calendar(cohort))
        audit_calendar(cohort.id, "generate", change, first=cohort.start_date, last=cohort.end_date)
        return change
    outside = sa.or_(AttendanceSession.day < cohort.start_date, AttendanceSession.day > cohort.end_date)
    mine = AttendanceSession.cohort_id == cohort.id
    removed = remove_free(mine, outside)
    old_start, old_end = before
    # Only the days now covered: before the old start, after the old end (fill keeps within the new dates).
    added = fill(cohort, cohort.start_date, old_start - timedelta(days=1))
    added += fill(cohort, old_end + timedelta(days=1), cohort.end_date)
    change = CalendarChange(added=added, removed=removed, kept=count_sessions(mine, outside))
    audit_calendar(cohort.id, "dates", change, first=cohort.start_date, last=cohort.end_date)
    return change


def fill_calendars() -> tuple[int, int]:
    """Every cohort's calendar: generated whole for a cohort that has none, its missing future half-days (from
    tomorrow) for the others. Returns (cohorts changed, half-days created)."""
    with_sessions = set(db.session.scalars(sa.select(AttendanceSession.cohort_id).distinct()))
    changed = created = 0
    for cohort in db.session.scalars(sa.select(Cohort).order_by(Cohort.id)):
        first = cohort.start_date if cohort.id not in with_sessions else tomorrow()
        added = fill(cohort, first, cohort.end_date)
        if added:
            audit_calendar(cohort.id, "generate", CalendarChange(added=added), first=first, last=cohort.end_date)
            changed, created = changed + 1, created + added
    return changed, created


# The weekly pattern: saving one regenerates the future half-days (from tomorrow) that hold no records.


@dataclass(frozen=True)
class PatternPlan:
    """What saving a new weekly pattern would do from tomorrow: the half-days added, the ids of those removed
    (their weekday and half-day no longer held; none holds records), and those whose times follow the new ones."""

    added: list[tuple[date, Slot]]
    removed: list[int]
    retimed: dict[tuple[int, HalfDay], list[int]]

    @property
    def retimed_count(self) -> int:
        return sum(len(ids) for ids in self.retimed.values())


def plan_pattern(cohort: Cohort, pattern: list[Slot]) -> PatternPlan:
    """What the new pattern changes from tomorrow to the cohort's end, among the half-days without records. A
    half-day whose times were changed by hand, cancelled or in a company keeps its times."""
    first, last = max(tomorrow(), cohort.start_date), cohort.end_date
    if last < first:
        return PatternPlan([], [], {})
    old = {(slot.weekday, slot.half_day): slot for slot in pattern_of(cohort.id)}
    new = {(slot.weekday, slot.half_day): slot for slot in pattern}
    rows = db.session.execute(
        sa.select(
            AttendanceSession.id,
            AttendanceSession.day,
            AttendanceSession.half_day,
            AttendanceSession.starts_at,
            AttendanceSession.ends_at,
            AttendanceSession.state,
            AttendanceSession.kind,
        ).where(AttendanceSession.cohort_id == cohort.id, AttendanceSession.day.between(first, last), without_records())
    ).all()
    removed, retimed = [], {}
    for row in rows:
        key = (row.day.weekday(), row.half_day)
        if key not in new:
            removed.append(row.id)
        elif _follows(row, old.get(key), new[key]):
            retimed.setdefault(key, []).append(row.id)
    existing = existing_slots(cohort.id, first, last)
    planned = planned_slots(cohort.id, first, last, pattern)
    added = [(day, slot) for day, slot in planned if (day, slot.half_day) not in existing]
    return PatternPlan(added, removed, retimed)


def _follows(row: Any, old: Slot | None, new: Slot) -> bool:
    """Whether a half-day takes the new pattern's times: open, in the centre, at the old pattern's times."""
    untouched = old is not None and (row.starts_at, row.ends_at) == (old.starts_at, old.ends_at)
    changed = (row.starts_at, row.ends_at) != (new.starts_at, new.ends_at)
    return untouched and changed and row.state == SessionState.OPEN and row.kind == SessionKind.CENTRE


def slot_text(slot: Slot) -> str:
    return f"{slot.weekday} {slot.half_day.value} {slot.starts_at:%H:%M}-{slot.ends_at:%H:%M}"


def save_pattern(cohort: Cohort, pattern: list[Slot]) -> PatternPlan:
    """Keep the cohort's new weekly pattern (no rows when it is the default one) and apply it to its future
    half-days without records (plan_pattern). Audited; returns what it did."""
    lock_rows(Cohort, [cohort.id])
    pattern = sorted(pattern, key=slot_order)
    before = [slot_text(slot) for slot in pattern_of(cohort.id)]
    plan = plan_pattern(cohort, pattern)
    db.session.execute(sa.delete(WeeklySlot).where(WeeklySlot.cohort_id == cohort.id))
    if pattern != list(DEFAULT_PATTERN):
        db.session.add_all(
            WeeklySlot(
                cohort_id=cohort.id,
                weekday=slot.weekday,
                half_day=slot.half_day,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
            )
            for slot in pattern
        )
    if plan.removed:
        remove_free(AttendanceSession.id.in_(plan.removed))
    new = {(slot.weekday, slot.half_day): slot for slot in pattern}
    for key, ids in plan.retimed.items():
        db.session.execute(
            sa.update(AttendanceSession)
            .where(AttendanceSession.id.in_(ids))
            .values(starts_at=new[key].starts_at, ends_at=new[key].ends_at, planned_minutes=new[key].minutes)
            .values(version=AttendanceSession.version + 1),
            execution_options={"synchronize_session": False},
        )
    if plan.added:
        rows = [session_row(cohort.id, day, slot) for day, slot in plan.added]
        db.session.execute(sa.insert(AttendanceSession.__table__), rows)
    db.session.flush()
    record("weekly_pattern", cohort.id, "update", {"slots": before}, {"slots": [slot_text(s) for s in pattern]})
    audit_calendar(cohort.id, "pattern", CalendarChange(len(plan.added), len(plan.removed)), retimed=plan.retimed_count)
    return plan


# Closures: adding one removes the future half-days without records in it; deleting one brings them back.


def closure_snapshot(closure: Closure) -> dict[str, Any]:
    return {
        "label": closure.label,
        "first_day": closure.first_day.isoformat(),
        "last_day": closure.last_day.isoformat(),
        "cohort_id": closure.cohort_id,
    }


def add_closure(
    label: str, first: date, last: date, cohort: Cohort | None, created_by_id: int | None
) -> CalendarChange:
    """Close the centre from `first` to `last`, for one cohort or (None) every cohort: the half-days of that period
    from tomorrow on that hold no record are removed (those with records stay, counted as kept). Audited."""
    closure = Closure(label=label, first_day=first, last_day=last, cohort=cohort, created_by_id=created_by_id)
    db.session.add(closure)
    db.session.flush()
    start = max(first, tomorrow())
    change = CalendarChange()
    if start <= last:
        within = [AttendanceSession.day.between(start, last)]
        if cohort is not None:
            within.append(AttendanceSession.cohort_id == cohort.id)
        removed = remove_free(*within)
        change = CalendarChange(removed=removed, kept=count_sessions(*within))
    record("closure", closure.id, "create", None, closure_snapshot(closure) | {"removed": change.removed})
    return change


def delete_closure(closure: Closure) -> int:
    """Open the centre again: the closure deleted, the half-days of its period from tomorrow on generated again
    for the cohorts concerned (as their patterns, holidays and the other closures say). Returns how many."""
    before = closure_snapshot(closure)
    start = max(closure.first_day, tomorrow())
    query = sa.select(Cohort).where(Cohort.start_date <= closure.last_day, Cohort.end_date >= start)
    if closure.cohort_id is not None:
        query = query.where(Cohort.id == closure.cohort_id)
    cohorts = db.session.scalars(query.order_by(Cohort.id)).all() if start <= closure.last_day else []
    db.session.delete(closure)
    db.session.flush()
    added = 0
    for cohort in cohorts:
        if created := fill(cohort, start, closure.last_day):
            audit_calendar(cohort.id, "generate", CalendarChange(added=created), first=start, last=closure.last_day)
            added += created
    record("closure", closure.id, "delete", before, None)
    return added
