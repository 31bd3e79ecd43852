"""The queue of follow-ups due, paged by the database: the same rows, order and counts as the whole list."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.dates import add_months
from bootcamp.extensions import db
from bootcamp.models import FOLLOW_UP_POINTS, DropoutReason, Enrolment, EnrolmentStatus, Outcome, Situation
from bootcamp.outcomes.queries import OVERDUE_AFTER_DAYS, MonthsAfter, due_queue
from bootcamp.outcomes.views import PER_PAGE

from . import factories
from .conftest import AuthActions

TODAY = date.today()
NAMES = ("Martin", "martin", "Émile", "Zola", "Abel", "abel", "Ängel", "Martín")


def test_months_after_is_add_months_in_sql(app: Flask) -> None:
    """Month ends, leap years and year ends give the same day in SQL as in Python, on either database."""
    days = [date(year, month, day) for year in (2023, 2024) for month in (1, 2, 3, 8, 11, 12) for day in (1, 28)]
    days += [date(2024, 2, 29), date(2024, 1, 29), date(2024, 1, 30)]
    days += [date(2024, 1, 31), date(2023, 1, 31), date(2024, 3, 31), date(2024, 8, 31)]
    days += [date(2025, 5, 31), date(2025, 10, 31), date(2025, 12, 31), date(1999, 12, 31)]
    cases = [(day, months) for day in days for months in (*FOLLOW_UP_POINTS, 1, 2, 11, 25)]
    with app.app_context():
        query = sa.select(*(MonthsAfter(sa.literal(day, sa.Date), sa.literal(months)) for day, months in cases))
        found = list(db.session.execute(query).one())
    assert found == [add_months(day, months) for day, months in cases]


def _many_leavers(app: Flask, count: int, offset: int = 0) -> None:
    """`count` leavers with exits spread over the last two years (month ends, shared days, names alike)."""
    with app.app_context():
        cohort = factories.cohort(start=TODAY - timedelta(days=1200), end=TODAY - timedelta(days=10))
        for number in range(offset, offset + count):
            learner = factories.learner(cohort, last_name=NAMES[number % len(NAMES)])
            enrolment = learner.enrolments[0]
            exit_date = add_months(date(TODAY.year, TODAY.month, 1), -(number % 23)) - timedelta(days=number % 3)
            enrolment.exit_date = min(exit_date, TODAY - timedelta(days=1))
            if number % 4 == 0:
                enrolment.status, enrolment.dropout_reason = EnrolmentStatus.DROPPED, DropoutReason.JOB
            else:
                enrolment.status = EnrolmentStatus.FINISHED
            if number % 5 == 0:
                db.session.add(Outcome(enrolment=enrolment, point=0, situation=Situation.CDI))
        db.session.commit()


def _expected(cohort_id: int | None = None) -> list[tuple[int, int]]:
    """The queue as the whole list sorted in Python: due date, then last name, then point."""
    rows = []
    for enrolment in db.session.scalars(sa.select(Enrolment).where(Enrolment.exit_date.is_not(None))):
        if cohort_id is not None and enrolment.cohort_id != cohort_id:
            continue
        recorded = {outcome.point for outcome in enrolment.outcomes}
        for point in FOLLOW_UP_POINTS:
            due = add_months(enrolment.exit_date, point)
            if due <= TODAY and point not in recorded:
                rows.append(((due, enrolment.learner.last_name, point, enrolment.id), (enrolment.id, point)))
    return [row for _key, row in sorted(rows)]


@pytest.mark.parametrize("per_page", [7, 25])
def test_the_pages_hold_the_whole_queue_in_order(app: Flask, world, per_page: int) -> None:
    _many_leavers(app, 70)
    with app.app_context():
        expected = _expected()
        first = due_queue(TODAY, 1, per_page)
        assert first.total == len(expected) > 3 * per_page
        late = [row for row in expected if add_months(db.session.get(Enrolment, row[0]).exit_date, row[1]) < TODAY
                - timedelta(days=OVERDUE_AFTER_DAYS)]
        assert first.overdue == len(late) and 0 < first.overdue < first.total
        pages = -(-first.total // per_page)
        found = []
        for page in range(1, pages + 2):  # and one past the end: empty
            queue = due_queue(TODAY, page, per_page)
            assert len(queue.rows) == (min(per_page, first.total - (page - 1) * per_page) if page <= pages else 0)
            found += [(row.enrolment.id, row.point) for row in queue.rows]
            assert all(row.due_date == add_months(row.enrolment.exit_date, row.point) for row in queue.rows)
        assert found == expected
        cohort_id = world.cohort_id
        assert [(row.enrolment.id, row.point) for row in due_queue(TODAY, 1, 1000, cohort_id=cohort_id).rows] == (
            _expected(cohort_id)
        )


def test_the_due_page_loads_one_page_in_a_fixed_number_of_queries(
    app: Flask, client, auth: AuthActions, world, count_queries
) -> None:
    """More due follow-ups cost no more queries, and only one page of them is read from the database."""
    auth.login("manager@example.org")
    loaded: list[Enrolment] = []

    def note(target: Enrolment, _context: object) -> None:
        loaded.append(target)

    _many_leavers(app, 4)
    with count_queries() as few:
        assert "relevés à faire" in client.get("/outcomes/due").text
    _many_leavers(app, 60, offset=4)
    sa.event.listen(Enrolment, "load", note)
    try:
        with count_queries() as many:
            page = client.get("/outcomes/due").text
    finally:
        sa.event.remove(Enrolment, "load", note)
    with app.app_context():
        total = len(_expected())
    assert f"{total} relevés à faire" in page and total > 2 * PER_PAGE
    assert page.count("Saisir</a>") == PER_PAGE
    assert many.count == few.count
    assert len(loaded) <= PER_PAGE
