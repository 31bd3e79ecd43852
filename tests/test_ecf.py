"""The livret d'évaluation filled on screen (/learners/<id>/ecf): who may open it, adding, changing and deleting
evaluation situations, block summaries, the checks (nothing written when refused), stale forms, the audit trail,
and a page whose number of queries does not grow with the data."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import (
    AuditEvent,
    Block,
    Cohort,
    EcfBlock,
    EcfCompetency,
    EcfKind,
    EcfSituation,
    Enrolment,
    Programme,
)

from . import factories
from .conftest import AuthActions, audit_events, csrf_token, form_from, page_form


def _blocks(app: Flask) -> list[tuple[int, list[int]]]:
    """The DWWM blocks, each with its competencies' ids."""
    with app.app_context():
        programme = db.session.scalars(sa.select(Programme).where(Programme.short_name == "DWWM")).one()
        return [(block.id, [c.id for c in block.competencies]) for block in programme.blocks]


def _counts(app: Flask) -> tuple[int, int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (EcfSituation, EcfCompetency, EcfBlock, AuditEvent)
        )


def _situation_data(token: str, block_id: int, competencies: list[int], **changes: object) -> dict:
    prefix = f"add{block_id}-"
    data = {
        "held_on": "2026-11-20",
        "kind": "evaluation",
        "description": "Intégrer la maquette d'une page d'accueil",
        "competencies": competencies,
        "result": "unsatisfactory",
        "points_to_watch": "Accessibilité des formulaires",
        "to_reassess": competencies[:1],
        "first_assessor": "Thomas Formateur",
        "second_assessor": "Claire Aubrac",
        **changes,
    }
    return {"csrf_token": token, "block": str(block_id), **{prefix + key: value for key, value in data.items()}}


def _situation(app: Flask, situation_id: int) -> EcfSituation | None:
    with app.app_context():
        situation = db.session.get(EcfSituation, situation_id)
        if situation is not None:
            db.session.expunge(situation)
        return situation


def _competencies(app: Flask, situation_id: int) -> dict[int, bool]:
    with app.app_context():
        rows = db.session.scalars(sa.select(EcfCompetency).where(EcfCompetency.situation_id == situation_id))
        return {row.competency_id: row.to_reassess for row in rows}


# Who may open it


@pytest.mark.parametrize(
    "email,mine,status",
    [
        ("trainer@example.org", True, 200),
        ("trainer@example.org", False, 404),  # a learner of another trainer's cohort
        ("manager@example.org", True, 200),
        ("manager@example.org", False, 200),
        ("learner@example.org", True, 404),  # the learner reads theirs on /me, never the trainer's pages
        ("admin@example.org", True, 404),
    ],
)
def test_who_opens_the_livret_and_its_edit_page(client, auth: AuthActions, world, email, mine, status) -> None:
    auth.login(email)
    learner = world.learner_id if mine else world.other_learner_id
    situation = world.situation_id if mine else world.other_situation_id
    assert client.get(f"/learners/{learner}/ecf").status_code == status
    assert client.get(f"/learners/{learner}/ecf/situations/{situation}").status_code == status


def test_a_situation_of_another_learner_is_not_found_under_this_one(client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    assert client.get(f"/learners/{world.learner_id}/ecf/situations/{world.other_situation_id}").status_code == 404


# The page


def test_page_shows_the_evidence_situations_forms_and_pdf_link(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        learner = db.session.get(Enrolment, world.enrolment_id).learner
        competency = db.session.get(factories.Competency, world.competency_id)
        brief = factories.project(learner.enrolments[0].cohort, title="Portfolio responsive")
        factories.assess(learner, competency, 2, datetime(2026, 11, 3, 10), project=brief)
        db.session.commit()
    auth.login("trainer@example.org")
    page = client.get(f"/learners/{world.learner_id}/ecf").text
    assert "2 · adapter" in page and "Portfolio responsive" in page  # the level's word, the project that shows it
    assert "rien n'est décidé à la place" in page
    assert "Projet fil rouge" in page and "Thomas Formateur, Claire Aubrac" in page  # the world's situation
    assert f'href="/learners/{world.learner_id}/ecf.pdf"' in page
    assert f'href="/learners/{world.learner_id}/ecf/situations/{world.situation_id}"' in page
    assert page.count('name="block"') == len(_blocks(app))  # one « add » form per block
    assert 'value="Claire Aubrac"' in page  # the organisation's representative, by default, in each summary


def test_roster_and_learner_page_link_to_the_livret(client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    path = f"/learners/{world.learner_id}/ecf"
    assert f'href="{path}"' in client.get(f"/cohorts/{world.cohort_id}/learners/{world.learner_id}").text
    assert f'href="{path}"' in client.get(f"/cohorts/{world.cohort_id}").text


# Adding a situation


def test_add_a_situation_with_its_competencies_audited(app: Flask, client, auth: AuthActions, world) -> None:
    (block_id, competencies), *_ = _blocks(app)
    auth.login("trainer@example.org")
    token = csrf_token(client, f"/learners/{world.learner_id}/ecf")
    response = client.post(
        f"/learners/{world.learner_id}/ecf/situations", data=_situation_data(token, block_id, competencies[:2])
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/learners/{world.learner_id}/ecf#block-{block_id}")
    event = audit_events(app, "ecf_situation")[-1]
    assert (event.action, event.learner_id, event.before) == ("create", world.learner_id, None)
    assert event.after["competencies"] == sorted(competencies[:2])
    assert event.after["to_reassess"] == competencies[:1] and event.after["satisfactory"] is False
    situation = _situation(app, event.entity_id)
    assert (situation.held_on, situation.kind, situation.points_to_watch) == (
        date(2026, 11, 20), EcfKind.EVALUATION, "Accessibilité des formulaires"
    )
    assert _competencies(app, situation.id) == {competencies[0]: True, competencies[1]: False}
    page = client.get(response.headers["Location"]).text
    assert "Situation d&#39;évaluation ajoutée" in page and "à réévaluer" in page


def test_a_reassessment_follows_an_earlier_evaluation_of_the_block(app: Flask, client, auth: AuthActions, world):
    (block_id, competencies), *_ = _blocks(app)  # the world's evaluation of block 1 is on 06/11/2026
    auth.login("trainer@example.org")
    token = csrf_token(client, f"/learners/{world.learner_id}/ecf")
    url = f"/learners/{world.learner_id}/ecf/situations"
    before = _counts(app)
    same_day = _situation_data(token, block_id, competencies[:1], kind="reassessment", held_on="2026-11-06")
    response = client.post(url, data=same_day)
    assert response.status_code == 400 and "aucune évaluation avant" in response.text
    assert _counts(app) == before
    later = _situation_data(token, block_id, competencies[:1], kind="reassessment", result="satisfactory",
                            points_to_watch="", to_reassess=[])
    assert client.post(url, data=later).status_code == 302


def _refusals(first: list[int], second: list[int]) -> list[tuple[str, dict, str]]:
    long_name = "x" * 121
    return [
        ("competency of another block", {"competencies": [first[0], second[0]]}, "Choisissez des compétences du bloc"),
        ("not a competency", {"competencies": ["abc"]}, "Choisissez des compétences du bloc"),
        ("no competency", {"competencies": [], "to_reassess": []}, "au moins une compétence"),
        ("to reassess not assessed", {"competencies": [first[0]], "to_reassess": [first[1]]}, "font partie de celles"),
        ("to reassess when satisfactory", {"result": "satisfactory", "points_to_watch": ""}, "seulement pour une"),
        ("points when undecided", {"result": "", "to_reassess": []}, "seulement pour une"),
        ("before the cohort", {"held_on": "2026-09-06"}, "début de la promotion"),
        ("past end + 1 year", {"held_on": "2028-07-06"}, "un an après sa fin"),
        ("no date", {"held_on": ""}, "Indiquez la date"),
        ("description too long", {"description": "é" * 2001}, "2001 caractères, 2000 au plus"),
        ("assessor too long", {"second_assessor": long_name}, "121 caractères, 120 au plus"),
        ("unknown kind", {"kind": "exam"}, ""),
        ("reassessment of a block never evaluated", {"kind": "reassessment", "block": "second"}, "aucune évaluation"),
    ]


@pytest.mark.parametrize("case", range(13))
def test_refused_situations_write_nothing(app: Flask, client, auth: AuthActions, world, case: int) -> None:
    (first_block, first), (second_block, second), *_ = _blocks(app)
    _name, changes, message = _refusals(first, second)[case]
    block_id = second_block if changes.pop("block", None) == "second" else first_block
    competencies = changes.pop("competencies", second[:2] if block_id == second_block else first[:2])
    auth.login("trainer@example.org")
    token = csrf_token(client, f"/learners/{world.learner_id}/ecf")
    before = _counts(app)
    data = _situation_data(token, block_id, competencies, **changes)
    response = client.post(f"/learners/{world.learner_id}/ecf/situations", data=data)
    assert response.status_code == 400
    assert message in response.text.replace("&#39;", "'")
    assert "Rien n'a été enregistré" in response.text.replace("&#39;", "'")
    assert _counts(app) == before


def test_refused_form_comes_back_open_with_what_was_typed(app: Flask, client, auth: AuthActions, world) -> None:
    (block_id, competencies), *_ = _blocks(app)
    auth.login("trainer@example.org")
    token = csrf_token(client, f"/learners/{world.learner_id}/ecf")
    data = _situation_data(token, block_id, competencies[:1], held_on="2020-01-01", description="Mon texte à garder")
    response = client.post(f"/learners/{world.learner_id}/ecf/situations", data=data)
    assert response.status_code == 400
    assert "<details open>" in response.text and "Mon texte à garder" in response.text
    assert 'aria-invalid="true"' in response.text


def test_adding_to_a_block_of_no_programme_of_the_learner(app: Flask, client, auth: AuthActions, world) -> None:
    (block_id, competencies), *_ = _blocks(app)
    auth.login("trainer@example.org")
    token = csrf_token(client, f"/learners/{world.learner_id}/ecf")
    url = f"/learners/{world.learner_id}/ecf/situations"
    before = _counts(app)
    data = _situation_data(token, block_id, competencies)
    assert client.post(url, data={**data, "block": "999999"}).status_code == 404
    assert client.post(url, data={**data, "block": "x"}).status_code == 400
    assert client.post(url, data={key: v for key, v in data.items() if key != "block"}).status_code == 400
    assert _counts(app) == before


# Changing and deleting one


def test_edit_a_situation_audited_and_versioned(app: Flask, client, auth: AuthActions, world) -> None:
    (block_id, competencies), *_ = _blocks(app)
    auth.login("trainer@example.org")
    path = f"/learners/{world.learner_id}/ecf/situations/{world.situation_id}"
    form = page_form(client, path, index=0)
    assert form["version"] == "1" and form["competencies"] == str(competencies[0])
    form.update(competencies=[str(c) for c in competencies[:3]], description="Projet fil rouge, étape 2")
    response = client.post(path, data=form)
    assert response.status_code == 302
    situation = _situation(app, world.situation_id)
    assert (situation.description, situation.version) == ("Projet fil rouge, étape 2", 2)
    assert set(_competencies(app, world.situation_id)) == set(competencies[:3])
    event = audit_events(app, "ecf_situation")[-1]
    assert (event.action, event.entity_id, event.learner_id) == ("update", world.situation_id, world.learner_id)
    assert event.before["competencies"] == [competencies[0]]
    assert event.after["description"] == "Projet fil rouge, étape 2"
    # Only the competencies change: still a new version (a stale form of the old one is refused)
    form = page_form(client, path, index=0)
    form["competencies"] = [str(competencies[0])]
    assert client.post(path, data=form).status_code == 302
    assert _situation(app, world.situation_id).version == 3
    assert set(_competencies(app, world.situation_id)) == {competencies[0]}


def test_a_stale_edit_answers_409_and_keeps_what_was_typed(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    path = f"/learners/{world.learner_id}/ecf/situations/{world.situation_id}"
    seen = page_form(client, path, index=0)
    first = {**seen, "description": "Première version"}
    assert client.post(path, data=first).status_code == 302
    before = _counts(app)
    second = {**seen, "description": "Deuxième version"}
    response = client.post(path, data=second)
    assert response.status_code == 409
    text = response.text.replace("&#39;", "'")
    assert "Thomas Formateur a modifié cette situation" in text and "Deuxième version" in text
    assert _counts(app) == before
    assert _situation(app, world.situation_id).description == "Première version"
    again = form_from(response.text, index=0)  # the page now carries the current version: saving again replaces
    assert again["version"] == "2"
    assert client.post(path, data=again).status_code == 302
    assert _situation(app, world.situation_id).description == "Deuxième version"


def test_refused_edit_writes_nothing(app: Flask, client, auth: AuthActions, world) -> None:
    (_block_id, first), (_second_block, second), *_ = _blocks(app)
    auth.login("trainer@example.org")
    path = f"/learners/{world.learner_id}/ecf/situations/{world.situation_id}"
    form = page_form(client, path, index=0)
    before = _counts(app)
    response = client.post(path, data={**form, "competencies": [str(second[0])]})
    assert response.status_code == 400 and "Choisissez des compétences du bloc" in response.text
    response = client.post(path, data={**form, "kind": "reassessment"})  # no evaluation before it then
    assert response.status_code == 400 and "aucune évaluation avant" in response.text
    assert _counts(app) == before
    assert _situation(app, world.situation_id).kind == EcfKind.EVALUATION


def test_delete_a_situation(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    token = csrf_token(client, f"/learners/{world.learner_id}/ecf")
    url = f"/learners/{world.learner_id}/ecf/situations/{world.situation_id}/delete"
    before = _counts(app)
    assert client.post(url, data={"csrf_token": token, "version": "7"}).status_code == 409
    assert client.post(url, data={"csrf_token": token}).status_code == 400
    assert _counts(app) == before
    response = client.post(url, data={"csrf_token": token, "version": "1"})
    assert response.status_code == 302
    assert _situation(app, world.situation_id) is None
    event = audit_events(app, "ecf_situation")[-1]
    assert (event.action, event.entity_id, event.learner_id, event.after) == (
        "delete", world.situation_id, world.learner_id, None
    )
    assert event.before["description"] == "Projet fil rouge"


def test_the_evaluation_a_reassessment_follows_is_not_deleted(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        block = db.session.get(EcfSituation, world.situation_id).block
        reassessment = factories.ecf_situation(enrolment, block, date(2026, 11, 20))
        reassessment.kind = EcfKind.REASSESSMENT
        db.session.commit()
    auth.login("trainer@example.org")
    token = csrf_token(client, f"/learners/{world.learner_id}/ecf")
    before = _counts(app)
    url = f"/learners/{world.learner_id}/ecf/situations/{world.situation_id}/delete"
    response = client.post(url, data={"csrf_token": token, "version": "1"}, follow_redirects=True)
    assert "aucune évaluation avant la réévaluation du 20/11/2026" in response.text
    assert _counts(app) == before


# The block's summary


def _summary_data(token: str, block_id: int, version: int | str = 0, **changes: object) -> dict:
    data = {
        "mastered": "mastered",
        "observations": "Autonome sur l'intégration",
        "assessors": "Thomas Formateur, Claire Aubrac",
        "legal_representative": "Claire Aubrac",
        "handed_on": "2027-07-02",
        "version": str(version),
        **changes,
    }
    return {"csrf_token": token, **{f"summary{block_id}-{key}": value for key, value in data.items()}}


def _summary(app: Flask, enrolment_id: int, block_id: int) -> EcfBlock | None:
    with app.app_context():
        summary = db.session.scalar(
            sa.select(EcfBlock).where(EcfBlock.enrolment_id == enrolment_id, EcfBlock.block_id == block_id)
        )
        if summary is not None:
            db.session.expunge(summary)
        return summary


def test_block_summary_created_then_updated_audited(app: Flask, client, auth: AuthActions, world) -> None:
    (block_id, _c), *_ = _blocks(app)
    auth.login("manager@example.org")
    token = csrf_token(client, f"/learners/{world.learner_id}/ecf")
    url = f"/learners/{world.learner_id}/ecf/blocks/{block_id}"
    response = client.post(url, data=_summary_data(token, block_id))
    assert response.status_code == 302
    summary = _summary(app, world.enrolment_id, block_id)
    assert (summary.mastered, summary.handed_on, summary.version) == (True, date(2027, 7, 2), 1)
    event = audit_events(app, "ecf_block")[-1]
    assert (event.action, event.entity_id, event.learner_id, event.before) == (
        "create", summary.id, world.learner_id, None
    )
    page = client.get(f"/learners/{world.learner_id}/ecf").text
    assert "Autonome sur l&#39;intégration" in page
    response = client.post(url, data=_summary_data(token, block_id, 1, mastered="not_mastered", handed_on=""))
    assert response.status_code == 302
    summary = _summary(app, world.enrolment_id, block_id)
    assert (summary.mastered, summary.handed_on, summary.version) == (False, None, 2)
    event = audit_events(app, "ecf_block")[-1]
    assert (event.action, event.before["mastered"], event.after["mastered"]) == ("update", True, False)


def test_stale_or_refused_summaries_write_nothing(app: Flask, client, auth: AuthActions, world) -> None:
    (block_id, _c), *_ = _blocks(app)
    auth.login("trainer@example.org")
    token = csrf_token(client, f"/learners/{world.learner_id}/ecf")
    url = f"/learners/{world.learner_id}/ecf/blocks/{block_id}"
    assert client.post(url, data=_summary_data(token, block_id)).status_code == 302
    before = _counts(app)
    response = client.post(url, data=_summary_data(token, block_id, 0, observations="Ma version"))  # seen before
    assert response.status_code == 409
    assert "Thomas Formateur a modifié cette synthèse" in response.text and "Ma version" in response.text
    assert 'name="summary%d-version" type="hidden" value="1"' % block_id in response.text
    refused = [
        {"handed_on": "2026-09-01"},
        {"handed_on": "2028-07-06"},
        {"legal_representative": "x" * 121},
        {"observations": "x" * 2001},
        {"mastered": "perhaps"},
    ]
    for changes in refused:
        response = client.post(url, data=_summary_data(token, block_id, 1, **changes))
        assert response.status_code == 400, changes
    for version in ("x", "", "-1", "99999999999"):
        response = client.post(url, data=_summary_data(token, block_id, version))
        assert response.status_code == 400, changes
    unknown = f"/learners/{world.learner_id}/ecf/blocks/999999"
    assert client.post(unknown, data=_summary_data(token, 999999)).status_code == 404
    assert _counts(app) == before
    assert _summary(app, world.enrolment_id, block_id).observations == "Autonome sur l'intégration"


# Queries


def _more_data(app: Flask, world, learners: int, situations: int) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        for _n in range(learners):
            factories.learner(cohort)
        brief = factories.project(cohort)
        for block in db.session.scalars(sa.select(Block).where(Block.programme_id == cohort.programme_id)):
            for n in range(situations):
                situation = factories.ecf_situation(enrolment, block, date(2026, 11, 1 + n), satisfactory=n % 2 == 0)
                situation.competencies.append(EcfCompetency(competency=block.competencies[-1], to_reassess=True))
            db.session.add(EcfBlock(enrolment=enrolment, block=block, mastered=True, assessors="A, B"))
            for competency in block.competencies:
                factories.assess(enrolment.learner, competency, 2, datetime(2026, 11, 2, 9), project=brief)
        db.session.commit()


def test_page_queries_do_not_grow_with_the_data(app: Flask, client, auth: AuthActions, world, count_queries) -> None:
    auth.login("trainer@example.org")
    path = f"/learners/{world.learner_id}/ecf"
    client.get(path)
    with count_queries() as few:
        assert client.get(path).status_code == 200
    _more_data(app, world, learners=5, situations=4)
    with count_queries() as many:
        page = client.get(path)
    assert page.status_code == 200 and page.text.count("à réévaluer") >= 8
    assert many.count == few.count
