"""/cohorts/: by default the cohorts to come, in training and ended in the last 12 months; filters, pages, the
« à surveiller » count, and a number of queries that does not grow with the cohorts."""

import re
from datetime import date, datetime, timedelta

import pytest
from flask import Flask

from bootcamp import dates
from bootcamp.cohorts.queries import COHORT_PAGE_SIZE
from bootcamp.dates import add_months
from bootcamp.extensions import db
from bootcamp.models import Cohort, Grade, Site

from . import factories
from .conftest import AuthActions, csrf_token

TODAY = dates.today()


def _names(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/cohorts/\d+">([^<]+)</a>', page)


@pytest.fixture
def history(app: Flask, world) -> dict[str, int]:
    """Beside the world's two cohorts (in training): one to come, one ended 11 months ago, one 13 months ago,
    one at a third site starting two years ago; the site ids."""
    with app.app_context():
        mende = db.session.get(Cohort, world.cohort_id).site
        factories.cohort("À venir", at=mende, start=TODAY + timedelta(days=60), end=TODAY + timedelta(days=360))
        factories.cohort("Finie récente", at=mende, start=add_months(TODAY, -20), end=add_months(TODAY, -11))
        factories.cohort("Finie ancienne", at=mende, start=add_months(TODAY, -22), end=add_months(TODAY, -13))
        start = date(TODAY.year - 2, 3, 1)
        factories.cohort("Ailleurs", at=factories.site("Albi"), start=start, end=start + timedelta(days=300))
        db.session.commit()
        return {site.name: site.id for site in db.session.query(Site)}


def test_the_default_list_leaves_out_cohorts_ended_over_a_year_ago(client, auth: AuthActions, history) -> None:
    auth.login("manager@example.org")
    page = client.get("/cohorts/").text
    assert sorted(_names(page)) == ["Finie récente", "Mende 2026 automne", "Rodez 2026 automne", "À venir"]
    assert "4 promotions" in page
    assert sorted(_names(client.get("/cohorts/?state=all").text)) == sorted(
        ["Ailleurs", "Finie ancienne", "Finie récente", "Mende 2026 automne", "Rodez 2026 automne", "À venir"]
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=upcoming", ["À venir"]),
        ("state=training", ["Mende 2026 automne", "Rodez 2026 automne"]),
        ("state=ended", ["Ailleurs", "Finie ancienne", "Finie récente"]),
        ("state=all&site={Albi}", ["Ailleurs"]),
        ("state=all&year={two_years_ago}", ["Ailleurs"]),
        ("site={Rodez}", ["Rodez 2026 automne"]),
        ("state=upcoming&site={Rodez}", []),
    ],
)
def test_filters_by_state_site_and_year(client, auth: AuthActions, history, query: str, expected: list[str]) -> None:
    auth.login("manager@example.org")
    page = client.get("/cohorts/?" + query.format(**history, two_years_ago=TODAY.year - 2)).text
    assert sorted(_names(page)) == sorted(expected)
    if not expected:
        assert "Aucune promotion ne correspond à ces filtres" in page


BAD = ["state=old", "site=abc", "site=99999", "year=20266", "year=1800", "page=0", "page=x", "state=" + "a" * 300]


@pytest.mark.parametrize("query", BAD)
def test_bad_filters_answer_400(client, auth: AuthActions, history, query: str) -> None:
    auth.login("manager@example.org")
    response = client.get("/cohorts/?" + query)
    assert response.status_code == 400, query
    assert "Paramètre" in response.text


def test_the_filter_form_offers_sites_years_and_states(client, auth: AuthActions, history) -> None:
    auth.login("manager@example.org")
    page = client.get(f"/cohorts/?site={history['Rodez']}").text
    assert f'<option value="{history["Rodez"]}" selected>Rodez</option>' in page
    assert f"<option>{TODAY.year - 2}</option>" in page and '<label for="cohort-year">' in page
    assert '<option value="recent" selected>' in page


def test_pages_of_25_keep_the_filters(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        site = db.session.get(Cohort, world.cohort_id).site
        for number in range(COHORT_PAGE_SIZE + 5):
            factories.cohort(f"Lot {number:02d}", at=site, start=TODAY - timedelta(days=10 + number))
        db.session.commit()
        site_id = site.id
    auth.login("manager@example.org")
    first = client.get(f"/cohorts/?site={site_id}").text
    assert len(_names(first)) == COHORT_PAGE_SIZE and "Page 1 sur 2" in first
    assert f'href="/cohorts/?page=2&amp;site={site_id}"' in first
    second = client.get(f"/cohorts/?site={site_id}&page=2").text
    assert len(_names(second)) == 6 and "Lot 29" in second  # 30 lots and Mende's own, oldest last
    assert "Page 2 sur 2" in client.get(f"/cohorts/?site={site_id}&page=7").text  # past the end: the last page


def test_each_cohort_shows_how_many_are_to_watch(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        competency = factories.competencies(cohort.programme)[0]
        late_one, fine = factories.learner(cohort, last_name="Retard"), factories.learner(cohort, last_name="Bien")
        for learner in (late_one, fine):
            factories.assess(learner, competency, 2, datetime.now() - timedelta(days=3))
        for brief in (cohort.projects[0], factories.project(cohort)):
            factories.hand_in(brief, late_one, brief.due_date + timedelta(days=2))  # « rendu en retard »
            factories.hand_in(brief, fine, brief.due_date)
            db.session.add(Grade(learner=late_one, project=brief, score_hundredths=1400))
        db.session.commit()
    auth.login("trainer@example.org")
    page = client.get("/cohorts/").text
    row = page[page.index("Mende 2026 automne") : page.index("</tr>", page.index("Mende 2026 automne"))]
    assert '<strong class="flag">2</strong>' in row  # « Retard » (late twice) and Luc (never assessed, 0 %)
    assert "À surveiller" in page


def test_a_trainer_sees_their_own_cohorts(client, auth: AuthActions, history) -> None:
    auth.login("trainer@example.org")
    page = client.get("/cohorts/").text
    assert "Mes promotions" in page and _names(page) == ["Mende 2026 automne"]
    assert _names(client.get("/cohorts/?state=all").text) == ["Mende 2026 automne"]
    assert client.get(f"/cohorts/?site={history['Rodez']}").status_code == 400  # none of theirs there


def test_a_trainer_without_cohorts_is_told_why(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("other.trainer@example.org")
    with app.app_context():
        cohort = db.session.get(Cohort, world.other_cohort_id)
        cohort.trainers.clear()
        db.session.commit()
    page = client.get("/cohorts/").text
    assert "Aucune promotion ne vous est encore attribuée" in page and 'name="state"' not in page


def test_the_list_runs_a_fixed_number_of_queries(app: Flask, client, auth: AuthActions, world, count_queries) -> None:
    auth.login("manager@example.org")

    def count() -> int:
        with count_queries() as counted:
            assert client.get("/cohorts/?state=all").status_code == 200
        return counted.count

    def grow(cohorts: int) -> None:
        with app.app_context():
            site = db.session.get(Cohort, world.cohort_id).site
            for _ in range(cohorts):
                cohort = factories.cohort(at=site, start=TODAY - timedelta(days=40))
                for _ in range(3):
                    factories.learner(cohort)
                factories.project(cohort)
            db.session.commit()

    grow(2)
    few = count()
    grow(40)
    many = count()
    assert few == many <= 10, (few, many)
    assert count() <= 3  # kept until the next write: the user, the session's check, the data version


def test_the_caption_is_one_sentence_in_each_language(client, auth: AuthActions, history) -> None:
    auth.login("manager@example.org")
    assert re.search(r"<caption[^>]*>\d+ promotions : ", client.get("/cohorts/").text)
    client.post("/language", data={"csrf_token": csrf_token(client, "/cohorts/"), "locale": "en"})
    assert re.search(r"<caption[^>]*>\d+ cohorts: ", client.get("/cohorts/").text)  # no French space before « : »
