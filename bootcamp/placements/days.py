"""A placement's days and the tutor's two forms: the one place that says which days a placement counts, how many
« entreprise » hours they make, and which days each of the tutor's forms covers.

- A placement's days are Monday to Friday from its start to its end, French public holidays excepted (the
  agreement's weekly hours are spread over five days: WORKDAYS_PER_WEEK).
- « Entreprise » hours planned = the placement's days × weekly hours / 5 (from the agreement); confirmed = the days
  the tutor confirms present × the same.
- A placement of at least MID_REVIEW_MIN_DAYS days has two forms: mid-placement (its first day to its middle day,
  sent on the middle day) and end (the day after the middle to the last day, sent on the last day); a shorter one
  has the end form only, covering it all.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from ..models import (
    WORKDAYS_PER_WEEK,
    AttendanceSession,
    Placement,
    ReviewStage,
    SessionKind,
    SessionState,
    TutorReview,
)
from ..timetable.services import days_between, public_holidays

MID_REVIEW_MIN_DAYS = 14  # calendar days from start to end, both included: two weeks


def placement_days(first: date, last: date) -> list[date]:
    """The placement days between `first` and `last`: weekdays that are not public holidays."""
    holidays = public_holidays(first, last)
    return [day for day in days_between(first, last) if day.weekday() < WORKDAYS_PER_WEEK and day not in holidays]


def daily_minutes(placement: Placement) -> int:
    """The minutes a placement day counts: the agreement's weekly hours / 5, to the minute."""
    return round(placement.weekly_minutes / WORKDAYS_PER_WEEK)


def planned_minutes(placement: Placement) -> int:
    """« Entreprise » minutes the agreement plans: its days × the daily minutes."""
    return len(placement_days(placement.start_date, placement.end_date)) * daily_minutes(placement)


def confirmed_minutes(placement: Placement) -> int:
    """« Entreprise » minutes the tutor confirmed: the days present of the forms answered × the daily minutes."""
    days = sum(review.days_present or 0 for review in placement.reviews if review.answered_at is not None)
    return days * daily_minutes(placement)


@dataclass(frozen=True)
class Period:
    stage: ReviewStage
    due_on: date
    first: date
    last: date
    planned_days: int


def review_periods(start: date, end: date) -> list[Period]:
    """The tutor's forms for a placement from `start` to `end`, in order."""
    if (end - start).days + 1 < MID_REVIEW_MIN_DAYS:
        return [Period(ReviewStage.END, end, start, end, len(placement_days(start, end)))]
    middle = start + timedelta(days=(end - start).days // 2)
    after = middle + timedelta(days=1)
    return [
        Period(ReviewStage.MID, middle, start, middle, len(placement_days(start, middle))),
        Period(ReviewStage.END, end, after, end, len(placement_days(after, end))),
    ]


def sync_reviews(placement: Placement) -> None:
    """Make the placement's forms follow its dates: unanswered ones take the new periods (a form of a stage that no
    longer applies is removed if unanswered); answered ones are kept as they were. The caller flushes and commits."""
    periods = {period.stage: period for period in review_periods(placement.start_date, placement.end_date)}
    existing = {review.stage: review for review in placement.reviews}
    for stage, review in existing.items():
        if stage not in periods and review.answered_at is None:
            placement.reviews.remove(review)
    for stage, period in periods.items():
        review = existing.get(stage)
        if review is None:
            review = TutorReview(stage=stage)
            placement.reviews.append(review)
        elif review.answered_at is not None:
            continue
        review.due_on, review.period_start, review.period_end = period.due_on, period.first, period.last
        review.planned_days = period.planned_days


# Issue 18, attendance (helper E1): a learner's placement days in the attendance calendar, « entreprise » hours.


def on_placement(enrolment_id: Any, day: Any) -> sa.ColumnElement[bool]:
    """SQL: the enrolment has a placement whose dates hold `day` (start_date ≤ day ≤ end_date). The cohort's
    half-days of such a day are « en entreprise » for that learner: no roll call, no record counted (hours.py)."""
    return (
        sa.exists()
        .where(Placement.enrolment_id == enrolment_id, Placement.start_date <= day, Placement.end_date >= day)
        .correlate_except(Placement)
    )


def covers(placements: Iterable[Placement], day: date) -> bool:
    """on_placement's twin for placements already loaded: whether one of them holds `day`."""
    return any(placement.start_date <= day <= placement.end_date for placement in placements)


def planned_minutes_between(placement: Placement, first: date, last: date) -> int:
    """planned_minutes() over the placement's days between `first` and `last` only."""
    days = placement_days(max(first, placement.start_date), min(last, placement.end_date))
    return len(days) * daily_minutes(placement)


def confirmed_minutes_between(placement: Placement, first: date, last: date) -> int:
    """confirmed_minutes() of the answered forms whose period lies between `first` and `last` (a tutor's count of
    days present is not split: a form that straddles a bound is left out)."""
    days = sum(
        review.days_present or 0
        for review in placement.reviews
        if review.answered_at is not None and first <= review.period_start and review.period_end <= last
    )
    return days * daily_minutes(placement)


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class EntrepriseHours:
    """« Entreprise » minutes of some placements: planned by the agreement, confirmed by the tutor."""

    planned_minutes: int = 0
    confirmed_minutes: int = 0

    @classmethod
    def of(
        cls, placements: Iterable[Placement], first: date | None = None, last: date | None = None
    ) -> "EntrepriseHours":
        """The sums over `placements` (their reviews loaded), all their days, or those between `first` and `last`."""
        placements = list(placements)
        if first is None and last is None:
            return cls(
                sum(planned_minutes(placement) for placement in placements),
                sum(confirmed_minutes(placement) for placement in placements),
            )
        first, last = first or date.min, last or date.max
        return cls(
            sum(planned_minutes_between(placement, first, last) for placement in placements),
            sum(confirmed_minutes_between(placement, first, last) for placement in placements),
        )

    def __add__(self, other: "EntrepriseHours") -> "EntrepriseHours":
        return EntrepriseHours(
            self.planned_minutes + other.planned_minutes, self.confirmed_minutes + other.confirmed_minutes
        )

    @property
    def planned_hours(self) -> Decimal:
        return _hours(self.planned_minutes)

    @property
    def confirmed_hours(self) -> Decimal:
        return _hours(self.confirmed_minutes)


def period_half_days() -> sa.ColumnElement[bool]:
    """The half-days that make a cohort's placement period: « en entreprise » in its timetable, not cancelled (the
    cohort's list of placements and the figures both date the period from them)."""
    return sa.and_(AttendanceSession.kind == SessionKind.PLACEMENT, AttendanceSession.state != SessionState.CANCELLED)
