"""Insertion counts computed in SQL: one grouped query per breakdown, whatever the number of learners.

What is counted and how the counts become rates and shown figures: bootcamp/indicators.py.
"""

from typing import Protocol, TypeVar

import sqlalchemy as sa

from ..certification.results import SAT, standing
from ..dates import due_cutoff
from ..extensions import db
from ..indicators import COUNT_FIELDS, GROUPINGS, Counts, Filters, SituationMix
from ..models import (
    DURABLE_SITUATIONS,
    EMPLOYMENT_SITUATIONS,
    AgeBand,
    Certification,
    Cohort,
    Diploma,
    Enrolment,
    EnrolmentStatus,
    Gender,
    Learner,
    Outcome,
    PublicFlag,
    Referrer,
    Site,
    Situation,
)

ORDERED = {"gender": Gender, "age": AgeBand, "public": PublicFlag, "diploma": Diploma, "referrer": Referrer}


def _population(filters: Filters, with_certification: bool = True) -> sa.Select:
    """Enrolments of the selected cohorts, with their learner, cohort and follow-up at the point (and their derived
    certification, unless `with_certification` is false)."""
    query = (
        sa.select()
        .select_from(Enrolment)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .outerjoin(Outcome, sa.and_(Outcome.enrolment_id == Enrolment.id, Outcome.point == filters.point))
        .where(Cohort.start_date <= filters.as_of)
    )
    if with_certification:
        certification = standing(filters.as_of)
        query = query.outerjoin(certification, certification.c.enrolment_id == Enrolment.id)
    return selected(query, filters)


def selected(query: sa.Select, filters: Filters, gender: sa.ColumnElement | None = None) -> sa.Select:
    """`query`, which reads cohorts (and learners), kept to the cohorts (site, programme, start years) and the gender
    the filters choose; `gender` is the column that tells it (the learner's, by default). Every figure page's
    filters, applied in one way."""
    if filters.site_id is not None:
        query = query.where(Cohort.site_id == filters.site_id)
    if filters.programme_id is not None:
        query = query.where(Cohort.programme_id == filters.programme_id)
    if filters.years:
        query = query.where(sa.extract("year", Cohort.start_date).in_(filters.years))
    if filters.gender is not None:
        query = query.where((Learner.gender if gender is None else gender) == filters.gender)
    return query


def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """How many rows of the group meet `condition` (0 for none)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _aggregates(filters: Filters) -> list[sa.ColumnElement]:
    """The counts of Counts; sat_exam and certified read the derived certification as of the day
    (certification/results.py: the certification export counts the same)."""
    certification = standing(filters.as_of).c.status
    due = sa.and_(Enrolment.is_leaver, Enrolment.exit_date <= due_cutoff(filters.as_of, filters.point))
    return [
        sa.func.count(Enrolment.id).label("entrants"),
        count_if(Enrolment.status == EnrolmentStatus.DROPPED).label("dropped"),
        count_if(Enrolment.status == EnrolmentStatus.FINISHED).label("finished"),
        count_if(certification.in_([status.value for status in SAT])).label("sat_exam"),
        count_if(certification == Certification.OBTAINED.value).label("certified"),
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
    """The SQL expression of a breakdown's group (one of GROUPINGS), and a table to join for it."""
    if by not in GROUPINGS:
        raise ValueError(f"no breakdown named {by!r}")
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


def join_group(query: sa.Select, by: str, joined: sa.Subquery | None) -> sa.Select:
    """`query`, which reads enrolments with their learner and cohort, joined to what breakdown `by`'s group column
    reads (group_column): the site; the public flags (one row per flag held)."""
    if by == "site":
        query = query.join(Site, Site.id == Cohort.site_id)
    if joined is not None:
        query = query.join(joined, joined.c.learner_id == Learner.id)
    return query


class Grouped(Protocol):
    group: str


G = TypeVar("G", bound=Grouped)


def in_code_order(rows: list[G], by: str) -> list[G]:
    """Groups in the order DOMAIN.md gives their codes (under 26, 26-44, 45 and more...), else as they are."""
    if by not in ORDERED:
        return rows
    order = [member.value for member in ORDERED[by]]
    return sorted(rows, key=lambda item: order.index(item.group) if item.group in order else len(order))


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
    query = join_group(_population(filters), by, joined)
    query = query.add_columns(column.label("grp"), *_aggregates(filters)).group_by(column).order_by(column)
    return in_code_order([_counts(row, _code(row.grp, by)) for row in db.session.execute(query)], by)


def indicator_rows(filters: Filters, by: str) -> list[Counts]:
    """The `all` counts, then each group's: indicators.table makes them the rows the tables and exports show."""
    return [totals(filters), *breakdown(filters, by)]


def situation_mix(filters: Filters) -> list[SituationMix]:
    """For each cohort year, how many due leavers are in each situation at the point (one query)."""
    year = sa.extract("year", Cohort.start_date)
    query = (
        _population(filters, with_certification=False)
        .add_columns(year.label("year"), Outcome.situation, sa.func.count(Enrolment.id).label("people"))
        .where(Enrolment.is_leaver, Enrolment.exit_date <= due_cutoff(filters.as_of, filters.point))
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
