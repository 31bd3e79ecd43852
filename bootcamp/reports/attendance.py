"""Attendance by group for managers: hours summed in SQL over the roll-call records of a period, all the groups in
one query, then the small-group rule; the dashboard's attendance page, /attendance/export.csv and
`flask export attendance` read the rows made here.

What counts and how hours and rates are computed: bootcamp/attendance/hours.py, the one definition (held half-days
in the centre whose roll call holds a record; a half-day not yet taken counts nowhere). The records of the period
are read once per request (2.6 million in ten years): summed per enrolment first, then per group, in one query.
The groups are the insertion export's (reports/queries.py `group_column`, same codes, same order); `learners` are
the distinct learners with a record in the period, and the rule of indicators.py `hiding` hides a group of fewer
than SMALL_GROUP of them, and the next smallest where it must (secondary suppression), with the marks of the
insertion export (`<5`, `*`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from ..attendance.hours import Hours, counted_records, minute_sums
from ..dates import add_months
from ..extensions import db
from ..indicators import hiding
from ..models import AttendanceRecord, AttendanceSession, Cohort, Enrolment, Learner
from .export import SECONDARY, SMALL, csv_line
from .queries import _code, group_column, in_code_order, join_group

DEFAULT_MONTHS = 12  # no period asked for: the last 12 months, up to today
# The machine format of /attendance/export.csv and `flask export attendance`: scripts read it, it never changes.
COLUMNS = (
    "group",
    "learners",
    "planned_hours",
    "present_hours",
    "justified_absence_hours",
    "unjustified_absence_hours",
    "attendance_rate",
    "unjustified_rate",
)
# The breakdowns the dashboard's attendance page draws, in its order (the CSV takes any of GROUPINGS).
PAGE_BREAKDOWNS = ("year", "gender", "age", "public", "diploma")


@dataclass(frozen=True)
class Period:
    """The half-days counted: those whose day falls between `first` and `last`, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise ValueError("the period ends before it starts")


def period(first: date | None, last: date | None, today: date) -> Period:
    """The period asked for: no end is today; no start is DEFAULT_MONTHS before the end (the day after); a start
    after the end raises ValueError."""
    last = last or today
    return Period(first or add_months(last, -DEFAULT_MONTHS) + timedelta(days=1), last)


@dataclass(frozen=True)
class AttendanceRow:
    """One group as the page, its charts and the CSV show it: its learners and hours, unless hidden."""

    group: str
    learners: int
    hours: Hours
    hidden: bool = False  # only « fewer than 5 » (or `*` when secondary) is shown
    secondary: bool = False  # hidden though SMALL_GROUP or more, so that a small hidden group cannot be derived


MINUTES = tuple(Hours.__dataclass_fields__)  # the labels of hours.minute_sums(), in Hours' order


def _per_enrolment(within: Period) -> sa.CTE:
    """Each enrolment's sums of minutes over the counted records of the period: the one pass over the records."""
    return (
        counted_records(AttendanceRecord.enrolment_id.label("enrolment_id"), *minute_sums())
        .where(AttendanceSession.day >= within.first, AttendanceSession.day <= within.last)
        .group_by(AttendanceRecord.enrolment_id)
        .cte("per_enrolment")
    )


def _sums(per: sa.CTE, by: str, group: sa.ColumnElement) -> sa.Select:
    """SELECT the breakdown's name, the group, its distinct learners and its sums of minutes, from the enrolments'."""
    return (
        sa.select(
            sa.cast(sa.literal(by), sa.String).label("breakdown"),
            sa.cast(group, sa.String).label("grp"),
            sa.func.count(sa.distinct(Enrolment.learner_id)).label("learners"),
            *(sa.func.sum(per.c[name]).label(name) for name in MINUTES),
        )
        .select_from(per)
        .join(Enrolment, Enrolment.id == per.c.enrolment_id)
    )


def _grouped(per: sa.CTE, by: str) -> sa.Select:
    """The sums of each group of breakdown `by` (the insertion export's group column, reports/queries.py)."""
    column, joined = group_column(by)
    query = (
        _sums(per, by, column)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
    )
    return join_group(query, by, joined).group_by(column)


def tables(within: Period, breakdowns: Sequence[str]) -> dict[str, list[AttendanceRow]]:
    """The rows shown of each breakdown (`all` first, then each group with records in the period), in ONE query:
    the records of the period are read once, summed per enrolment, then per group for everyone and each breakdown."""
    per = _per_enrolment(within)
    union = sa.union_all(_sums(per, "all", sa.null()), *(_grouped(per, by) for by in breakdowns)).subquery()
    everyone, groups = AttendanceRow("all", 0, Hours()), {by: [] for by in breakdowns}
    for result in db.session.execute(sa.select(union).order_by(union.c.grp)):
        if result.breakdown == "all":
            everyone = AttendanceRow("all", int(result.learners or 0), Hours.of(result))
        else:
            groups[result.breakdown].append(
                AttendanceRow(_code(result.grp, result.breakdown), int(result.learners), Hours.of(result))
            )
    return {by: table([everyone, *in_code_order(groups[by], by)], by) for by in breakdowns}


def table(groups: Sequence[AttendanceRow], by: str) -> list[AttendanceRow]:
    """The rows shown (`all` first): hidden as indicators.hiding decides from each group's learners."""
    marks = hiding([item.learners for item in groups], by)
    return [
        AttendanceRow(item.group, item.learners, item.hours, mark.hidden, mark.secondary)
        for item, mark in zip(groups, marks, strict=True)
    ]


def attendance_rows(within: Period, by: str) -> list[AttendanceRow]:
    """The `all` row then each group's of breakdown `by` (one of GROUPINGS), as shown (one query)."""
    return tables(within, (by,))[by]


def charted(rows: Iterable[AttendanceRow]) -> list[AttendanceRow]:
    """The rows a chart draws: those shown with hours planned."""
    return [item for item in rows if not item.hidden and item.hours.attendance_rate is not None]


def csv_row(item: AttendanceRow) -> list[object]:
    """One row: learners as an integer, hours with two decimals, rates in % with one decimal; a hidden group shows
    `<5` (or `*`, hidden by secondary suppression) and nothing else."""
    if item.hidden:
        return [item.group, SECONDARY if item.secondary else SMALL, *([None] * (len(COLUMNS) - 2))]
    hours = item.hours
    return [
        item.group,
        item.learners,
        hours.planned_hours,
        hours.present_hours,
        hours.justified_absence_hours,
        hours.unjustified_absence_hours,
        hours.attendance_rate,
        hours.unjustified_rate,
    ]


def to_csv(rows: Iterable[AttendanceRow]) -> str:
    """UTF-8 text, comma-separated, the header then one row per group (`all` first), as export.py writes CSV."""
    return csv_line(COLUMNS) + "".join(csv_line(csv_row(item)) for item in rows)
