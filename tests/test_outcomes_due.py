"""The queue of follow-ups due, paged by the database: the same rows, order and counts as the whole list, in
each order and with each filter; newest first by default; the learner's e-mail and phone for who follows."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.dates import add_months
from bootcamp.extensions import db
from bootcamp.models import FOLLOW_UP_POINTS, DropoutReason, Enrolment, EnrolmentStatus, Learner, Outcome, Situation
from bootcamp.outcomes.queries import ACCENTED, OVERDUE_AFTER_DAYS, UNACCENTED, DueFilters, MonthsAfter, due_queue
from bootcamp.outcomes.views import PER_PAGE

from . import factories
from .conftest import AuthActions

TODAY = dates.today()
LEAVERS_SITE = 3  # the site of _many_leavers' cohort: after world's Mende (1) and Rodez (2)
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


def _sort_name(name: str) -> str:
    return name.translate(str.maketrans(ACCENTED, UNACCENTED)).lower()


def _key(order: str, due: date, learner: Learner, point: int, enrolment_id: int) -> tuple:
    """The queue's order as Python sorts it: each order ends with the point and the enrolment."""
    names = (_sort_name(learner.last_name), _sort_name(learner.first_name), learner.last_name)
    if order == "name":
        return (*names, -due.toordinal(), point, enrolment_id)
    days = due.toordinal() if order == "oldest" else -due.toordinal()
    return (days, *names, point, enrolment_id)  # on one day, by name as people sort them (accents, first names)


def _expected(filters: DueFilters = DueFilters()) -> list[tuple[int, int]]:
    """The queue as the whole list filtered and sorted in Python."""
    rows = []
    late = TODAY - timedelta(days=OVERDUE_AFTER_DAYS)
    for enrolment in db.session.scalars(sa.select(Enrolment).where(Enrolment.exit_date.is_not(None))):
        if filters.cohort_id is not None and enrolment.cohort_id != filters.cohort_id:
            continue
        if filters.site_id is not None and enrolment.cohort.site_id != filters.site_id:
            continue
        recorded = {outcome.point for outcome in enrolment.outcomes}
        for point in FOLLOW_UP_POINTS:
            due = add_months(enrolment.exit_date, point)
            if due > TODAY or point in recorded or filters.point not in (None, point):
                continue
            if filters.overdue_only and not due < late:
                continue
            rows.append((_key(filters.order, due, enrolment.learner, point, enrolment.id), (enrolment.id, point)))
    return [row for _key, row in sorted(rows)]


@pytest.mark.parametrize("order", ["recent", "oldest", "name"])
def test_each_order_pages_through_the_whole_queue(app: Flask, world, order: str) -> None:
    _many_leavers(app, 70)
    with app.app_context():
        filters = DueFilters(order=order)
        expected = _expected(filters)
        found = []
        for page in range(1, -(-len(expected) // 9) + 2):  # and one past the end: empty
            found += [(row.enrolment.id, row.point) for row in due_queue(TODAY, page, 9, filters).rows]
        assert found == expected and len(expected) > 27


@pytest.mark.parametrize(
    "filters",
    [
        DueFilters(point=0),
        DueFilters(point=12, order="oldest"),
        DueFilters(overdue_only=True),
        DueFilters(site_id=2, order="name"),  # world's Rodez: Rose Roux only
        DueFilters(site_id=LEAVERS_SITE, point=3, overdue_only=True),
    ],
)
def test_the_filters_keep_the_rows_python_would(app: Flask, world, filters: DueFilters) -> None:
    _many_leavers(app, 40)
    with app.app_context():
        expected = _expected(filters)
        queue = due_queue(TODAY, 1, 1000, filters)
        assert [(row.enrolment.id, row.point) for row in queue.rows] == expected and queue.total == len(expected)
        assert expected or filters.site_id  # each case keeps some rows (Rodez's: only when Rose is due)
        if filters.overdue_only:
            assert queue.overdue == queue.total


FILTERED = f"/outcomes/due?site={LEAVERS_SITE}&point=3&sort=name&overdue=1"


def test_the_due_page_loads_one_page_in_a_fixed_number_of_queries(
    app: Flask, client, auth: AuthActions, world, count_queries
) -> None:
    """More due follow-ups cost no more queries, filtered or not, and only one page of them is read."""
    auth.login("manager@example.org")
    loaded: list[Enrolment] = []

    def note(target: Enrolment, _context: object) -> None:
        loaded.append(target)

    _many_leavers(app, 4)
    with count_queries() as few:
        assert "relevés à faire" in client.get("/outcomes/due").text
    with count_queries() as few_filtered:
        assert client.get(FILTERED).status_code == 200
    _many_leavers(app, 60, offset=4)
    sa.event.listen(Enrolment, "load", note)
    try:
        with count_queries() as many:
            page = client.get("/outcomes/due").text
        with count_queries() as many_filtered:
            assert client.get(FILTERED).status_code == 200
    finally:
        sa.event.remove(Enrolment, "load", note)
    with app.app_context():
        total = len(_expected())
    assert f"{total} relevés à faire" in page and total > 2 * PER_PAGE
    assert page.count("Saisir</a>") == PER_PAGE
    assert (many.count, many_filtered.count) == (few.count, few_filtered.count)
    assert len(loaded) <= 2 * PER_PAGE


def _listed(page: str) -> list[tuple[int, int]]:
    return [(int(enrolment), int(point)) for enrolment, point in re.findall(r'"/outcomes/(\d+)/(\d+)\?next=', page)]


def test_the_page_lists_newest_first_and_keeps_its_filters_across_pages(
    app: Flask, client, auth: AuthActions, world
) -> None:
    _many_leavers(app, 70)
    auth.login("manager@example.org")
    with app.app_context():
        newest_first = _expected()
        by_name = _expected(DueFilters(site_id=LEAVERS_SITE, order="name", overdue_only=True))
    assert _listed(client.get("/outcomes/due").text) == newest_first[:PER_PAGE]
    first = client.get(f"/outcomes/due?site={LEAVERS_SITE}&sort=name&overdue=1").text
    assert _listed(first) == by_name[:PER_PAGE] and len(by_name) > PER_PAGE
    assert '<option value="name" selected>' in first and 'id="overdue" name="overdue" value="1" checked' in first
    [following] = re.findall(r'<a href="(/outcomes/due\?[^"]+)">Page suivante', first)
    assert _listed(client.get(following.replace("&amp;", "&")).text) == by_name[PER_PAGE : 2 * PER_PAGE]


@pytest.mark.parametrize(
    "query", ["sort=planet", "point=5", "point=x", "overdue=yes", "site=abc", "cohort=-1", "sort=" + "x" * 300]
)
def test_a_bad_filter_answers_400(client, auth: AuthActions, world, query: str) -> None:
    auth.login("manager@example.org")
    assert client.get(f"/outcomes/due?{query}").status_code == 400


def test_managers_reach_the_learner_by_mail_and_phone(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        cohort = factories.cohort(start=TODAY - timedelta(days=400), end=TODAY - timedelta(days=20))
        for last_name, email, phone in [("Appel", "appel@example.net", "+33 6 12 34 56 78"), ("Muet", None, None)]:
            enrolment = factories.learner(cohort, last_name=last_name, email=email, phone=phone).enrolments[0]
            enrolment.status, enrolment.exit_date = EnrolmentStatus.FINISHED, TODAY - timedelta(days=20)
        moved = factories.learner(cohort, last_name="Parti", email="parti@ecole.example", personal_email="p@x.example")
        moved.enrolments[0].status, moved.enrolments[0].exit_date = EnrolmentStatus.FINISHED, TODAY - timedelta(days=20)
        db.session.commit()
        cohort_id = cohort.id
    auth.login("manager@example.org")
    page = client.get(f"/outcomes/due?cohort={cohort_id}").text
    assert '<a href="mailto:appel@example.net">appel@example.net</a>' in page
    assert "mailto:p@x.example" in page and "parti@ecole.example" not in page  # after the training: the personal
    assert '<a href="tel:+33612345678">+33 6 12 34 56 78</a>' in page
    assert "<th scope=\"col\">Contact</th>" in page and "aucun</span>" in page  # Muet: nothing held


def test_a_page_past_the_last_leads_to_the_last_page_with_its_filters(
    app: Flask, client, auth: AuthActions, world
) -> None:
    """Recording the last row of the last page comes back to a page that no longer exists: not « nothing matches
    these filters » while rows are due, but the last page."""
    _many_leavers(app, 70)
    auth.login("manager@example.org")
    with app.app_context():
        pages = -(-len(_expected(DueFilters(order="name"))) // PER_PAGE)
    response = client.get(f"/outcomes/due?sort=name&page={pages + 1}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/outcomes/due?page={pages}&sort=name"
    last = client.get(response.headers["Location"]).text
    assert f"Page {pages} sur {pages}" in last and "Saisir</a>" in last
    assert client.get("/outcomes/due?cohort=999&page=3").headers["Location"] == "/outcomes/due?cohort=999"
