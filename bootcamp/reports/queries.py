"""Insertion indicators computed in SQL: one grouped query per breakdown, whatever the number of learners.

Definitions (DOMAIN.md, "The rates managers report"), for the leavers of the selected cohorts and a
follow-up point N:
- due: leavers (dropped or finished) whose +N follow-up date (exit date + N months) is on or before
  the "as of" date; known: due with a recorded situation other than « sans nouvelles »;
- employment rate = employed / known; positive exit rate = (employed + training) / known;
  durable employment rate = durable / known; response rate = known / due;
  conservative employment rate = employed / due (unknowns and missing follow-ups count as not employed);
- completion = finished / entrants; dropout = dropped / entrants;
  certification = title obtained / those who sat the exam (obtained + partial + failed).
A group of fewer than 5 entrants shows no figure; a rate whose denominator is under 5 is not shown.
"""

from dataclasses import dataclass, field, fields
from datetime import date, timedelta

import sqlalchemy as sa

from ..dates import add_months
from ..extensions import db
from ..models import (
    DURABLE_SITUATIONS,
    AgeBand,
    Diploma,
    Referrer,
    EMPLOYMENT_SITUATIONS,
    Certification,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Gender,
    Learner,
    Outcome,
    PublicFlag,
    Site,
    Situation,
)

SMALL_GROUP = 5  # fewer people than this: « moins de 5 », no figure
ORDERED = {"gender": Gender, "age": AgeBand, "public": PublicFlag, "diploma": Diploma, "referrer": Referrer}
GROUPINGS = ("gender", "age", "public", "diploma", "referrer", "site", "cohort", "year")


@dataclass(frozen=True)
class Filters:
    """What the dashboard, the CSV and the CLI can filter on; the URL carries them."""

    point: int = 6
    as_of: date = field(default_factory=date.today)
    site_id: int | None = None
    programme_id: int | None = None
    years: tuple[int, ...] = ()
    gender: Gender | None = None


def due_cutoff(as_of: date, point: int) -> date:
    """The latest exit date whose +`point` months follow-up is due on `as_of`.

    Follow-ups fall on exit date + N months (clamped to the month's end, 31 Aug + 6 -> 28 Feb), so
    the set of due exit dates is everything up to this day.
    """
    cutoff = add_months(as_of, -point)
    while add_months(cutoff + timedelta(days=1), point) <= as_of:
        cutoff += timedelta(days=1)
    while add_months(cutoff, point) > as_of:
        cutoff -= timedelta(days=1)
    return cutoff


@dataclass(frozen=True)
class Counts:
    """The counts of one group; rates are derived from them."""

    group: str
    entrants: int = 0
    dropped: int = 0
    finished: int = 0
    sat_exam: int = 0
    certified: int = 0
    due: int = 0
    known: int = 0
    employed: int = 0
    durable: int = 0
    positive: int = 0

    @property
    def small(self) -> bool:
        return self.entrants < SMALL_GROUP

    @staticmethod
    def _rate(numerator: int, denominator: int) -> float | None:
        if denominator < SMALL_GROUP:
            return None
        return 100.0 * numerator / denominator

    @property
    def employment_rate(self) -> float | None:
        return self._rate(self.employed, self.known)

    @property
    def positive_rate(self) -> float | None:
        return self._rate(self.positive, self.known)

    @property
    def durable_rate(self) -> float | None:
        return self._rate(self.durable, self.known)

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.known, self.due)

    @property
    def conservative_employment_rate(self) -> float | None:
        return self._rate(self.employed, self.due)

    @property
    def completion_rate(self) -> float | None:
        return self._rate(self.finished, self.entrants)

    @property
    def dropout_rate(self) -> float | None:
        return self._rate(self.dropped, self.entrants)

    @property
    def certification_rate(self) -> float | None:
        return self._rate(self.certified, self.sat_exam)


COUNT_FIELDS = tuple(f.name for f in fields(Counts) if f.name != "group")


def _population(filters: Filters) -> sa.Select:
    """Enrolments of the selected cohorts, with their learner, cohort and follow-up at the point."""
    query = (
        sa.select()
        .select_from(Enrolment)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .outerjoin(Outcome, sa.and_(Outcome.enrolment_id == Enrolment.id, Outcome.point == filters.point))
        .where(Cohort.start_date <= filters.as_of)
    )
    if filters.site_id is not None:
        query = query.where(Cohort.site_id == filters.site_id)
    if filters.programme_id is not None:
        query = query.where(Cohort.programme_id == filters.programme_id)
    if filters.years:
        query = query.where(sa.extract("year", Cohort.start_date).in_(filters.years))
    if filters.gender is not None:
        query = query.where(Learner.gender == filters.gender)
    return query


def _aggregates(filters: Filters) -> list[sa.ColumnElement]:
    def count_if(condition: sa.ColumnElement) -> sa.ColumnElement:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    leaver = Enrolment.status.in_([EnrolmentStatus.DROPPED, EnrolmentStatus.FINISHED])
    due = sa.and_(leaver, Enrolment.exit_date <= due_cutoff(filters.as_of, filters.point))
    return [
        sa.func.count(Enrolment.id).label("entrants"),
        count_if(Enrolment.status == EnrolmentStatus.DROPPED).label("dropped"),
        count_if(Enrolment.status == EnrolmentStatus.FINISHED).label("finished"),
        count_if(
            Enrolment.certification.in_([Certification.OBTAINED, Certification.PARTIAL, Certification.FAILED])
        ).label("sat_exam"),
        count_if(Enrolment.certification == Certification.OBTAINED).label("certified"),
        count_if(due).label("due"),
        count_if(sa.and_(due, Outcome.situation.is_not(None), Outcome.situation != Situation.UNKNOWN)).label("known"),
        count_if(sa.and_(due, Outcome.situation.in_(EMPLOYMENT_SITUATIONS))).label("employed"),
        count_if(sa.and_(due, Outcome.situation.in_(DURABLE_SITUATIONS))).label("durable"),
        count_if(sa.and_(due, Outcome.situation.in_(EMPLOYMENT_SITUATIONS | {Situation.TRAINING}))).label("positive"),
    ]


def _public_flags() -> sa.Subquery:
    """(learner_id, flag) for every public flag a learner holds: a learner counts in each of theirs."""
    return sa.union_all(
        *(
            sa.select(Learner.id.label("learner_id"), sa.literal(flag.value).label("flag")).where(
                getattr(Learner, flag.value)
            )
            for flag in PublicFlag
        )
    ).subquery("flags")


def group_column(by: str) -> tuple[sa.ColumnElement, sa.Subquery | None]:
    """The SQL expression of a breakdown's group, and a table to join for it."""
    if by == "public":
        flags = _public_flags()
        return flags.c.flag, flags
    columns = {
        "gender": Learner.gender,
        "age": Enrolment.age_band,
        "diploma": Learner.diploma,
        "referrer": Learner.referrer,
        "site": Site.name,
        "cohort": Cohort.name,
        "year": sa.extract("year", Cohort.start_date),
    }
    return columns[by], None


def _counts(row: sa.Row, group: str) -> Counts:
    return Counts(group=group, **{name: int(getattr(row, name) or 0) for name in COUNT_FIELDS})


def _code(value: object, by: str) -> str:
    """The group's code in DOMAIN.md terms (years as 2024, names as they are)."""
    if value is None:
        return "unknown"
    if by == "year":
        return str(int(value))
    return str(getattr(value, "value", value))


def totals(filters: Filters) -> Counts:
    """The counts of everyone selected: the `all` row."""
    row = db.session.execute(_population(filters).add_columns(*_aggregates(filters))).one()
    return _counts(row, "all")


def breakdown(filters: Filters, by: str) -> list[Counts]:
    """The counts of each group of a breakdown (one query), groups in code order."""
    column, joined = group_column(by)
    query = _population(filters)
    if by == "site":
        query = query.join(Site, Site.id == Cohort.site_id)
    if joined is not None:
        query = query.join(joined, joined.c.learner_id == Learner.id)
    query = query.add_columns(column.label("grp"), *_aggregates(filters)).group_by(column).order_by(column)
    rows = [_counts(row, _code(row.grp, by)) for row in db.session.execute(query)]
    if by in ORDERED:  # codes in the order DOMAIN.md gives them (under 26, 26-44, 45 and more...)
        order = [member.value for member in ORDERED[by]]
        rows.sort(key=lambda counts: order.index(counts.group) if counts.group in order else len(order))
    return rows


def indicator_rows(filters: Filters, by: str) -> list[Counts]:
    """The `all` row, then one row per group: what the CSV export and the tables show."""
    return [totals(filters), *breakdown(filters, by)]


@dataclass(frozen=True)
class SituationMix:
    year: int
    due: int
    by_situation: dict[Situation | None, int]  # None: no situation recorded yet


def situation_mix(filters: Filters) -> list[SituationMix]:
    """For each cohort year, how many due leavers are in each situation at the point (one query)."""
    year = sa.extract("year", Cohort.start_date)
    leaver = Enrolment.status.in_([EnrolmentStatus.DROPPED, EnrolmentStatus.FINISHED])
    query = (
        _population(filters)
        .add_columns(year.label("year"), Outcome.situation, sa.func.count(Enrolment.id).label("people"))
        .where(leaver, Enrolment.exit_date <= due_cutoff(filters.as_of, filters.point))
        .group_by(year, Outcome.situation)
        .order_by(year)
    )
    mix: dict[int, dict[Situation | None, int]] = {}
    for row in db.session.execute(query):
        mix.setdefault(int(row.year), {})[row.situation] = row.people
    return [
        SituationMix(
            year=year_,
            due=sum(counts.values()),
            by_situation={situation: counts.get(situation, 0) for situation in (*Situation, None)},
        )
        for year_, counts in sorted(mix.items())
    ]
