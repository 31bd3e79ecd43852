"""A company tutor's levels (issue 18): evidence beside the trainers', never a current level until a trainer
confirms it (the grid's rule for tutor levels, progress.tutor_proposals and its twin pending_proposal)."""

import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootcamp.cohorts.queries import learner_facts
from bootcamp.competencies.queries import history, levels_of, proposals_of
from bootcamp.extensions import db
from bootcamp.learners.queries import current_enrolment, progress_by_month
from bootcamp.models import AssessmentSource, Competency, CompetencyAssessment, Enrolment, Learner, Placement
from bootcamp.progress import current_of, enrolment_progress, pending_proposal

from . import factories
from .conftest import AuthActions, audit_events, csrf_token, form_from, page_form
from .test_fuzz import examples, values

OCT = [datetime(2026, 10, day, 10) for day in range(1, 32)]  # OCT[1] is 2 October


def _trainer(app: Flask, world, level: int, when: datetime, competency_id: int | None = None) -> None:
    with app.app_context():
        luc = db.session.get(Learner, world.learner_id)
        factories.assess(luc, db.session.get(Competency, competency_id or world.competency_id), level, when)
        db.session.commit()


def _tutor(app: Flask, world, level: int, when: datetime, competency_id: int | None = None) -> None:
    with app.app_context():
        placement = db.session.get(Placement, world.placement_id)
        factories.tutor_level(placement, db.session.get(Competency, competency_id or world.competency_id), level, when)
        db.session.commit()


def _state(app: Flask, world) -> tuple[int | None, int | None]:
    """Luc's current level and pending tutor proposal on the world's competency, from SQL; the Python twins agree."""
    cell = (world.learner_id, world.competency_id)
    with app.app_context():
        level, proposal = levels_of([world.learner_id]).get(cell), proposals_of([world.learner_id]).get(cell)
        past = history(*cell)
        current, pending = current_of(past), pending_proposal(past)
        assert (current.level if current else None) == level
        assert (pending.level if pending else None) == (proposal.level if proposal else None)
        return level, proposal.level if proposal else None


def _cell(world) -> str:
    return f"/cohorts/{world.cohort_id}/competencies/{world.learner_id}/{world.competency_id}"


def _count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(CompetencyAssessment))


def test_a_tutor_level_is_a_proposal_until_a_trainer_confirms_it(app: Flask, client, auth: AuthActions, world) -> None:
    _trainer(app, world, 1, OCT[0])
    _tutor(app, world, 3, OCT[9])
    assert _state(app, world) == (1, 3)

    auth.login("trainer@example.org")
    page = client.get(_cell(world)).text
    assert "Confirmer le niveau proposé (3)" in page and "proposé par le ou la tuteur·rice" in page
    response = client.post(f"{_cell(world)}/confirm", data=page_form(client, _cell(world), index=0))
    assert response.status_code == 302
    assert _state(app, world) == (3, None)
    with app.app_context():
        confirmed = history(world.learner_id, world.competency_id)[0]
        assert confirmed.source == AssessmentSource.TRAINER and confirmed.placement_id == world.placement_id
        assert confirmed.comment == "d'après le bilan de Paul Tuteur (Lozère Numérique)"
        assert confirmed.assessed_by.email == "trainer@example.org"
    [event] = audit_events(app, "competency_assessment")
    assert (event.before["level"], event.after["level"], event.after["placement_id"]) == (1, 3, world.placement_id)
    assert "Confirmer le niveau proposé" not in client.get(_cell(world)).text


def test_a_tutor_level_alone_is_no_current_level(app: Flask, client, auth: AuthActions, world) -> None:
    _tutor(app, world, 2, OCT[9])
    assert _state(app, world) == (None, 2)
    auth.login("trainer@example.org")
    grid = client.get(f"/cohorts/{world.cohort_id}/competencies").text
    box = re.search(rf'<input [^>]*name="level_{world.learner_id}_{world.competency_id}"[^>]*>', grid).group(0)
    assert 'value="' not in box or 'value=""' in box  # still « non évalué »
    assert "proposé par le ou la tuteur·rice : 2" in grid and ">T2<" in grid
    assert "ne compte jamais seul" in grid  # the rule, on the page
    page = client.get(_cell(world)).text
    assert "(niveau actuel)" not in page and "Confirmer le niveau proposé (2)" in page


def test_a_newer_trainer_level_ends_the_proposal(app: Flask, client, auth: AuthActions, world) -> None:
    _trainer(app, world, 1, OCT[0])
    _tutor(app, world, 3, OCT[9])
    auth.login("trainer@example.org")
    form = page_form(client, _cell(world))  # the last form: « nouvelle évaluation »
    form["level"] = "2"
    assert client.post(_cell(world), data=form).status_code == 302
    assert _state(app, world) == (2, None)
    [event] = audit_events(app, "competency_assessment")
    assert (event.before["level"], event.after["level"]) == (1, 2)  # from the trainer's level, not the tutor's


@pytest.mark.parametrize(
    "trainer,tutor,expected",
    [
        ([(1, 0)], [(1, 9)], (1, None)),  # the same level as the current one: nothing to confirm
        ([(1, 9)], [(3, 0)], (1, None)),  # older than the current level
        ([(1, 0)], [(3, 5), (1, 9)], (1, None)),  # the tutor's latest level is the current one
        ([(1, 0)], [(1, 5), (2, 9)], (1, 2)),  # the tutor's latest differs
        ([], [], (None, None)),
    ],
)
def test_which_tutor_level_is_pending(app: Flask, world, trainer, tutor, expected) -> None:
    for level, day in trainer:
        _trainer(app, world, level, OCT[day])
    for level, day in tutor:
        _tutor(app, world, level, OCT[day])
    assert _state(app, world) == expected


def test_progress_roster_and_chart_ignore_tutor_levels(app: Flask, world) -> None:
    def figures() -> tuple:
        with app.app_context():
            enrolments = sa.select(Enrolment.id).where(Enrolment.cohort_id == world.cohort_id)
            progress = sorted(tuple(row) for row in db.session.execute(enrolment_progress(enrolments)))
            roster = sorted((fact.enrolment_id, fact.progress) for fact in learner_facts(enrolments))
            enrolment = current_enrolment(world.learner_id)
            months, _others = progress_by_month(enrolment, [datetime(2026, 10, 1).date()])
            return progress, roster, [(point.mine, point.under_way) for point in months]

    _trainer(app, world, 1, OCT[0])
    before = figures()
    assert before[2] == [(0, 1)]
    with app.app_context():
        competencies = db.session.scalars(sa.select(Competency.id).order_by(Competency.id).limit(8)).all()
    for competency_id in competencies:
        _tutor(app, world, 3, OCT[9], competency_id)
    assert figures() == before


def test_a_tutor_level_arriving_meanwhile_does_not_refuse_the_grid(app: Flask, client, auth, world) -> None:
    _trainer(app, world, 1, OCT[0])
    auth.login("trainer@example.org")
    form = page_form(client, f"/cohorts/{world.cohort_id}/competencies")
    _tutor(app, world, 3, OCT[9])
    form[f"level_{world.learner_id}_{world.competency_id}"] = "2"
    assert client.post(f"/cohorts/{world.cohort_id}/competencies", data=form).status_code == 302
    assert _state(app, world) == (2, None)


@pytest.mark.parametrize("meanwhile", ["newer trainer level", "back-dated trainer level", "another tutor level"])
def test_a_stale_confirmation_writes_nothing(app: Flask, client, auth, world, meanwhile: str) -> None:
    _trainer(app, world, 1, OCT[0])
    _tutor(app, world, 3, OCT[9])
    auth.login("trainer@example.org")
    form = page_form(client, _cell(world), index=0)
    if meanwhile == "newer trainer level":
        _trainer(app, world, 2, OCT[20])
    elif meanwhile == "back-dated trainer level":  # older than the tutor's: the proposal stands, the snapshot says
        _trainer(app, world, 2, OCT[5])
    else:
        _tutor(app, world, 2, OCT[20])
    count = _count(app)
    response = client.post(f"{_cell(world)}/confirm", data=form)
    assert response.status_code == 409 and "Rien n'a été enregistré" in response.text
    assert _count(app) == count and audit_events(app) == []
    if meanwhile != "newer trainer level":  # still pending: confirming from the page shown now works
        assert client.post(f"{_cell(world)}/confirm", data=form_from(response.text, index=0)).status_code == 302


def test_confirming_is_for_the_cohort_staff(app: Flask, world) -> None:
    _tutor(app, world, 2, OCT[9])
    with app.app_context():  # a proposal in the other cohort too
        placement = db.session.get(Placement, world.other_placement_id)
        factories.tutor_level(placement, db.session.get(Competency, world.competency_id), 2, OCT[9])
        db.session.commit()
    other = f"/cohorts/{world.other_cohort_id}/competencies/{world.other_learner_id}/{world.competency_id}"
    trainer = app.test_client()
    AuthActions(trainer).login("trainer@example.org")
    stolen = page_form(trainer, _cell(world), index=0)
    assert trainer.get(other).status_code == 404
    assert trainer.post(f"{other}/confirm", data=stolen).status_code == 404
    learner = app.test_client()
    AuthActions(learner).login("learner@example.org")
    token = csrf_token(learner, "/me")
    assert learner.post(f"{_cell(world)}/confirm", data=stolen | {"confirm-csrf_token": token}).status_code == 404
    assert _count(app) == 2
    manager = app.test_client()
    AuthActions(manager).login("manager@example.org")
    assert manager.post(f"{other}/confirm", data=page_form(manager, other, index=0)).status_code == 302
    assert trainer.post(f"{_cell(world)}/confirm", data=stolen).status_code == 302
    assert _count(app) == 4


def test_every_history_names_the_tutor(app: Flask, client, auth: AuthActions, world) -> None:
    _trainer(app, world, 1, OCT[0])
    _tutor(app, world, 3, OCT[9])
    auth.login("trainer@example.org")
    cell = client.get(_cell(world)).text
    assert "tuteur·rice en entreprise</span> : Paul Tuteur (Lozère Numérique), stage du" in cell
    assert 'class="by-tutor"' in cell and "ne compte jamais seul" in cell
    staff = client.get(f"/cohorts/{world.cohort_id}/learners/{world.learner_id}").text
    assert "tuteur·rice en entreprise</span> : Paul Tuteur (Lozère Numérique)" in staff and "3 (tuteur)" in staff
    assert re.search(r"<strong>1 · imiter</strong>", staff)  # the current level stays the trainer's
    learner = app.test_client()
    AuthActions(learner).login("learner@example.org")
    me = learner.get("/me").text
    assert "évalué par votre tuteur·rice : Paul Tuteur (Lozère Numérique)" in me
    assert "transposer (tuteur) : proposé par votre tuteur·rice Paul Tuteur" in me


def test_the_grid_and_cell_pages_run_a_fixed_number_of_queries(app: Flask, client, auth, world, count_queries) -> None:
    auth.login("trainer@example.org")

    def counts() -> tuple[int, int]:
        with count_queries() as grid:
            assert client.get(f"/cohorts/{world.cohort_id}/competencies").status_code == 200
        with count_queries() as cell:
            assert client.get(_cell(world)).status_code == 200
        return grid.count, cell.count

    _trainer(app, world, 1, OCT[0])
    _tutor(app, world, 3, OCT[1])
    few = counts()
    with app.app_context():
        competencies = db.session.scalars(sa.select(Competency.id).order_by(Competency.id).limit(8)).all()
    for day in range(2, 6):
        for competency_id in competencies:
            _tutor(app, world, day % 4, OCT[day], competency_id)
            _trainer(app, world, 1, OCT[day], competency_id)
        _tutor(app, world, 3, OCT[day + 10])
    assert counts() == few == (11, 7)


def test_the_confirmation_form_never_answers_500(app: Flask, world) -> None:
    _tutor(app, world, 2, OCT[9])
    client = app.test_client()
    AuthActions(client).login("trainer@example.org")
    fields = page_form(client, _cell(world), index=0)
    names = [name for name in fields if name != "csrf_token"]

    @settings(
        max_examples=examples(app),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.dictionaries(st.sampled_from(names + ["extra"]), values, max_size=len(names) + 1))
    def fuzz(changes: dict[str, str]) -> None:
        response = client.post(f"{_cell(world)}/confirm", data=dict(fields) | changes)
        assert response.status_code < 500, (changes, response.status_code)

    fuzz()


def test_the_cell_page_with_a_proposal_has_unique_ids(app: Flask, client, auth: AuthActions, world) -> None:
    """Both forms on the page (« Confirmer » and « Nouvelle évaluation »): each label names its own field."""
    _trainer(app, world, 1, OCT[0])
    _tutor(app, world, 3, OCT[9])
    auth.login("trainer@example.org")
    page = client.get(_cell(world)).text
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(each for each in ids if ids.count(each) > 1)
    for target in re.findall(r'<label for="([^"]+)"', page):
        assert f'id="{target}"' in page
    assert 'for="confirm-comment"' in page and 'for="comment"' in page
    assert "Niveau proposé par le ou la tuteur·rice" in page
    history_wrap = re.search(r'<div class="table-wrap"[^>]*>', page).group(0)
    assert 'role="region"' in history_wrap and 'tabindex="0"' in history_wrap and "aria-labelledby" in history_wrap
    form = page_form(client, _cell(world), index=0)
    response = client.post(f"{_cell(world)}/confirm", data=form, follow_redirects=True)
    assert "Niveau proposé par le ou la tuteur·rice confirmé pour" in response.text


def test_a_learner_reads_a_tutor_level_alone_and_its_comment(app: Flask, world) -> None:
    """/me, a competency with only a tutor's level: « Dernière évaluation » shows it, the history opens."""
    with app.app_context():
        placement = db.session.get(Placement, world.placement_id)
        made = factories.tutor_level(placement, db.session.get(Competency, world.competency_id), 2, OCT[9])
        made.comment = "Autonome sur les maquettes"
        code = made.competency.code
        db.session.commit()
    learner = app.test_client()
    AuthActions(learner).login("learner@example.org")
    me = learner.get("/me").text
    row = re.search(rf"<tr>\s*<th scope=\"row\">{code} ·.*?</tr>", me, re.S).group(0)
    latest = re.search(r'data-label="Dernière évaluation">(.*?)</td>', row, re.S).group(1)
    assert "évalué par votre tuteur·rice :</span>" not in latest  # the words and the name are in one span
    assert "évalué par votre tuteur·rice : Paul Tuteur (Lozère Numérique)" in latest
    assert "« Autonome sur les maquettes »" in latest
    assert "<summary>1 évaluation</summary>" in row
