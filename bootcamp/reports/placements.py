"""Placement figures by group for managers (issue 18): who had a placement by the start of their cohort's placement
period, and who was hired by their host company at exit; counted in SQL, `all` and every group of a breakdown in ONE
query, then the small-group rule. The page /placements, the dashboard's « Stages » block, /placements/export.csv and
`flask export placements` read the rows made here.

- A cohort's placement period is its half-days « en entreprise » in the timetable (AttendanceSession.kind
  PLACEMENT, not cancelled: a cancelled half-day is not held); it starts on the first such day (`period_starts`).
  A cohort without one counts in neither side of the placement rate.
- learners = enrolments of the cohorts whose period has started (first day on or before the « as of » day) who had
  not left before it (in training, or an exit date on or after the first day); placed by the start = those of
  them with a placement that starts on or before the first day. placement rate = placed by the start / learners.
- leavers with a placement = leavers (dropped or finished, exit date on or before the « as of » day) with a
  placement that started on or before their exit date; known = those whose exit situation (the follow-up at the
  exit, point 0) is recorded and not « sans nouvelles »; hired by host = known, in employment (EMPLOYMENT_SITUATIONS)
  and at a placement's company: the exit employer compares equal to the company's name (Outcome.employer_key ==
  Placement.company_key: case, accents and spaces ignored) or a manager ticked the placement « embauché·e par
  l'entreprise d'accueil » (the employer is written otherwise). hired-by-host rate = hired by host / known: the tick
  says who the employer is, the exit situation still says whether there is a job.
The groups are the insertion export's codes, in its order (reports/queries.py), for `year` (the cohort's start),
`gender`, `age`, `public` (a learner counts in each of their publics) and `diploma`. Each row has two halves, each
hidden by indicators.py `hiding` (the one small-group rule, with its secondary suppression) from its own people:
the placement half from `learners`, the hired-by-host half from `known`; a hidden half shows its mark (`<5`, or `*`
for secondary suppression) in that column and nothing else. No rate under SMALL_GROUP (indicators.rate). A half that
nobody is in (a cohort year without a placement period in the timetable, a cohort still in training: no leaver)
shows `<5` but is no group for secondary suppression: there is nobody to protect, and hiding another year for it
would hide figures every year. A group nobody counts in on either half is not listed.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import sqlalchemy as sa

from ..extensions import db
from ..indicators import Filters, Hiding, hiding, rate
from ..models import (
    EMPLOYMENT_SITUATIONS,
    AttendanceSession,
    Cohort,
    Enrolment,
    Learner,
    Outcome,
    Placement,
    Situation,
)
from ..placements.days import period_half_days
from .export import SECONDARY, SMALL, csv_line
from .queries import _code, count_if, group_column, in_code_order, join_group, selected

# The machine format of /placements/export.csv and `flask export placements`: scripts read it, it never changes.
COLUMNS = (
    "group",
    "learners",
    "placed_by_start",
    "placement_rate",
    "leavers_with_placement",
    "known",
    "hired_by_host",
    "hired_by_host_rate",
)
BREAKDOWNS = ("year", "gender", "age", "public", "diploma")  # what the page, the CSV and the command take, in order
ALL = "all"
EXIT_POINT = 0  # the follow-up point of the situation at exit
COUNTS = ("learners", "placed_by_start", "leavers_with_placement", "known", "hired_by_host")
SHOWN = Hiding(False)


@dataclass(frozen=True)
class PlacementRow:
    """One group as the page, its charts and the CSV show it: each half's counts unless that half is hidden."""

    group: str
    learners: int = 0
    placed_by_start: int = 0
    leavers_with_placement: int = 0
    known: int = 0
    hired_by_host: int = 0
    placement_mark: Hiding = SHOWN  # the placement half, hidden from `learners`
    hired_mark: Hiding = SHOWN  # the hired-by-host half, hidden from `known`

    @property
    def placement_rate(self) -> float | None:
        """Placed by the start / learners, in %; None when hidden or under SMALL_GROUP learners."""
        return None if self.placement_mark.hidden else rate(self.placed_by_start, self.learners)

    @property
    def hired_by_host_rate(self) -> float | None:
        """Hired by host / known, in %; None when hidden or under SMALL_GROUP known exits."""
        return None if self.hired_mark.hidden else rate(self.hired_by_host, self.known)

    def fraction(self, name: str) -> tuple[int, int]:
        """The numerator and the denominator of a rate, to show beside it (« 7 sur 12 »)."""
        if name == "placement_rate":
            return self.placed_by_start, self.learners
        return self.hired_by_host, self.known


def period_starts() -> sa.Subquery:
    """(cohort_id, first_day): the first day of each cohort's placement period (days.period_half_days)."""
    return (
        sa.select(AttendanceSession.cohort_id, sa.func.min(AttendanceSession.day).label("first_day"))
        .where(period_half_days())
        .group_by(AttendanceSession.cohort_id)
        .subquery("periods")
    )


def _counted(filters: Filters, first_day: sa.ColumnElement) -> sa.ColumnElement[bool]:
    """In the placement rate's learners: the cohort's period has started, and they had not left before it."""
    return sa.and_(
        first_day <= filters.as_of,
        sa.or_(sa.not_(Enrolment.is_leaver), Enrolment.exit_date >= first_day),  # in training, or left on it or after
    )


def _before_exit() -> tuple[sa.ColumnElement[bool], ...]:
    """A placement of the enrolment that started on or before its exit (correlated: the enrolment is the outer one)."""
    return Placement.enrolment_id == Enrolment.id, Placement.start_date <= Enrolment.exit_date


def _with_placement(filters: Filters) -> sa.ColumnElement[bool]:
    """A leaver by the « as of » day who had a placement that started on or before their exit."""
    return sa.and_(Enrolment.is_leaver, Enrolment.exit_date <= filters.as_of, sa.exists().where(*_before_exit()))


def _sums(filters: Filters, first_day: sa.ColumnElement) -> list[sa.ColumnElement]:
    """The counts of PlacementRow over the enrolments of a group (correlated EXISTS on each one's placements)."""
    counted = _counted(filters, first_day)
    placed = sa.exists().where(Placement.enrolment_id == Enrolment.id, Placement.start_date <= first_day)
    with_placement = _with_placement(filters)
    known = sa.and_(with_placement, Outcome.situation.is_not(None), Outcome.situation != Situation.UNKNOWN)
    at_host = sa.or_(
        Placement.hired_by_host, sa.and_(Outcome.employer_key != "", Placement.company_key == Outcome.employer_key)
    )
    hired = sa.and_(known, Outcome.situation.in_(EMPLOYMENT_SITUATIONS), sa.exists().where(*_before_exit(), at_host))
    return [
        count_if(counted).label("learners"),
        count_if(sa.and_(counted, placed)).label("placed_by_start"),
        count_if(with_placement).label("leavers_with_placement"),
        count_if(known).label("known"),
        count_if(hired).label("hired_by_host"),
    ]


def _part(filters: Filters, by: str) -> sa.Select:
    """The counts of each group of breakdown `by` (`all`: one group) over the selected cohorts' enrolments."""
    periods = period_starts()
    column, joined = (sa.null(), None) if by == ALL else group_column(by)
    query = (
        sa.select(
            sa.cast(sa.literal(by), sa.String).label("breakdown"),
            sa.cast(column, sa.String).label("grp"),
            *_sums(filters, periods.c.first_day),
        )
        .select_from(Enrolment)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .outerjoin(periods, periods.c.cohort_id == Cohort.id)
        .outerjoin(Outcome, sa.and_(Outcome.enrolment_id == Enrolment.id, Outcome.point == EXIT_POINT))
    )
    query = selected(query, filters)
    if by == ALL:
        return query
    somebody = count_if(sa.or_(_counted(filters, periods.c.first_day), _with_placement(filters))) > 0
    return join_group(query, by, joined).group_by(column).having(somebody)


def _counts(result: sa.Row) -> dict[str, int]:
    return {name: int(getattr(result, name) or 0) for name in COUNTS}


def counted(filters: Filters, breakdowns: Sequence[str]) -> dict[str, list[PlacementRow]]:
    """`all` (key ALL) and each breakdown's counts (`all` first, then each group in code order), before the
    small-group rule, in ONE query."""
    unknown = set(breakdowns) - set(BREAKDOWNS)
    if unknown:
        raise ValueError(f"no breakdown named {sorted(unknown)[0]!r}")
    union = sa.union_all(*(_part(filters, by) for by in (ALL, *breakdowns))).subquery()
    everyone = PlacementRow(ALL)
    groups: dict[str, list[PlacementRow]] = {by: [] for by in breakdowns}
    for result in db.session.execute(sa.select(union).order_by(union.c.breakdown, union.c.grp)):
        if result.breakdown == ALL:
            everyone = PlacementRow(ALL, **_counts(result))
        else:
            groups[result.breakdown].append(PlacementRow(_code(result.grp, result.breakdown), **_counts(result)))
    return {ALL: [everyone]} | {by: [everyone, *in_code_order(groups[by], by)] for by in breakdowns}


def _hiding(sizes: Sequence[int], by: str) -> list[Hiding]:
    """indicators.hiding over `all` and the groups somebody is in; a group of nobody is hidden (`<5`), alone."""
    kept = [0, *(index for index in range(1, len(sizes)) if sizes[index] > 0)]
    marks = dict(zip(kept, hiding([sizes[index] for index in kept], by), strict=True))
    return [marks.get(index, Hiding(True)) for index in range(len(sizes))]


def table(groups: Sequence[PlacementRow], by: str) -> list[PlacementRow]:
    """The rows shown (`all` first): each half hidden as indicators.hiding decides from its own people (learners;
    known exits), its counts emptied."""
    placement = _hiding([item.learners for item in groups], by)
    hired = _hiding([item.known for item in groups], by)
    rows = []
    for item, placement_mark, hired_mark in zip(groups, placement, hired, strict=True):
        if placement_mark.hidden:
            item = replace(item, learners=0, placed_by_start=0, placement_mark=placement_mark)
        if hired_mark.hidden:
            item = replace(item, leavers_with_placement=0, known=0, hired_by_host=0, hired_mark=hired_mark)
        rows.append(item)
    return rows


def tables(filters: Filters, breakdowns: Sequence[str]) -> dict[str, list[PlacementRow]]:
    """The rows shown of each breakdown (`all` first, then each group), in one query."""
    return {by: table(rows, by) for by, rows in counted(filters, breakdowns).items() if by != ALL}


def headline(filters: Filters) -> PlacementRow:
    """The `all` row as shown (each half hidden under SMALL_GROUP people), in one query: the dashboard's block."""
    # `all` alone: no group to protect by secondary suppression, so any breakdown's rule hides it the same way
    return table(counted(filters, ())[ALL], "year")[0]


def placement_rows(filters: Filters, by: str) -> list[PlacementRow]:
    """The `all` row then each group's of breakdown `by`, as shown (one query)."""
    return tables(filters, (by,))[by]


def charted(rows: Iterable[PlacementRow], name: str) -> list[PlacementRow]:
    """The rows a chart of rate `name` (placement_rate, hired_by_host_rate) draws: those with that rate shown."""
    return [item for item in rows if getattr(item, name) is not None]


def _mark(mark: Hiding) -> str:
    return SECONDARY if mark.secondary else SMALL


def csv_row(item: PlacementRow) -> list[object]:
    """One row: counts as integers, rates in % with one decimal (empty under SMALL_GROUP); a hidden half shows `<5`
    (or `*`, hidden by secondary suppression) in its people's column (learners; known), and nothing else."""
    rates = (item.placement_rate, item.hired_by_host_rate)
    placement_rate, hired_rate = (None if value is None else round(value, 1) for value in rates)
    placement = (
        [_mark(item.placement_mark), None, None]
        if item.placement_mark.hidden
        else [item.learners, item.placed_by_start, placement_rate]
    )
    hired = (
        [None, _mark(item.hired_mark), None, None]
        if item.hired_mark.hidden
        else [item.leavers_with_placement, item.known, item.hired_by_host, hired_rate]
    )
    return [item.group, *placement, *hired]


def to_csv(rows: Iterable[PlacementRow]) -> str:
    """UTF-8 text, comma-separated, the header then one row per group (`all` first), as export.py writes CSV."""
    return csv_line(COLUMNS) + "".join(csv_line(csv_row(item)) for item in rows)
