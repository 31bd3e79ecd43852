"""Which follow-ups are due and not recorded; a learner's whole path."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..dates import add_months, due_cutoff
from ..extensions import db
from ..models import FOLLOW_UP_POINTS, Cohort, Enrolment, Learner, Outcome

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


def missing_follow_ups(today: date, site_id: int | None = None, cohort_id: int | None = None) -> sa.Select:
    """Follow-ups whose date has passed and that nobody recorded, oldest first: (Enrolment, point, due_date) rows,
    with each enrolment's learner, cohort and site, to count or to page through."""
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
        .order_by(due_date, CodepointOrder(Learner.last_name), points.c.point, Enrolment.id)
    )
    if site_id is not None:
        query = query.where(Cohort.site_id == site_id)
    if cohort_id is not None:
        query = query.where(Cohort.id == cohort_id)
    return query


@dataclass(frozen=True)
class DueQueue:
    rows: list[DueFollowUp]  # the page's rows
    total: int
    overdue: int


def due_queue(
    today: date, page: int, per_page: int, site_id: int | None = None, cohort_id: int | None = None
) -> DueQueue:
    """One page of the follow-ups due and not recorded, and how many there are, overdue or not (two queries)."""
    query = missing_follow_ups(today, site_id, cohort_id)
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
