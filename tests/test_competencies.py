"""The competency grid: save many levels at once, refuse bad ones, never overwrite someone else's."""

import re
from datetime import datetime

import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.frameworks import CDA
from bootcamp.models import Cohort, CompetencyAssessment, Learner

from . import factories
from .conftest import AuthActions, audit_events, form_from, page_form


def _ids(app: Flask, world) -> tuple[list[int], list[int]]:
    """Learner ids (Luc first) and the competency ids of the trainer's cohort, after adding two learners."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        others = [factories.learner(cohort, last_name=name) for name in ("Bravo", "Charlie")]
        luc = db.session.get(Learner, world.learner_id)
        factories.assess(luc, factories.competencies(cohort.programme)[0], 1, datetime(2026, 10, 1))
        db.session.commit()
        return [world.learner_id] + [o.id for o in others], [c.id for c in factories.competencies(cohort.programme)]


def _levels(app: Flask) -> list[tuple[int, int, int]]:
    with app.app_context():
        return db.session.execute(
            sa.select(
                CompetencyAssessment.learner_id, CompetencyAssessment.competency_id, CompetencyAssessment.level
            ).order_by(CompetencyAssessment.id)
        ).all()


def test_grid_shows_levels_in_words_grouped_by_block(app: Flask, client, auth: AuthActions, world) -> None:
    learners, competencies = _ids(app, world)
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}/competencies").text
    assert page.count('scope="colgroup"') == 2 and "Bloc 1" in page and "Bloc 2" in page
    cell = re.search(rf'<input [^>]*name="level_{learners[0]}_{competencies[0]}"[^>]*>', page).group(0)
    assert 'value="1"' in cell and 'list="levels"' in cell and 'aria-label="' in cell
    assert '<option value="1">1 · imiter</option>' in page  # the levels in words, once for the page
    assert f"/cohorts/{world.cohort_id}/competencies/{learners[0]}/{competencies[0]}" in page  # the name leads there
    history = client.get(f"/cohorts/{world.cohort_id}/competencies/{learners[0]}/{competencies[0]}").text
    for competency in competencies:  # and from there to every competency of the learner
        assert f'href="/cohorts/{world.cohort_id}/competencies/{learners[0]}/{competency}"' in history


def test_an_assessed_cell_cannot_be_emptied(app: Flask, client, auth: AuthActions, world) -> None:
    learners, competencies = _ids(app, world)
    auth.login("trainer@example.org")
    before = _levels(app)
    form = page_form(client, f"/cohorts/{world.cohort_id}/competencies")
    form[f"level_{learners[0]}_{competencies[0]}"] = " "
    form[f"level_{learners[1]}_{competencies[1]}"] = "2"
    response = client.post(f"/cohorts/{world.cohort_id}/competencies", data=form)
    assert response.status_code == 200 and "Niveau invalide" in response.text
    assert _levels(app) == before
    assert re.search(rf'name="level_{learners[1]}_{competencies[1]}"[^>]*value="2"', response.text)


def test_save_several_levels_at_once(app: Flask, client, auth: AuthActions, world) -> None:
    learners, competencies = _ids(app, world)
    auth.login("trainer@example.org")
    form = page_form(client, f"/cohorts/{world.cohort_id}/competencies")
    form[f"level_{learners[0]}_{competencies[0]}"] = "2"
    form[f"level_{learners[1]}_{competencies[1]}"] = "1"
    form[f"level_{learners[2]}_{competencies[7]}"] = "0"
    form["comment"] = "Revue de code du vendredi"
    response = client.post(f"/cohorts/{world.cohort_id}/competencies", data=form)
    assert response.status_code == 302
    assert sorted(_levels(app)[1:]) == [
        (learners[0], competencies[0], 2),
        (learners[1], competencies[1], 1),
        (learners[2], competencies[7], 0),
    ]
    events = audit_events(app, "competency_assessment")
    changes = {(e.learner_id, e.after["competency_id"]): (e.before["level"], e.after["level"]) for e in events}
    assert changes == {
        (learners[0], competencies[0]): (1, 2),
        (learners[1], competencies[1]): (None, 1),
        (learners[2], competencies[7]): (None, 0),
    }
    assert all(
        e.after["comment"] == "Revue de code du vendredi" and e.actor.email == "trainer@example.org" for e in events
    )
    assert "3 niveaux enregistrés" in client.get(response.headers["Location"]).text


def test_unchanged_grid_records_nothing(app: Flask, client, auth: AuthActions, world) -> None:
    _ids(app, world)
    auth.login("trainer@example.org")
    form = page_form(client, f"/cohorts/{world.cohort_id}/competencies")
    client.post(f"/cohorts/{world.cohort_id}/competencies", data=form)
    assert len(_levels(app)) == 1 and audit_events(app) == []


def test_a_bad_level_saves_nothing_of_the_grid(app: Flask, client, auth: AuthActions, world) -> None:
    learners, competencies = _ids(app, world)
    auth.login("trainer@example.org")
    form = page_form(client, f"/cohorts/{world.cohort_id}/competencies")
    form[f"level_{learners[1]}_{competencies[1]}"] = "2"
    form[f"level_{learners[2]}_{competencies[2]}"] = "4"
    response = client.post(f"/cohorts/{world.cohort_id}/competencies", data=form)
    assert response.status_code == 200
    assert "Niveau invalide" in response.text and "Rien n'a été enregistré" in response.text
    assert re.search(rf'name="level_{learners[1]}_{competencies[1]}"[^>]*value="2"', response.text)  # kept
    assert len(_levels(app)) == 1 and audit_events(app) == []


def test_a_level_changed_meanwhile_by_someone_else_is_not_overwritten(app: Flask, client, auth, world) -> None:
    learners, competencies = _ids(app, world)
    auth.login("trainer@example.org")
    mine = page_form(client, f"/cohorts/{world.cohort_id}/competencies")
    manager = app.test_client()
    AuthActions(manager).login("manager@example.org")
    theirs = page_form(manager, f"/cohorts/{world.cohort_id}/competencies")
    theirs[f"level_{learners[0]}_{competencies[0]}"] = "3"
    theirs[f"level_{learners[1]}_{competencies[0]}"] = "2"
    assert manager.post(f"/cohorts/{world.cohort_id}/competencies", data=theirs).status_code == 302

    # Unchanged cells of a stale grid do not undo the manager's levels; a changed one is refused.
    mine[f"level_{learners[0]}_{competencies[0]}"] = "2"
    mine[f"level_{learners[2]}_{competencies[3]}"] = "1"
    response = client.post(f"/cohorts/{world.cohort_id}/competencies", data=mine)
    assert response.status_code == 200
    assert "manager a saisi « transposer »" in response.text
    assert len(_levels(app)) == 3  # nothing of this submission

    again = form_from(response.text)
    assert client.post(f"/cohorts/{world.cohort_id}/competencies", data=again).status_code == 302
    levels = _levels(app)
    assert sorted(levels[3:]) == [(learners[0], competencies[0], 2), (learners[2], competencies[3], 1)]
    assert (learners[1], competencies[0], 2) in levels  # the manager's other level still stands


def test_history_lists_every_assessment_and_records_a_new_one(app: Flask, client, auth, world) -> None:
    learners, competencies = _ids(app, world)
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/competencies/{learners[0]}/{competencies[0]}"
    form = page_form(client, url)
    form.update(level="3", comment="Autonome sur Docker", project=str(world.project_id))
    assert client.post(url, data=form).status_code == 302
    page = client.get(url).text
    assert page.index("3 · transposer") < page.index("1 · imiter")  # newest first
    assert "Autonome sur Docker" in page and "Portfolio" in page and "(niveau actuel)" in page
    [event] = audit_events(app, "competency_assessment")
    assert event.after["project_id"] == world.project_id and event.before["level"] == 1
    form["level"] = "7"
    response = client.post(url, data=form)
    assert response.status_code == 200 and "Niveau invalide" in response.text


def test_history_of_a_learner_or_competency_outside_the_cohort_is_404(app: Flask, client, auth, world) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["frameworks", "load", str(CDA)])
    with app.app_context():
        cda_competency = db.session.scalar(sa.select(sa.func.max(CompetencyAssessment.competency_id).label("x")))
        from bootcamp.models import Competency

        cda_competency = db.session.scalar(sa.select(sa.func.max(Competency.id)))
    auth.login("trainer@example.org")
    assert (
        client.get(
            f"/cohorts/{world.cohort_id}/competencies/{world.other_learner_id}/{world.competency_id}"
        ).status_code
        == 404
    )
    assert client.get(f"/cohorts/{world.cohort_id}/competencies/{world.learner_id}/{cda_competency}").status_code == 404


def test_a_refused_grid_keeps_the_comment_and_project_given(app: Flask, client, auth, world) -> None:
    """The versioned sheet's conflict page (sheets.py) puts back the levels, and the evidence given for them."""
    learners, competencies = _ids(app, world)
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/competencies"
    mine = page_form(client, url)
    manager = app.test_client()
    AuthActions(manager).login("manager@example.org")
    theirs = page_form(manager, url)
    theirs[f"level_{learners[1]}_{competencies[1]}"] = "3"
    assert manager.post(url, data=theirs).status_code == 302

    mine.update(comment="Revue de code", project=str(world.project_id))
    mine[f"level_{learners[1]}_{competencies[1]}"] = "2"
    response = client.post(url, data=mine)
    assert response.status_code == 200 and "manager a saisi « transposer »" in response.text
    again = form_from(response.text)
    assert again["comment"].strip() == "Revue de code" and again["project"] == str(world.project_id)
    assert again[f"level_{learners[1]}_{competencies[1]}"] == "2"
    assert int(again["snapshot"]) > int(mine["snapshot"])
