"""The home pages of each role: content, query counts, errors, static files."""

import re
from datetime import date, datetime

from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import DropoutReason, EnrolmentStatus

from . import factories
from .conftest import AuthActions


def _add_learners(app: Flask, cohort_id: int, count: int) -> None:
    with app.app_context():
        from bootcamp.models import Cohort

        cohort = db.session.get(Cohort, cohort_id)
        c = factories.competencies(cohort.programme)
        for index in range(count):
            learner = factories.learner(cohort)
            factories.assess(learner, c[index % 8], 2, datetime(2026, 10, 1))
        db.session.commit()


def test_trainer_sees_own_cohorts_with_counts_and_progress(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        from bootcamp.models import Cohort

        cohort = db.session.get(Cohort, world.cohort_id)
        dropped = factories.learner(cohort)
        dropped.enrolments[0].status = EnrolmentStatus.DROPPED
        dropped.enrolments[0].exit_date = date(2026, 10, 1)
        dropped.enrolments[0].dropout_reason = DropoutReason.HEALTH
        staying = db.session.get(factories.Learner, world.learner_id)
        for competency in factories.competencies(cohort.programme)[:4]:
            factories.assess(staying, competency, 3, datetime(2026, 10, 1))
            factories.assess(dropped, competency, 3, datetime(2026, 10, 1))
        db.session.commit()
    auth.login("trainer@example.org")
    page = client.get("/cohorts/").text
    assert "Mende 2026 automne" in page and "Rodez 2026 automne" not in page
    row = page[page.index("Mende 2026 automne") :]
    row = row[: row.index("</tr>")]
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["1", "1", "0"]  # in training, dropped, finished
    assert "50" in row and 'value="50"' in row  # 4 of 8 at target; the dropout is left out
    assert "Progression : part des compétences" in page


def test_manager_sees_every_cohort(client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    page = client.get("/cohorts/").text
    assert "Mende 2026 automne" in page and "Rodez 2026 automne" in page


def test_cohort_list_runs_a_fixed_number_of_queries(
    app: Flask, client, auth: AuthActions, world, count_queries
) -> None:
    auth.login("manager@example.org")
    with count_queries() as few:
        client.get("/cohorts/")
    _add_learners(app, world.cohort_id, 30)
    with app.app_context():
        for _ in range(5):
            factories.cohort()
        db.session.commit()
    with count_queries() as many:
        assert client.get("/cohorts/").status_code == 200
    assert few.count == many.count <= 9  # 6, and 3 for the weekly list of who is ready (readiness.panels)


def test_admin_lists_accounts_and_filters_by_role(client, auth: AuthActions, world) -> None:
    auth.login("admin@example.org")
    page = client.get("/admin/users/").text
    assert "6 comptes" in page and "Luc Lefèvre" in page and "Mende 2026 automne" in page
    trainers = client.get("/admin/users/?role=trainer").text
    assert "2 comptes" in trainers and "manager@example.org" not in trainers


def test_pages_have_landmarks_skip_link_and_role_navigation(client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    page = client.get("/cohorts/").text
    for marker in ['<html lang="fr">', 'href="#content"', "<header", "<nav", '<main id="content"', "<footer"]:
        assert marker in page
    assert 'aria-current="page"' in page and "Mes promotions" in page
    assert "/admin/users/" not in page


def test_only_the_login_page_is_for_search_engines(client, auth: AuthActions, world) -> None:
    public = client.get("/login").text
    assert '<meta name="description" content="Bootcamp' in public and "noindex" not in public
    assert 'name="robots" content="noindex, nofollow"' in client.get("/nowhere").text
    auth.login("trainer@example.org")
    page = client.get("/cohorts/").text
    assert 'name="robots" content="noindex, nofollow"' in page and 'name="description"' not in page


def test_not_found_page_says_what_happened_in_french(client) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Page introuvable" in response.text and "Revenir à l'accueil" in response.text


def test_server_error_page_hides_the_details(migrated_database, tmp_path) -> None:
    import shutil

    from .conftest import make_app

    shutil.copy(migrated_database, tmp_path / "db.sqlite")
    app = make_app(tmp_path / "db.sqlite", TESTING=False)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret SQL detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Erreur du serveur" in response.text and "secret SQL detail" not in response.text


def test_static_files_have_hashed_urls_and_a_long_cache(client) -> None:
    page = client.get("/login").text
    start = page.index("/static/css/app.css?v=")
    url = page[start : page.index('"', start)]
    with client.get(url) as response:
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]
