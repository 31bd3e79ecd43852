"""Changes to single half-days and periods of a cohort's calendar: cancel, restore, move, add, company placement.

A half-day that holds attendance records (the roll call was taken, a learner signed) or that the trainer validated
is what happened: it is never cancelled, moved or turned into a placement day, and the refusal says why. Each
change is audited; a half-day changed by someone else since the page was shown answers 409 (its `version`).
The caller commits, or rolls back on a refusal.
"""

from dataclasses import dataclass
from datetime import date, time
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm.exc import StaleDataError

from ..audit import record
from ..extensions import db
from ..labels import label
from ..models import AttendanceRecord, AttendanceSession, Cohort, HalfDay, SessionKind, SessionState
from ..transactions import lock_rows
from .services import CalendarChange, audit_calendar, minutes_between, new_code, planned_slots

SESSION_ENTITY = "attendance_session"


class CalendarRefusal(ValueError):
    """A change of the calendar that cannot be made, with the reason for the person who asked."""


@dataclass(frozen=True)
class Times:
    """When a half-day is held: the day, morning or afternoon, and its times."""

    day: date
    half_day: HalfDay
    starts_at: time
    ends_at: time


def session_snapshot(session: AttendanceSession) -> dict[str, Any]:
    """What the audit keeps of a half-day, before or after a change."""
    return {
        "cohort_id": session.cohort_id,
        "day": session.day.isoformat(),
        "half_day": session.half_day.value,
        "starts_at": session.starts_at.strftime("%H:%M"),
        "ends_at": session.ends_at.strftime("%H:%M"),
        "kind": session.kind.value,
        "state": session.state.value,
    }


def describe(day: date, half_day: HalfDay) -> str:
    """« le lundi 16 nov. 2026, matin »: a half-day in a message."""
    return _("le %(day)s, %(half_day)s", day=format_date(day, "EEEE d MMM yyyy"), half_day=label(half_day))


def record_count(session_id: int) -> int:
    """How many attendance records the half-day holds."""
    query = sa.select(sa.func.count(AttendanceRecord.id)).where(AttendanceRecord.session_id == session_id)
    return db.session.scalar(query) or 0


def check_version(session: AttendanceSession, version: int | None) -> None:
    """The half-day as the person saw it, else the 409 page (someone changed it since)."""
    if version != session.version:
        raise StaleDataError(f"attendance session {session.id}: version {version}, now {session.version}")


def refuse_if_held(session: AttendanceSession) -> None:
    """Refuse to change a half-day that holds records or was validated, saying which and why."""
    records = record_count(session.id)
    if records:
        raise CalendarRefusal(
            ngettext(
                "%(when)s a déjà %(num)d présence saisie : cette demi-journée a eu lieu, elle reste telle quelle.",
                "%(when)s a déjà %(num)d présences saisies : cette demi-journée a eu lieu, elle reste telle quelle.",
                records,
                when=when(session),
            )
        )
    if session.state == SessionState.CLOSED:
        raise CalendarRefusal(
            _(
                "%(when)s a été validée : elle reste telle quelle.",
                when=when(session),
            )
        )


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def when(session: AttendanceSession) -> str:
    """« Le lundi 16 nov. 2026, matin »: a half-day at the start of a message."""
    return capitalised(describe(session.day, session.half_day))


def check_within(cohort: Cohort, day: date) -> None:
    """A half-day falls between the cohort's first and last day."""
    if not cohort.start_date <= day <= cohort.end_date:
        raise CalendarRefusal(
            _(
                "le %(day)s est en dehors de la promotion (du %(start)s au %(end)s).",
                day=format_date(day),
                start=format_date(cohort.start_date),
                end=format_date(cohort.end_date),
            )
        )


def locked_session(session_id: int) -> AttendanceSession:
    """The half-day, its row locked until the end of the transaction (PostgreSQL; SQLite's write lock does it)."""
    lock_rows(AttendanceSession, [session_id])
    session = db.session.get(AttendanceSession, session_id, populate_existing=True)
    assert session is not None  # the view found it a moment ago, in this transaction
    return session


def cancel_half_day(session: AttendanceSession, version: int | None) -> None:
    """Cancel a half-day that holds no record: it stays in the calendar as « annulée », counted nowhere."""
    session = locked_session(session.id)
    check_version(session, version)
    refuse_if_held(session)
    if session.state == SessionState.CANCELLED:
        raise CalendarRefusal(_("%(when)s est déjà annulée.", when=when(session)))
    _update(session, state=SessionState.CANCELLED)


def restore_half_day(session: AttendanceSession, version: int | None) -> None:
    """Hold a cancelled half-day again (open, with a new code)."""
    session = locked_session(session.id)
    check_version(session, version)
    if session.state != SessionState.CANCELLED:
        raise CalendarRefusal(_("%(when)s n'est pas annulée.", when=when(session)))
    _update(session, state=SessionState.OPEN, code=new_code())


def _update(session: AttendanceSession, **values: Any) -> None:
    """Change a half-day and audit it (the version column guards the UPDATE itself)."""
    before = session_snapshot(session)
    for name, value in values.items():
        setattr(session, name, value)
    if "starts_at" in values or "ends_at" in values:
        session.planned_minutes = minutes_between(session.starts_at, session.ends_at)
    db.session.flush()
    record(SESSION_ENTITY, session.id, "update", before, session_snapshot(session))


def slot_session(cohort_id: int, day: date, half_day: HalfDay) -> AttendanceSession | None:
    """The cohort's half-day at that slot, if any."""
    return db.session.scalar(
        sa.select(AttendanceSession).where(
            AttendanceSession.cohort_id == cohort_id,
            AttendanceSession.day == day,
            AttendanceSession.half_day == half_day,
        )
    )


def free_slot(cohort_id: int, times: Times, moving: AttendanceSession | None = None) -> None:
    """Make room at the slot: nothing there, or a cancelled half-day without records (deleted, audited); else
    refuse."""
    there = slot_session(cohort_id, times.day, times.half_day)
    if there is None or there is moving:
        return
    if there.state != SessionState.CANCELLED or record_count(there.id):
        raise CalendarRefusal(
            _(
                "%(when)s est déjà au calendrier : annulez-la d'abord, ou choisissez une autre demi-journée.",
                when=capitalised(describe(times.day, times.half_day)),
            )
        )
    record(SESSION_ENTITY, there.id, "delete", session_snapshot(there), None)
    db.session.delete(there)
    db.session.flush()


def move_half_day(cohort: Cohort, session: AttendanceSession, version: int | None, times: Times) -> None:
    """Move a half-day without records to another day, half-day or times. The target slot must be free or hold a
    cancelled half-day without records (which it replaces). A slot the pattern plans is left as a cancelled
    half-day, so that generating the calendar again never brings it back."""
    session = locked_session(session.id)
    check_version(session, version)
    refuse_if_held(session)
    check_within(cohort, times.day)
    old = Times(session.day, session.half_day, session.starts_at, session.ends_at)
    free_slot(cohort.id, times, moving=session)
    _update(
        session,
        day=times.day,
        half_day=times.half_day,
        starts_at=times.starts_at,
        ends_at=times.ends_at,
        code=new_code(),
        state=SessionState.OPEN,
    )
    if (old.day, old.half_day) != (times.day, times.half_day) and planned_here(cohort.id, old):
        placeholder = new_session(cohort.id, old, SessionState.CANCELLED)
        record(SESSION_ENTITY, placeholder.id, "create", None, session_snapshot(placeholder))


def planned_here(cohort_id: int, times: Times) -> bool:
    """Whether the cohort's pattern plans a half-day at that slot (not a holiday nor a closure)."""
    return any(slot.half_day == times.half_day for _day, slot in planned_slots(cohort_id, times.day, times.day))


def new_session(cohort_id: int, times: Times, state: SessionState = SessionState.OPEN) -> AttendanceSession:
    """A new half-day in the centre at `times`, flushed."""
    session = AttendanceSession(
        cohort_id=cohort_id,
        day=times.day,
        half_day=times.half_day,
        starts_at=times.starts_at,
        ends_at=times.ends_at,
        planned_minutes=minutes_between(times.starts_at, times.ends_at),
        kind=SessionKind.CENTRE,
        state=state,
        code=new_code(),
    )
    db.session.add(session)
    db.session.flush()
    return session


def add_half_day(cohort: Cohort, times: Times) -> AttendanceSession:
    """Add a half-day in the centre (a catch-up day, a Saturday...), within the cohort's dates, on a free slot or
    on a cancelled half-day without records, which it replaces."""
    check_within(cohort, times.day)
    lock_rows(Cohort, [cohort.id])
    free_slot(cohort.id, times)
    session = new_session(cohort.id, times)
    record(SESSION_ENTITY, session.id, "create", None, session_snapshot(session))
    return session


class PeriodRefusal(CalendarRefusal):
    """A period that could not change kind, with the half-days in it that hold records or were validated."""

    def __init__(self, message: str, held: list[tuple[date, HalfDay]]) -> None:
        super().__init__(message)
        self.held = held


def mark_period(cohort: Cohort, first: date, last: date, kind: SessionKind) -> int:
    """Turn the half-days of `first`..`last` into company placement (or back to the centre): all of them, or none
    when some hold records or were validated (refused, and listed). Cancelled half-days stay as they are.
    Returns how many changed."""
    check_within(cohort, first)
    check_within(cohort, last)
    ids = db.session.scalars(
        sa.select(AttendanceSession.id).where(
            AttendanceSession.cohort_id == cohort.id,
            AttendanceSession.day.between(first, last),
            AttendanceSession.kind != kind,
            AttendanceSession.state != SessionState.CANCELLED,
        )
    ).all()
    lock_rows(AttendanceSession, ids)
    sessions = db.session.scalars(
        sa.select(AttendanceSession)
        .where(AttendanceSession.id.in_(ids))
        .order_by(AttendanceSession.day, AttendanceSession.half_day)
        .execution_options(populate_existing=True)
    ).all()
    held = held_among([session.id for session in sessions])
    blocked = [(s.day, s.half_day) for s in sessions if s.id in held or s.state == SessionState.CLOSED]
    if blocked:
        raise PeriodRefusal(period_refusal(len(blocked)), blocked)
    for session in sessions:
        session.kind = kind
    db.session.flush()
    action = "placement" if kind == SessionKind.PLACEMENT else "centre"
    audit_calendar(cohort.id, action, CalendarChange(), first=first, last=last, half_days=len(sessions))
    return len(sessions)


def held_among(session_ids: list[int]) -> set[int]:
    """Those of the half-days that hold attendance records (one query)."""
    if not session_ids:
        return set()
    query = sa.select(AttendanceRecord.session_id).where(AttendanceRecord.session_id.in_(session_ids)).distinct()
    return set(db.session.scalars(query))


def period_refusal(count: int) -> str:
    return ngettext(
        "Rien n'a été changé : %(num)d demi-journée de la période a déjà des présences saisies ou a été validée "
        "(ci-dessous). Choisissez une période qui ne la contient pas.",
        "Rien n'a été changé : %(num)d demi-journées de la période ont déjà des présences saisies ou ont été "
        "validées (ci-dessous). Choisissez une période qui ne les contient pas.",
        count,
    )
