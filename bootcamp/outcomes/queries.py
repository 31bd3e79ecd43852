"""Which follow-ups are due and not recorded; a learner's whole path."""

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..dates import add_months, due_cutoff
from ..extensions import db
from ..models import FOLLOW_UP_POINTS, Cohort, Enrolment, Learner, Outcome, OutcomeSource

OVERDUE_AFTER_DAYS = 30  # a follow-up still missing a month after its date is overdue


@dataclass(frozen=True)
class DueFollowUp:
    enrolment: Enrolment
    point: int
    due_date: date

    def overdue(self, today: date) -> bool:
        return (today - self.due_date).days > OVERDUE_AFTER_DAYS


class MonthsAfter(sa.sql.functions.FunctionElement[date]):
    """`dates.add_months(day, months)` in SQL: the same day `months` later, clamped to the end of shorter months."""

    type = sa.Date()
    name = "months_after"
    inherit_cache = True


@compiles(MonthsAfter)
def _months_after(element: MonthsAfter, compiler: sa.sql.compiler.SQLCompiler, **kw: Any) -> str:
    day, months = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST({day} + make_interval(months => {months}) AS DATE)"  # PostgreSQL clamps to the month's end


@compiles(MonthsAfter, "sqlite")
def _months_after_sqlite(element: MonthsAfter, compiler: sa.sql.compiler.SQLCompiler, **kw: Any) -> str:
    day, months = (compiler.process(clause, **kw) for clause in element.clauses)
    first = f"date({day}, 'start of month', '+' || ({months}) || ' months')"  # SQLite would overflow 31 Jan + 1
    same_day = f"date({first}, '+' || (CAST(strftime('%d', {day}) AS INTEGER) - 1) || ' days')"
    return f"min({same_day}, date({first}, '+1 month', '-1 day'))"


class CodepointOrder(sa.sql.expression.ColumnElement[str]):
    """A text column compared code point by code point, as Python compares strings (PostgreSQL's "C")."""

    inherit_cache = True

    def __init__(self, column: sa.ColumnElement[str]) -> None:
        self.column = column
        self.type = column.type

    _traverse_internals = [("column", sa.sql.visitors.InternalTraversal.dp_clauseelement)]


@compiles(CodepointOrder)
def _codepoint_order(element: CodepointOrder, compiler: sa.sql.compiler.SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.column, **kw)} COLLATE "C"'


@compiles(CodepointOrder, "sqlite")
def _codepoint_order_sqlite(element: CodepointOrder, compiler: sa.sql.compiler.SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)  # SQLite's BINARY collation, the default


# Letters compared without their accents when sorting names (« Émile » beside « Emma », not after « Zola »).
ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ"
UNACCENTED = "aaaaaaceeeeiiiinooooouuuuyyaaaaaaceeeeiiiinooooouuuuyy"


class SortName(sa.sql.expression.ColumnElement[str]):
    """A name as people sort it: case and accents ignored, the same order on SQLite and PostgreSQL."""

    inherit_cache = True

    def __init__(self, column: sa.ColumnElement[str]) -> None:
        self.column = column
        self.type = column.type

    _traverse_internals = [("column", sa.sql.visitors.InternalTraversal.dp_clauseelement)]


@compiles(SortName)
def _sort_name(element: SortName, compiler: sa.sql.compiler.SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"lower(translate({column}, '{ACCENTED}', '{UNACCENTED}')) COLLATE \"C\""


@compiles(SortName, "sqlite")
def _sort_name_sqlite(element: SortName, compiler: sa.sql.compiler.SQLCompiler, **kw: Any) -> str:
    return f"sort_name({compiler.process(element.column, **kw)})"  # SQLite has no translate(): see below


_UNACCENT = str.maketrans(ACCENTED, UNACCENTED)


def _sort_name_python(name: str | None) -> str | None:
    return None if name is None else name.translate(_UNACCENT).lower()


@sa.event.listens_for(sa.engine.Engine, "connect")
def _register_sort_name(dbapi_connection: Any, _record: Any) -> None:
    """On SQLite, `sort_name(x)`: what PostgreSQL computes with lower(translate(x, ...)), in Python."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("sort_name", 1, _sort_name_python, deterministic=True)


DUE_ORDERS = ("recent", "oldest", "name")  # the first is the default: this week's exits first


@dataclass(frozen=True)
class DueFilters:
    """What the queue shows: a site, a cohort, a follow-up point, the overdue ones only; and in which order."""

    site_id: int | None = None
    cohort_id: int | None = None
    point: int | None = None
    overdue_only: bool = False
    order: str = DUE_ORDERS[0]
    due_since: date | None = None  # only the follow-ups due on or after this day (the ones still mailed)


def _ordered(query: sa.Select, order: str, due_date: sa.ColumnElement[date], point: sa.ColumnElement[int]) -> sa.Select:
    # People as they sort them, in every order (« Émile » beside « Emma », « Alex » before « Astrid »).
    names = (SortName(Learner.last_name), SortName(Learner.first_name), CodepointOrder(Learner.last_name))
    if order == "name":
        keys = (*names, due_date.desc())
    elif order == "oldest":
        keys = (due_date, *names)
    else:
        keys = (due_date.desc(), *names)
    return query.order_by(*keys, point, Enrolment.id)


def missing_follow_ups(today: date, filters: DueFilters = DueFilters()) -> sa.Select:
    """Follow-ups whose date has passed and that nobody recorded, in the filters' order: (Enrolment, point,
    due_date) rows, with each enrolment's learner, cohort and site, to count or to page through."""
    points = sa.union_all(
        *(
            sa.select(sa.literal(point).label("point"), sa.literal(due_cutoff(today, point), sa.Date).label("cutoff"))
            for point in FOLLOW_UP_POINTS
        )
    ).subquery("points")
    due_date = MonthsAfter(Enrolment.exit_date, points.c.point)
    query = (
        sa.select(Enrolment, points.c.point, due_date.label("due_date"))
        .join(points, Enrolment.exit_date <= points.c.cutoff)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .outerjoin(Outcome, sa.and_(Outcome.enrolment_id == Enrolment.id, Outcome.point == points.c.point))
        .where(Outcome.id.is_(None), Enrolment.is_leaver)
        .options(contains_eager(Enrolment.learner), contains_eager(Enrolment.cohort).joinedload(Cohort.site))
    )
    if filters.site_id is not None:
        query = query.where(Cohort.site_id == filters.site_id)
    if filters.cohort_id is not None:
        query = query.where(Cohort.id == filters.cohort_id)
    if filters.point is not None:
        query = query.where(points.c.point == filters.point)
    if filters.overdue_only:
        query = query.where(due_date < today - timedelta(days=OVERDUE_AFTER_DAYS))
    if filters.due_since is not None:
        query = query.where(due_date >= filters.due_since)
    return _ordered(query, filters.order, due_date, points.c.point)


@dataclass(frozen=True)
class DueQueue:
    rows: list[DueFollowUp]  # the page's rows
    total: int
    overdue: int


def due_queue(today: date, page: int, per_page: int, filters: DueFilters = DueFilters()) -> DueQueue:
    """One page of the follow-ups due and not recorded, and how many there are, overdue or not (two queries)."""
    query = missing_follow_ups(today, filters)
    due = query.order_by(None).subquery()
    late = due.c.due_date < today - timedelta(days=OVERDUE_AFTER_DAYS)
    total, overdue = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((late, 1), else_=0)), 0)).select_from(due)
    ).one()
    rows = [
        DueFollowUp(enrolment, point, add_months(enrolment.exit_date, point))
        for enrolment, point, _due in db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    ]
    return DueQueue(rows, total, overdue)


@dataclass(frozen=True)
class FollowUp:
    point: int
    due_date: date
    outcome: Outcome | None


def learner_path(learner_id: int) -> list[tuple[Enrolment, list[FollowUp]]]:
    """Each enrolment of the learner with its four follow-ups (recorded or not), in two queries."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .options(
            joinedload(Enrolment.cohort).joinedload(Cohort.site),
            selectinload(Enrolment.outcomes).joinedload(Outcome.recorded_by),
        )
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.learner_id == learner_id)
        .order_by(Cohort.start_date)
    ).all()
    path = []
    for enrolment in enrolments:
        recorded = {outcome.point: outcome for outcome in enrolment.outcomes}
        follow_ups = []
        if enrolment.exit_date is not None:
            follow_ups = [
                FollowUp(point, add_months(enrolment.exit_date, point), recorded.get(point))
                for point in FOLLOW_UP_POINTS
            ]
        path.append((enrolment, follow_ups))
    return path


@dataclass(frozen=True)
class ToConfirm:
    outcomes: list[Outcome]  # the oldest declarations first, with their enrolment, learner and cohort
    total: int


def declarations_to_confirm(filters: DueFilters, limit: int) -> ToConfirm:
    """The situations declared by learners (their link) that no manager confirmed yet, by the site, cohort and point
    of the filters: the first `limit` of them, and how many there are (two queries)."""
    query = (
        sa.select(Outcome)
        .join(Enrolment, Enrolment.id == Outcome.enrolment_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .where(Outcome.source == OutcomeSource.LEARNER, Outcome.confirmed_at.is_(None), Enrolment.is_leaver)
    )
    if filters.site_id is not None:
        query = query.where(Cohort.site_id == filters.site_id)
    if filters.cohort_id is not None:
        query = query.where(Cohort.id == filters.cohort_id)
    if filters.point is not None:
        query = query.where(Outcome.point == filters.point)
    total = db.session.scalar(query.with_only_columns(sa.func.count()).order_by(None)) or 0
    rows = db.session.scalars(
        query.options(
            contains_eager(Outcome.enrolment).options(
                contains_eager(Enrolment.learner), contains_eager(Enrolment.cohort)
            )
        )
        .order_by(Outcome.recorded_at, Outcome.id)
        .limit(limit)
    ).all()
    return ToConfirm(list(rows), total)
