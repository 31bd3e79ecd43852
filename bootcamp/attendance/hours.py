"""The one definition of attendance hours and rates (DOMAIN.md, « Attendance »), as SQL sums over roll-call records.

A learner's planned time is that of the half-days whose roll call holds a record for them: a half-day not yet
taken counts nowhere, nor does a cancelled one, nor a cohort's company placement half-day (no roll call in the
centre), nor a day inside one of the learner's own placements (placements/days.on_placement: start ≤ day ≤ end,
whatever the half-day's kind; a record made before the placement was entered stops counting). Those days are
« entreprise » hours, from the agreement and confirmed by the tutor (placements/days.py), never absences. Then:
- an absent half-day counts its planned minutes as justified absence (justification accepted) or unjustified;
- a late arrival or an early departure counts its minutes (`late_minutes`);
- present = planned − absences − late and early minutes, so that
  present + justified + unjustified + late_minutes = planned, to the minute.
attendance rate = present / planned · unjustified-absence rate = unjustified / planned.

Callers select `minute_sums()` from `counted_records()` and add their own columns, filters and GROUP BY (a
learner and a month, a cohort, a breakdown of the dashboard), then read each row with `Hours.of(row)`.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from ..models import AttendanceRecord, AttendanceSession, Justification, Presence, SessionKind, SessionState
from ..placements.days import on_placement

_ABSENT = AttendanceRecord.presence == Presence.ABSENT
_JUSTIFIED = sa.and_(_ABSENT, AttendanceRecord.justification == Justification.ACCEPTED)
_UNJUSTIFIED = sa.and_(_ABSENT, AttendanceRecord.justification != Justification.ACCEPTED)
_PLANNED = AttendanceSession.planned_minutes


def _total(value: sa.ColumnElement[int], name: str) -> sa.Label[int]:
    return sa.func.coalesce(sa.func.sum(value), 0).label(name)


def minute_sums() -> list[sa.Label[int]]:
    """The five sums, in minutes, labelled as Hours' fields."""
    return [
        _total(_PLANNED, "planned_minutes"),
        _total(sa.case((_ABSENT, 0), else_=_PLANNED - AttendanceRecord.minutes), "present_minutes"),
        _total(sa.case((_JUSTIFIED, _PLANNED), else_=0), "justified_minutes"),
        _total(sa.case((_UNJUSTIFIED, _PLANNED), else_=0), "unjustified_minutes"),
        _total(AttendanceRecord.minutes, "late_minutes"),
    ]


def counted_records(*columns: Any) -> sa.Select:
    """SELECT `columns` FROM the records that count (held half-days in the centre, the learner not on a placement
    that day), joined to their half-day."""
    return (
        sa.select(*columns)
        .select_from(AttendanceRecord)
        .join(AttendanceSession, AttendanceSession.id == AttendanceRecord.session_id)
        .where(
            AttendanceSession.state != SessionState.CANCELLED,
            AttendanceSession.kind == SessionKind.CENTRE,
            sa.not_(on_placement(AttendanceRecord.enrolment_id, AttendanceSession.day)),
        )
    )


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Hours:
    """Sums of minutes, and the figures the exports print: hours with two decimals, rates as a percentage with one
    decimal (None when nothing is planned yet)."""

    planned_minutes: int = 0
    present_minutes: int = 0
    justified_minutes: int = 0
    unjustified_minutes: int = 0
    late_minutes: int = 0

    @classmethod
    def of(cls, row: Any) -> "Hours":
        """Read the labelled sums of a result row (minute_sums)."""
        mapping = row._mapping
        return cls(**{name: int(mapping[name] or 0) for name in cls.__dataclass_fields__})

    def __add__(self, other: "Hours") -> "Hours":
        return Hours(*(getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__))

    @property
    def planned_hours(self) -> Decimal:
        return _hours(self.planned_minutes)

    @property
    def present_hours(self) -> Decimal:
        return _hours(self.present_minutes)

    @property
    def justified_absence_hours(self) -> Decimal:
        return _hours(self.justified_minutes)

    @property
    def unjustified_absence_hours(self) -> Decimal:
        return _hours(self.unjustified_minutes)

    @property
    def attendance_rate(self) -> Decimal | None:
        """present / planned, in per cent."""
        return _percent(self.present_minutes, self.planned_minutes)

    @property
    def unjustified_rate(self) -> Decimal | None:
        """unjustified absence / planned, in per cent."""
        return _percent(self.unjustified_minutes, self.planned_minutes)
