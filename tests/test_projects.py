"""Briefs and grading: validation, one transaction per form, no lost update, audit."""

import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import Cohort, CompetencyAssessment, Grade, Project, ProjectCompetency

from . import factories
from .conftest import AuthActions, audit_events, form_from, page_form


def _grades(app: Flask) -> dict[int, tuple]:
    with app.app_context():
        return {
            g.learner_id: (g.score_hundredths, g.exempted, g.exemption_reason, g.feedback, g.version)
            for g in db.session.scalars(sa.select(Grade))
        }


def _with_learners(app: Flask, world, count: int = 2) -> list[int]:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        added = [factories.learner(cohort, last_name=f"Zed{n}") for n in range(count)]
        project = db.session.get(Project, world.project_id)
        competencies = factories.competencies(cohort.programme)
        project.targets = [ProjectCompetency(competency=competencies[0], target_level=2)]
        db.session.commit()
        return [world.learner_id] + [learner.id for learner in added]


def test_publish_a_brief_with_targeted_competencies(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/projects"
    form = page_form(client, url)
    form.update(title="API météo", description="Une API REST", due_date="20/11/2026")
    form[f"target_{world.competency_id}"] = "2"
    form[f"target_{world.competency_id + 5}"] = "3"
    assert client.post(url, data=form).status_code == 302
    with app.app_context():
        project = db.session.scalars(sa.select(Project).where(Project.title == "API météo")).one()
        assert {t.competency_id: t.target_level for t in project.targets} == {
            world.competency_id: 2,
            world.competency_id + 5: 3,
        }
        assert project.created_by.email == "trainer@example.org"
    [event] = audit_events(app, "project")
    assert event.action == "create" and event.after["targets"] == {
        str(world.competency_id): 2,
        str(world.competency_id + 5): 3,
    }
    assert "API météo" in client.get(url).text


def test_a_bad_brief_comes_back_with_errors(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/projects"
    form = page_form(client, url)
    form.update(title="", due_date="01/09/2026")
    form[f"target_{world.competency_id}"] = "5"
    response = client.post(url, data=form)
    assert response.status_code == 200
    for message in ("Donnez un titre", "ne peut pas précéder le début", "choix valide"):
        assert message in response.text
    assert audit_events(app) == []


def test_a_brief_due_after_the_cohorts_end_is_refused_next_to_the_field(app: Flask, client, auth, world) -> None:
    """A typo in the year (2031 for 2027) would leave a brief nobody can hand in: refused, the dates on the page."""
    auth.login("trainer@example.org")
    url = f"/projects/{world.project_id}"  # the world's cohort runs from 07/09/2026 to 05/07/2027
    page = client.get(url).text
    assert "Entre le 7 sept. 2026 et le 5 juil. 2027, dates de la promotion." in page
    form = page_form(client, url)
    form.update(due_date="06/07/2027")
    response = client.post(url, data=form)
    assert response.status_code == 200
    assert 'id="due_date-error"' in response.text and "ne peut pas dépasser la fin de la promotion" in response.text
    assert audit_events(app) == []
    form.update(due_date="05/07/2027")  # the last day is fine
    assert client.post(url, data=form).status_code == 302


def test_edit_a_brief_and_refuse_a_stale_edit(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    url = f"/projects/{world.project_id}"
    stale = page_form(client, url)
    manager = app.test_client()
    AuthActions(manager).login("manager@example.org")
    theirs = page_form(manager, url)
    theirs.update(title="Portfolio v2")
    assert manager.post(url, data=theirs).status_code == 302
    stale.update(title="Portfolio (trainer)")
    response = client.post(url, data=stale)
    assert response.status_code == 200 and "manager a modifié ce projet" in response.text
    with app.app_context():
        assert db.session.get(Project, world.project_id).title == "Portfolio v2"
    again = form_from(response.text)
    assert again["title"] == "Portfolio (trainer)"  # the trainer's text is kept
    assert client.post(url, data=again).status_code == 302
    events = audit_events(app, "project")
    assert [e.after["title"] for e in events] == ["Portfolio v2", "Portfolio (trainer)"]
    assert events[1].before["title"] == "Portfolio v2"


def test_grade_the_whole_cohort_in_one_form(app: Flask, client, auth: AuthActions, world) -> None:
    luc, zed0, zed1 = _with_learners(app, world)
    auth.login("trainer@example.org")
    url = f"/projects/{world.project_id}/grades"
    form = page_form(client, url)
    form.update(
        {
            f"score_{luc}": "14,5",
            f"feedback_{luc}": "Bien",
            f"level_{luc}_{world.competency_id}": "2",
            f"score_{zed0}": "9.25",
            f"exempted_{zed1}": "y",
            f"reason_{zed1}": " Arrêt maladie ",
        }
    )
    response = client.post(url, data=form)
    assert response.status_code == 302
    assert _grades(app) == {
        luc: (1450, False, "", "Bien", 1),
        zed0: (925, False, "", "", 1),
        zed1: (None, True, "Arrêt maladie", "", 1),
    }
    with app.app_context():
        [assessment] = db.session.scalars(sa.select(CompetencyAssessment)).all()
        assert (assessment.learner_id, assessment.level, assessment.project_id) == (luc, 2, world.project_id)
    grades = audit_events(app, "grade")
    assert len(grades) == 3 and grades[0].before is None and grades[0].after["score"] == "14.5"
    assert grades[2].after == {"score": None, "exempted": True, "exemption_reason": "Arrêt maladie", "feedback": ""}
    page = client.get(f"/cohorts/{world.cohort_id}").text
    assert "14,5" in page  # Luc's average on the cohort page

    form = page_form(client, url)  # saving the same values again changes nothing
    assert form[f"score_{luc}"] == "14,5" and form[f"exempted_{zed1}"] == "y"
    client.post(url, data=form)
    assert len(audit_events(app)) == 4

    form[f"score_{zed0}"] = "10"
    client.post(url, data=form)
    assert _grades(app)[zed0] == (1000, False, "", "", 2)
    last = audit_events(app, "grade")[-1]
    assert (last.before["score"], last.after["score"]) == ("9.25", "10")


def test_bad_rows_come_back_with_errors_and_nothing_is_saved(app: Flask, client, auth: AuthActions, world) -> None:
    luc, zed0, zed1 = _with_learners(app, world)
    auth.login("trainer@example.org")
    url = f"/projects/{world.project_id}/grades"
    for bad, message in [
        ({f"score_{zed0}": "21"}, "entre 0 et 20"),
        ({f"score_{zed0}": "-1"}, "entre 0 et 20"),
        ({f"score_{zed0}": "12.345"}, "au plus deux décimales"),
        ({f"score_{zed0}": "douze"}, "Note invalide"),
        ({f"score_{zed0}": "12", f"exempted_{zed0}": "y", f"reason_{zed0}": "Stage"}, "Pas de note quand la personne"),
        ({f"exempted_{zed0}": "y"}, "Indiquez le motif de la dispense"),
        ({f"exempted_{zed0}": "y", f"reason_{zed0}": "   "}, "Indiquez le motif de la dispense"),
        ({f"reason_{zed0}": "Stage"}, "Un motif sans dispense"),
        ({f"exempted_{zed0}": "y", f"reason_{zed0}": "x" * 501}, "Texte trop long"),
        ({f"level_{zed0}_{world.competency_id}": "4"}, "Niveau invalide"),
    ]:
        form = page_form(client, url)
        form.update({f"score_{luc}": "15"}, **bad)
        response = client.post(url, data=form)
        assert response.status_code == 200, bad
        assert message in response.text, bad
        assert 'value="15"' in response.text  # the valid row is kept on the page
        assert _grades(app) == {} and audit_events(app) == [], bad


def test_concurrent_grading_refuses_the_stale_row_and_the_rest(app: Flask, client, auth: AuthActions, world) -> None:
    luc, zed0, zed1 = _with_learners(app, world)
    url = f"/projects/{world.project_id}/grades"
    auth.login("trainer@example.org")
    mine = page_form(client, url)
    other = app.test_client()
    AuthActions(other).login("manager@example.org")
    theirs = page_form(other, url)
    theirs.update({f"score_{luc}": "16", f"score_{zed1}": "8"})
    assert other.post(url, data=theirs).status_code == 302

    mine.update({f"score_{luc}": "12", f"score_{zed0}": "11"})  # Luc clashes; zed0 is new; zed1 untouched
    response = client.post(url, data=mine)
    assert response.status_code == 200
    assert "manager a enregistré" in response.text and "16/20" in response.text
    assert _grades(app) == {
        luc: (1600, False, "", "", 1),
        zed1: (800, False, "", "", 1),
    }

    again = form_from(response.text)
    assert again[f"score_{luc}"] == "12" and again[f"score_{zed0}"] == "11" and again[f"score_{zed1}"] == "8"
    assert client.post(url, data=again).status_code == 302
    assert _grades(app) == {
        luc: (1200, False, "", "", 2),
        zed0: (1100, False, "", "", 1),
        zed1: (800, False, "", "", 1),
    }
    last_luc = [e for e in audit_events(app, "grade") if e.learner_id == luc][-1]
    assert (last_luc.before["score"], last_luc.after["score"], last_luc.actor.email) == (
        "16",
        "12",
        "trainer@example.org",
    )


def test_grading_page_query_count_does_not_grow(app: Flask, client, auth: AuthActions, world, count_queries) -> None:
    auth.login("trainer@example.org")
    url = f"/projects/{world.project_id}/grades"
    _with_learners(app, world, 2)
    with count_queries() as few:
        client.get(url)
    _with_learners(app, world, 30)
    with count_queries() as many:
        client.get(url)
    assert few.count == many.count <= 10
