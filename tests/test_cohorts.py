"""The cohort page: roster, watch flag, sorting, enrolment changes, fixed query count."""

import re
from datetime import date, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask, url_for

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.models import (
    Certification,
    Cohort,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    Grade,
    Learner,
    Project,
)

from . import factories
from .conftest import AuthActions, audit_events, form_from, page_form


def _enrolment(app: Flask, enrolment_id: int) -> Enrolment:
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolment_id)
        db.session.expunge(enrolment)
        return enrolment


@pytest.fixture
def cohort_with_results(app: Flask, world) -> dict[str, int]:
    """Five learners in the trainer's cohort: progress 50, 50, 50, 25 and 0 %, one with two missing briefs."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        competencies = factories.competencies(cohort.programme)
        learners = [db.session.get(Learner, world.learner_id)] + [
            factories.learner(cohort, last_name=name) for name in ("Bravo", "Charlie", "Delta", "Echo")
        ]
        for learner, reached in zip(learners, (4, 4, 4, 2, 0)):
            for competency in competencies[:reached]:
                factories.assess(learner, competency, 2, datetime.now() - timedelta(days=5))
        briefs = [factories.project(cohort, due=date(2026, 10, day)) for day in (5, 12)]
        # Everyone handed in the world's brief on time (Luc in the world) and these two, but Luc late the second
        # time, and Bravo neither of them (« non rendu » twice: their due dates are past)
        portfolio = db.session.get(Project, world.project_id)
        for learner in learners[1:]:
            factories.hand_in(portfolio, learner, portfolio.due_date)
        factories.hand_in(briefs[0], learners[0], briefs[0].due_date)
        factories.hand_in(briefs[1], learners[0], briefs[1].due_date + timedelta(days=1))
        for learner in learners[2:]:
            for brief in briefs:
                factories.hand_in(brief, learner, brief.due_date - timedelta(days=1))
        db.session.add(Grade(learner=learners[0], project=briefs[0], score_hundredths=1500))
        db.session.add(Grade(learner=learners[0], project=briefs[1], score_hundredths=1200))
        db.session.commit()
        return {learner.last_name: learner.id for learner in learners}


ROW_NAME = r'<th scope="row">(?:<a [^>]*>)?'  # the learner's name, a link or not


def _row(page: str, name: str) -> str:
    start = re.search(ROW_NAME + re.escape(name), page).start()
    return page[start : page.index("</tr>", start)]


def test_roster_shows_progress_grades_and_watch_flag(client, auth: AuthActions, world, cohort_with_results) -> None:
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}").text
    assert "Médiane de la promotion (hors abandons) : 50" in page
    assert "au moins 15 points sous elle" in page and "au moins 2 briefs en retard ou non rendus" in page
    luc = _row(page, "Lefèvre Luc")
    assert 'value="50"' in luc and "13,5" in luc and "0 · 1" in luc and "à surveiller" not in luc
    bravo = _row(page, "Bravo")
    assert "2 · 0" in bravo and "à surveiller" in bravo and "2 briefs en retard ou non rendus" in bravo
    assert "en retard sur la promotion" in _row(page, "Delta")  # 25 % is 25 points under 50 %
    echo = _row(page, "Echo")
    assert "en retard sur la promotion" in echo and "aucune évaluation depuis" in echo  # never, since the start
    assert "à surveiller" not in _row(page, "Charlie")
    assert "jamais" in _row(page, "Echo")


def test_roster_sorts_by_any_column(client, auth: AuthActions, world, cohort_with_results) -> None:
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}?sort=progress&dir=desc").text
    names = re.findall(ROW_NAME + r"(\w+)", page)
    assert names[-1] == "Echo" and names[-2] == "Delta"
    assert 'aria-sort="descending"' in page
    by_name = re.findall(ROW_NAME + r"(\w+)", client.get(f"/cohorts/{world.cohort_id}").text)
    assert by_name == sorted(by_name)


def test_cohort_page_and_grid_run_a_fixed_number_of_queries(app: Flask, client, auth, world, count_queries) -> None:
    auth.login("trainer@example.org")

    def counts() -> tuple[int, int]:
        with count_queries() as page:
            assert client.get(f"/cohorts/{world.cohort_id}").status_code == 200
        with count_queries() as grid:
            assert client.get(f"/cohorts/{world.cohort_id}/competencies").status_code == 200
        return page.count, grid.count

    def grow(to: int) -> None:
        with app.app_context():
            cohort = db.session.get(Cohort, world.cohort_id)
            competencies = factories.competencies(cohort.programme)
            brief = factories.project(cohort)
            while db.session.scalar(sa.select(sa.func.count()).where(Enrolment.cohort_id == cohort.id)) < to:
                learner = factories.learner(cohort)
                factories.assess(learner, competencies[0], 1, datetime(2026, 10, 1))
                db.session.add(Grade(learner=learner, project=brief, score_hundredths=1000))
                db.session.flush()
            db.session.commit()

    grow(5)
    five = counts()
    grow(50)
    fifty = counts()
    assert five == fifty
    assert max(fifty) <= 11  # the grid: 11, with the tutors' pending levels (issue 18)


def test_record_a_dropout(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/enrolments/{world.enrolment_id}"
    form = page_form(client, url)
    form.update(status="dropped", exit_date="15/10/2026", dropout_reason="job")
    response = client.post(url, data=form)
    assert response.status_code == 302
    enrolment = _enrolment(app, world.enrolment_id)
    assert (enrolment.status, enrolment.exit_date, enrolment.dropout_reason) == (
        EnrolmentStatus.DROPPED,
        date(2026, 10, 15),
        DropoutReason.JOB,
    )
    [event] = audit_events(app, "enrolment")
    assert event.before["status"] == "in_training" and event.after == {
        "status": "dropped",
        "exit_date": "2026-10-15",
        "dropout_reason": "job",
    }
    assert event.learner_id == world.learner_id
    page = client.get(f"/cohorts/{world.cohort_id}").text
    assert "emploi trouvé" in page


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"status": "dropped", "exit_date": "2026-10-15", "dropout_reason": ""}, "dropout_reason", "Indiquez le motif"),
        (
            {"status": "dropped", "exit_date": "2026-09-01", "dropout_reason": "job"},
            "exit_date",
            "ne peut pas précéder",
        ),
        ({"status": "dropped", "exit_date": "2026-10-15", "dropout_reason": "bored"}, "dropout_reason", ""),
        ({"status": "dropped", "exit_date": "31/02/2026", "dropout_reason": "job"}, "exit_date", "Date invalide"),
        ({"status": "finished", "exit_date": ""}, "exit_date", "Indiquez la date de sortie"),
        ({"status": "graduated"}, "status", ""),
    ],
)
def test_bad_enrolment_changes_come_back_with_the_error_and_save_nothing(
    app: Flask, client, auth: AuthActions, world, changes: dict, field: str, message: str
) -> None:
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/enrolments/{world.enrolment_id}"
    form = page_form(client, url)
    form.update(changes)
    response = client.post(url, data=form)
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.text and message in response.text
    assert "Rien n'a été enregistré" in response.text
    assert _enrolment(app, world.enrolment_id).status == EnrolmentStatus.IN_TRAINING
    assert audit_events(app) == []


def test_enrolment_change_refused_when_someone_changed_it_meanwhile(app: Flask, client, auth, world) -> None:
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/enrolments/{world.enrolment_id}"
    stale = page_form(client, url)
    manager = app.test_client()
    AuthActions(manager).login("manager@example.org")
    theirs = page_form(manager, url)
    theirs.update(status="finished", exit_date="2026-11-20")
    assert manager.post(url, data=theirs).status_code == 302
    stale.update(status="dropped", exit_date="2026-10-15", dropout_reason="health")
    response = client.post(url, data=stale)
    assert response.status_code == 200
    assert "manager a modifié cette situation" in response.text
    assert _enrolment(app, world.enrolment_id).status == EnrolmentStatus.FINISHED
    again = form_from(response.text)
    again.update(status="dropped", exit_date="2026-10-15", dropout_reason="health")
    assert client.post(url, data=again).status_code == 302
    assert _enrolment(app, world.enrolment_id).status == EnrolmentStatus.DROPPED


def test_the_enrolment_form_shows_the_derived_certification_and_does_not_take_one(
    app: Flask, client, auth: AuthActions, world
) -> None:
    """The certification is derived from exam results: the form shows it (managers get the sessions' link) and a
    posted value changes nothing."""
    with app.app_context():
        enrolment = db.session.get(Enrolment, world.other_enrolment_id)
        factories.certify(enrolment, Certification.PARTIAL)
        db.session.commit()
    url = f"/cohorts/{world.other_cohort_id}/enrolments/{world.other_enrolment_id}"
    auth.login("manager@example.org")
    page = client.get(url).text
    assert 'name="certification"' not in page and "certification-title" in page
    assert re.search(r'id="certification">\s*certains blocs', page) and f'href="{url_for_exams(app)}"' in page
    form = page_form(client, url) | {"certification": "obtained", "exit_date": "2026-10-31"}
    assert client.post(url, data=form).status_code == 302
    enrolment = _enrolment(app, world.other_enrolment_id)
    assert (enrolment.exit_date, enrolment.certification) == (date(2026, 10, 31), Certification.PARTIAL)
    [event] = audit_events(app, "enrolment")
    assert "certification" not in event.after and event.after["exit_date"] == "2026-10-31"
    auth.logout()
    auth.login("trainer@example.org")
    mine = client.get(f"/cohorts/{world.cohort_id}/enrolments/{world.enrolment_id}").text
    assert 'name="certification"' not in mine and url_for_exams(app) not in mine  # exam sessions are managers'


def url_for_exams(app: Flask) -> str:
    with app.test_request_context():
        return url_for("exams.index")


# The end of the programme for a whole cohort (its page, its window, leaving people out): tests/test_finish.py.


def test_roster_sorts_missing_values_last_and_the_worrying_first(client, auth, world, cohort_with_results) -> None:
    """No grade yet comes last whichever the direction; never assessed counts as the longest ago; the first click on
    « À surveiller » (and « Non rendus ») shows the most worrying first."""
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}"
    by_grade = re.findall(ROW_NAME + r"(\w+)", client.get(f"{url}?sort=grade&dir=desc").text)
    assert by_grade == ["Lefèvre", "Bravo", "Charlie", "Delta", "Echo"]  # only Lefèvre has a grade
    assert re.findall(ROW_NAME + r"(\w+)", client.get(f"{url}?sort=grade").text)[0] == "Lefèvre"
    assert re.findall(ROW_NAME + r"(\w+)", client.get(f"{url}?sort=last").text)[0] == "Echo"  # never assessed
    page = unescape(client.get(url).text)
    assert f'href="{url}?sort=watch&dir=desc"' in page and f'href="{url}?sort=missing&dir=desc"' in page
    assert f'href="{url}?sort=progress&dir=asc"' in page
    watch_first = re.findall(ROW_NAME + r"(\w+)", client.get(f"{url}?sort=watch&dir=desc").text)
    assert watch_first == ["Echo", "Delta", "Bravo", "Charlie", "Lefèvre"]  # most reasons, then furthest behind


def test_names_in_french_alphabetical_order_and_elided(app: Flask, client, auth, world, monkeypatch) -> None:
    """« Étienne » is among the E (not after « Zola ») on the roster, the grid, the grading sheet and the end of
    the programme; the roster's hidden link text says « d'Émile » (issue 14, point 17)."""
    monkeypatch.setattr(dates, "today", lambda: date(2027, 6, 25))  # the end of the programme is open
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        for first, last in (("Zoé", "Zola"), ("Émile", "Étienne"), ("Anna", "Dupont"), ("Œdipe", "Roi")):
            factories.learner(cohort, first_name=first, last_name=last)
        db.session.commit()
    expected = ["Dupont", "Étienne", "Lefèvre", "Roi", "Zola"]
    auth.login("trainer@example.org")
    roster = client.get(f"/cohorts/{world.cohort_id}").text
    assert re.findall(ROW_NAME + r"(\w+)", roster) == expected
    assert "Modifier la situation<span class=\"visually-hidden\"> d'Émile Étienne</span>" in unescape(roster)
    assert "de Émile" not in unescape(roster)
    grid = client.get(f"/cohorts/{world.cohort_id}/competencies").text
    assert re.findall(ROW_NAME + r"(\w+)", grid) == expected
    sheet = client.get(f"/projects/{world.project_id}/grades").text
    assert re.findall(r'<th scope="row">\s*(?:<[^>]+>\s*)*(\w+)', sheet) == expected
    finish = client.get(f"/cohorts/{world.cohort_id}/finish").text
    assert re.findall(r'<label for="enrolment-\d+">(\w+)', finish) == expected
