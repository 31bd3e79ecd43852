"""A learner's overview for the cohort's staff (from the roster), the empty cohort, the new assessment's level."""

import re
from datetime import date, datetime

import sqlalchemy as sa
from flask import Flask

from bootcamp import access
from bootcamp.extensions import db
from bootcamp.models import (
    Cohort,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    Grade,
    Learner,
    Referrer,
)

from . import factories
from .conftest import AuthActions, page_form


def _url(world, learner_id: int | None = None) -> str:
    return f"/cohorts/{world.cohort_id}/learners/{learner_id or world.learner_id}"


def _give_work(app: Flask, world) -> None:
    """Luc: two competencies assessed (one twice), a brief graded 8.5 with feedback, another not handed in."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        luc = db.session.get(Learner, world.learner_id)
        first, second = factories.competencies(cohort.programme)[:2]
        factories.assess(luc, first, 1, datetime(2026, 10, 1))
        factories.assess(luc, first, 2, datetime(2026, 11, 2))
        factories.assess(luc, second, 3, datetime(2026, 10, 15)).comment = "Très autonome"
        db.session.add(Grade(learner=luc, project_id=world.project_id, score_hundredths=850, feedback="À reprendre"))
        factories.project(cohort, title="Brief manqué")  # due in October, nothing handed in: « non rendu »
        factories.project(cohort)
        db.session.commit()


def test_roster_names_open_the_learner_overview(app: Flask, client, auth: AuthActions, world) -> None:
    _give_work(app, world)
    auth.login("trainer@example.org")
    roster = client.get(f"/cohorts/{world.cohort_id}").text
    assert f'href="{_url(world)}">Lefèvre Luc</a>' in roster
    page = client.get(_url(world)).text
    assert "<h1>Luc Lefèvre</h1>" in page
    levels = page[page.index("Niveaux par bloc") : page.index('id="briefs-title"')]
    assert "2 · adapter" in levels and "3 · transposer" in levels and "(2 sur " in levels  # current levels by block
    briefs = page[page.index('id="briefs-title"') : page.index('id="history-title"')]
    assert "Portfolio" in briefs and "8,5" in briefs and "À reprendre" in briefs and "Brief manqué" in briefs
    assert briefs.count(">non rendu</a>") == 2 and briefs.count(">rendu</a>") == 1  # derived from the hand-ins
    history = page[page.index('id="history-title"') :]
    assert history.index("2 · adapter") < history.index("3 · transposer") < history.index("1 · imiter")  # newest first
    assert "Très autonome" in history
    assert "2 briefs en retard ou non rendus" in page  # why « à surveiller »
    assert "· 2 briefs non rendus, 0 en retard" in page  # beside the average, in words


def test_the_overview_shows_no_sensitive_value(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        luc = db.session.get(Learner, world.learner_id)
        luc.qpv = luc.rqth = luc.rsa = True
        luc.birth_date = date(1999, 12, 31)
        luc.referrer = Referrer.CAP_EMPLOI
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        enrolment.status, enrolment.exit_date = EnrolmentStatus.DROPPED, date(2026, 11, 2)
        enrolment.dropout_reason = DropoutReason.HEALTH
        db.session.commit()
    assert access.SENSITIVE_FIELDS == {"qpv", "rqth", "rsa", "birth_date"}  # a new one: add its value below
    auth.login("trainer@example.org")
    page = client.get(_url(world)).text
    assert "Luc Lefèvre" in page and "abandon" in page and "motif personnel ou autre" in page
    for value in ("QPV", "RQTH", "RSA", "1999", "31/12", "santé", "Cap emploi"):
        assert value not in page, value


def test_only_the_cohorts_staff_open_the_overview(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    assert client.get(_url(world)).status_code == 200
    assert client.get(_url(world, world.other_learner_id)).status_code == 404  # not of this cohort
    assert client.get(f"/cohorts/{world.other_cohort_id}/learners/{world.other_learner_id}").status_code == 404
    auth.logout()
    auth.login("manager@example.org")
    page = client.get(_url(world)).text
    assert f'href="/learners/{world.learner_id}"' in page  # the manager's way on to the whole file
    for role in ("learner", "admin"):
        auth.logout()
        auth.login(f"{role}@example.org")
        assert client.get(_url(world)).status_code == 404


def test_the_overview_runs_a_fixed_number_of_queries(app: Flask, client, auth, world, count_queries) -> None:
    _give_work(app, world)
    auth.login("trainer@example.org")

    def count() -> int:
        with count_queries() as counter:
            assert client.get(_url(world)).status_code == 200
        return counter.count

    few = count()
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        luc = db.session.get(Learner, world.learner_id)
        for competency in factories.competencies(cohort.programme):
            factories.assess(luc, competency, 1, datetime(2026, 11, 10))
        for _ in range(5):
            db.session.add(Grade(learner=luc, project=factories.project(cohort), score_hundredths=1200))
            factories.learner(cohort)
        db.session.commit()
    assert count() == few == 8


def test_an_empty_cohort_says_what_to_do_next(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        db.session.execute(sa.delete(Enrolment).where(Enrolment.cohort_id == world.cohort_id))
        db.session.commit()
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}").text
    assert "Aucun·e apprenant·e dans cette promotion" in page and "<table" not in page
    assert "d'importer la liste" in page and f"/cohorts/{world.cohort_id}/import" not in page
    auth.logout()
    auth.login("manager@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}").text
    assert re.search(rf'href="/cohorts/{world.cohort_id}/import">Importez la liste', page)


def test_a_new_assessment_starts_at_the_current_level(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        first, second = factories.competencies(cohort.programme)[:2]
        luc = db.session.get(Learner, world.learner_id)
        factories.assess(luc, first, 1, datetime(2026, 10, 1))
        factories.assess(luc, first, 2, datetime(2026, 10, 20))
        db.session.commit()
        first_id, second_id = first.id, second.id
    auth.login("trainer@example.org")
    cell = f"/cohorts/{world.cohort_id}/competencies/{world.learner_id}"
    assert page_form(client, f"{cell}/{first_id}")["level"] == "2"  # the current level
    assert page_form(client, f"{cell}/{second_id}")["level"] == "0"  # never assessed: non acquis
