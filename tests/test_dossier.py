"""The Dossier Professionnel: the learner's /me/certification (livret read only, examples to keep up to date), their
additions (at most three a block), changes and deletions of their own examples only, « relu » the trainer's word,
the trainer's review, versions (409), the journal, bad input (4xx, nothing written), fixed query counts, and /me's
short « Mon titre professionnel »."""

import re
from datetime import date
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.models import (
    DP_EXAMPLES_PER_BLOCK,
    Block,
    Cohort,
    DpContext,
    DpExample,
    DpStatus,
    Enrolment,
    Programme,
    Role,
    User,
)

from . import factories
from .conftest import AuthActions, audit_events, csrf_token

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: TODAY)


def _examples(app: Flask, enrolment_id: int) -> list[tuple[int, int, str, str, str, int]]:
    """(block position, position, title, context, status, version) of the enrolment's examples."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Block.position, DpExample.position, DpExample.title, DpExample.context, DpExample.status,
                      DpExample.version)
            .join(Block, Block.id == DpExample.block_id)
            .where(DpExample.enrolment_id == enrolment_id)
            .order_by(Block.position, DpExample.position)
        )
        return [(b, p, t, c.value, s.value, v) for b, p, t, c, s, v in rows]


def _example(app: Flask, example_id: int) -> DpExample | None:
    with app.app_context():
        example = db.session.get(DpExample, example_id)
        if example is not None:
            db.session.expunge(example)
        return example


def _blocks(app: Flask, cohort_id: int) -> list[int]:
    with app.app_context():
        programme_id = db.session.get(Cohort, cohort_id).programme_id
        return list(db.session.scalars(
            sa.select(Block.id).where(Block.programme_id == programme_id).order_by(Block.position)
        ))


def _learner(client, auth: AuthActions, world) -> str:
    auth.login(world.emails["learner"])
    return csrf_token(client, "/me/certification")


def _add(client, token: str, block_id: int, title: str = "Maquetter une application", context: str = "centre"):
    return client.post("/me/dp", data={"csrf_token": token, "block": str(block_id), "title": title,
                                       "context": context})


def _edit(client, token: str, example_id: int, version: int = 1, **fields: str):
    data = {"csrf_token": token, "version": str(version), "title": "Exemple 1", "context": "centre",
            "status": "draft", **fields}
    return client.post(f"/me/dp/{example_id}", data=data)


def _review(client, token: str, learner_id: int, example_id: int, version: int = 1, **fields: str):
    data = {"csrf_token": token, "version": str(version), "status": "reviewed", "review_comment": "", **fields}
    return client.post(f"/learners/{learner_id}/dp/{example_id}", data=data)


# The learner's page


def test_my_page_shows_my_livret_my_examples_and_the_pdf(client, auth: AuthActions, world) -> None:
    _learner(client, auth, world)
    page = unescape(client.get("/me/certification").text)
    assert "Mon titre professionnel" in page
    assert f'href="/learners/{world.learner_id}/ecf.pdf"' in page  # the livret PDF
    assert "Projet fil rouge" in page and "Thomas Formateur, Claire Aubrac" in page  # the livret's situation
    assert "Exemple 1" in page and "en centre" in page and "brouillon" in page and "2 nov. 2026" in page
    assert "ECF : maîtrisé · DP : 1 exemple, 0 finalisé · examen : en attente" in page  # block 1's line
    assert "DP : aucun exemple" in page  # block 2
    assert f'action="/me/dp/{world.example_id}"' in page and 'action="/me/dp"' in page
    assert f"/me/dp/{world.other_example_id}" not in page  # nobody else's
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # a page of several forms: every field has an id of its own


def test_me_says_where_my_title_stands_and_follows_a_change(client, auth: AuthActions, world) -> None:
    token = _learner(client, auth, world)
    page = unescape(client.get("/me").text)
    assert 'href="/me/certification"' in page and "DP : 0 exemple finalisé" in page
    assert _edit(client, token, world.example_id, status="final").status_code == 302
    assert "DP : 1 exemple finalisé" in unescape(client.get("/me").text)  # /me is kept until a write


def test_the_trainers_learner_page_links_to_the_review(client, auth: AuthActions, world) -> None:
    auth.login(world.emails["trainer"])
    page = client.get(f"/cohorts/{world.cohort_id}/learners/{world.learner_id}").text
    assert f'href="/learners/{world.learner_id}/dp"' in page


# Adding, at most three a block


def test_a_learner_adds_up_to_three_examples_a_block_then_is_refused(app: Flask, client, auth, world) -> None:
    token = _learner(client, auth, world)
    first, second = _blocks(app, world.cohort_id)
    assert _add(client, token, first, "Intégrer une maquette", "company").status_code == 302
    assert _add(client, token, first, "Rendre une page accessible").status_code == 302
    assert _add(client, token, second, "Une API REST").status_code == 302
    refused = _add(client, token, first, "Un quatrième")
    assert refused.status_code == 400
    text = unescape(refused.text)
    assert f"Ce bloc a déjà {DP_EXAMPLES_PER_BLOCK} exemples" in text and 'value="Un quatrième"' in text
    assert _examples(app, world.enrolment_id) == [
        (1, 1, "Exemple 1", "centre", "draft", 1),
        (1, 2, "Intégrer une maquette", "company", "to_write", 1),
        (1, 3, "Rendre une page accessible", "centre", "to_write", 1),
        (2, 1, "Une API REST", "centre", "to_write", 1),
    ]
    created = [event for event in audit_events(app, "dp_example") if event.action == "create"]
    assert len(created) == 3 and {event.learner_id for event in created} == {world.learner_id}
    assert created[0].after["title"] == "Intégrer une maquette" and created[0].after["updated_on"] == "2026-11-20"
    page = unescape(client.get("/me/certification").text)
    assert "3 exemples : le plus qu'un bloc compte" in page
    assert page.count('action="/me/dp"') == 1  # only block 2 still offers the addition


def test_a_new_example_takes_the_first_free_position(app: Flask, client, auth, world) -> None:
    token = _learner(client, auth, world)
    first = _blocks(app, world.cohort_id)[0]
    _add(client, token, first, "Deux")
    _add(client, token, first, "Trois")
    with app.app_context():
        one = db.session.scalar(sa.select(DpExample.id).where(DpExample.title == "Exemple 1",
                                                              DpExample.enrolment_id == world.enrolment_id))
    assert client.post(f"/me/dp/{one}/delete", data={"csrf_token": token, "version": "1"}).status_code == 302
    assert _add(client, token, first, "Un nouveau").status_code == 302
    assert [(p, t) for _b, p, t, *_rest in _examples(app, world.enrolment_id)] == [
        (1, "Un nouveau"), (2, "Deux"), (3, "Trois")
    ]


@pytest.mark.parametrize(
    "block,title,context",
    [
        ("other-programme", "Titre", "centre"),
        ("x", "Titre", "centre"),
        ("99999999999999999999", "Titre", "centre"),
        ("", "Titre", "centre"),
        ("first", "", "centre"),
        ("first", "   ", "centre"),
        ("first", "x" * 201, "centre"),
        ("first", "Titre", "garage"),
    ],
)
def test_a_bad_addition_is_refused_and_nothing_written(app: Flask, client, auth, world, block, title, context) -> None:
    token = _learner(client, auth, world)
    with app.app_context():
        cda = Programme(short_name="CDA", title="Concepteur développeur d'applications", rncp_code="RNCP00001")
        cda.blocks = [Block(code="CDA-BC01", title="Un bloc d'un autre titre", position=1)]
        db.session.add(cda)
        db.session.commit()
        other = cda.blocks[0].id
    ids = {"first": str(_blocks(app, world.cohort_id)[0]), "other-programme": str(other)}
    before = _examples(app, world.enrolment_id)
    response = _add(client, token, ids.get(block, block), title, context)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert _examples(app, world.enrolment_id) == before
    assert not [event for event in audit_events(app, "dp_example")]


# Changing and deleting one's own


def test_a_learner_changes_their_example_dated_today_and_journaled(app: Flask, client, auth, world) -> None:
    token = _learner(client, auth, world)
    response = _edit(client, token, world.example_id, title="  Maquetter   l'accueil ", context="company",
                     status="final")
    assert response.status_code == 302
    example = _example(app, world.example_id)
    assert (example.title, example.context, example.status, example.updated_on, example.version) == (
        "Maquetter l'accueil", DpContext.COMPANY, DpStatus.FINAL, TODAY, 2)
    [event] = audit_events(app, "dp_example")
    assert (event.action, event.learner_id, event.actor.email) == ("update", world.learner_id, "learner@example.org")
    assert (event.before["status"], event.after["status"]) == ("draft", "final")
    assert (event.before["updated_on"], event.after["updated_on"]) == ("2026-11-02", "2026-11-20")
    assert _edit(client, token, world.example_id, version=2, title="Maquetter l'accueil", context="company",
                 status="final").status_code == 302  # the same values: nothing written
    assert _example(app, world.example_id).version == 2 and len(audit_events(app, "dp_example")) == 1


def test_a_learner_cannot_set_relu_but_keeps_it(app: Flask, client, auth, world) -> None:
    token = _learner(client, auth, world)
    refused = _edit(client, token, world.example_id, status="reviewed")
    assert refused.status_code == 400 and "Choisissez un statut de la liste." in unescape(refused.text)
    assert _example(app, world.example_id).status == DpStatus.DRAFT
    assert 'value="reviewed"' not in client.get("/me/certification").text
    with app.app_context():
        db.session.get(DpExample, world.example_id).status = DpStatus.REVIEWED  # the trainer read it
        db.session.commit()
    page = unescape(client.get("/me/certification").text)
    assert '<option selected value="reviewed">relu</option>' in page
    assert _edit(client, token, world.example_id, version=2, title="Nouveau titre",
                 status="reviewed").status_code == 302  # kept while the title changes
    example = _example(app, world.example_id)
    assert (example.title, example.status) == ("Nouveau titre", DpStatus.REVIEWED)


def test_a_learner_deletes_their_example(app: Flask, client, auth, world) -> None:
    token = _learner(client, auth, world)
    response = client.post(f"/me/dp/{world.example_id}/delete", data={"csrf_token": token, "version": "1"})
    assert response.status_code == 302
    assert _example(app, world.example_id) is None
    [event] = audit_events(app, "dp_example")
    assert (event.action, event.entity_id, event.learner_id, event.after) == (
        "delete", world.example_id, world.learner_id, None)
    assert event.before["title"] == "Exemple 1"


def test_another_learners_example_is_not_found(app: Flask, client, auth, world) -> None:
    token = _learner(client, auth, world)
    assert _edit(client, token, world.other_example_id, title="Pris").status_code == 404
    assert client.post(f"/me/dp/{world.other_example_id}/delete",
                       data={"csrf_token": token, "version": "1"}).status_code == 404
    assert _example(app, world.other_example_id).title == "Exemple 1"
    assert not audit_events(app, "dp_example")


def test_an_older_enrolments_example_is_not_changed_from_me(app: Flask, client, auth, world) -> None:
    """Only the latest enrolment's examples are mine to change (the page shows no other)."""
    with app.app_context():
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        older = factories.cohort("Mende 2025", start=date(2025, 1, 6))
        previous = Enrolment(learner_id=world.learner_id, cohort=older)
        db.session.add(previous)
        db.session.flush()
        old_example = factories.dp_example(previous, older.programme.blocks[0])
        db.session.commit()
        old_id = old_example.id
        assert enrolment.cohort.start_date > older.start_date
    token = _learner(client, auth, world)
    assert _edit(client, token, old_id).status_code == 404


@pytest.mark.parametrize(
    "fields",
    [
        {"title": ""},
        {"title": "x" * 201},
        {"context": "garage"},
        {"status": "lost"},
        {"version": "x"},
        {"version": ""},
        {"version": "99999999999999999999"},
    ],
)
def test_a_bad_change_is_refused_and_nothing_written(app: Flask, client, auth, world, fields: dict) -> None:
    token = _learner(client, auth, world)
    response = _edit(client, token, world.example_id, **fields)
    assert response.status_code == 400
    assert _example(app, world.example_id).version == 1 and not audit_events(app, "dp_example")


def test_a_stale_form_answers_409_with_who_changed_it(app: Flask, client, auth, world) -> None:
    token = _learner(client, auth, world)
    assert _edit(client, token, world.example_id, status="final").status_code == 302
    stale = _edit(client, token, world.example_id, version=1, title="Ancien formulaire")
    assert stale.status_code == 409
    assert "Luc Lefèvre a modifié cet exemple le" in unescape(stale.text)
    assert client.post(f"/me/dp/{world.example_id}/delete",
                       data={"csrf_token": token, "version": "1"}).status_code == 409
    example = _example(app, world.example_id)
    assert (example.title, example.version) == ("Exemple 1", 2)


# The trainer's review


def test_a_trainer_reviews_an_example_of_their_cohort(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["trainer"])
    page = unescape(client.get(f"/learners/{world.learner_id}/dp").text)
    assert "Dossier Professionnel de Luc Lefèvre" in page and "Exemple 1" in page
    assert f'action="/learners/{world.learner_id}/dp/{world.example_id}"' in page
    token = csrf_token(client, f"/learners/{world.learner_id}/dp")
    response = _review(client, token, world.learner_id, world.example_id, review_comment="Précisez le contexte.")
    assert response.status_code == 302
    example = _example(app, world.example_id)
    with app.app_context():
        trainer = db.session.scalar(sa.select(User).where(User.email == "trainer@example.org"))
    assert (example.status, example.review_comment, example.reviewed_by_id, example.updated_on) == (
        DpStatus.REVIEWED, "Précisez le contexte.", trainer.id, TODAY)
    [event] = audit_events(app, "dp_example")
    assert (event.action, event.learner_id, event.actor.email) == ("review", world.learner_id, "trainer@example.org")
    assert event.after["review_comment"] == "Précisez le contexte."
    auth.logout()
    _learner(client, auth, world)
    mine = unescape(client.get("/me/certification").text)
    assert "Relecture (Thomas Formateur) : « Précisez le contexte. »" in mine


def test_a_manager_reviews_too_and_any_status_goes(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["manager"])
    token = csrf_token(client, f"/learners/{world.other_learner_id}/dp")
    assert _review(client, token, world.other_learner_id, world.other_example_id,
                   status="final").status_code == 302
    assert _example(app, world.other_example_id).status == DpStatus.FINAL


def test_a_trainer_of_another_cohort_gets_404(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["trainer"])
    token = csrf_token(client, "/cohorts/")
    assert client.get(f"/learners/{world.other_learner_id}/dp").status_code == 404
    assert _review(client, token, world.other_learner_id, world.other_example_id).status_code == 404
    # another learner's example under my learner's address
    assert _review(client, token, world.learner_id, world.other_example_id).status_code == 404
    assert _example(app, world.other_example_id).status == DpStatus.DRAFT
    assert not audit_events(app, "dp_example")


@pytest.mark.parametrize(
    "fields",
    [{"review_comment": "x" * 2001}, {"status": "lost"}, {"status": ""}, {"version": "-1"}],
)
def test_a_bad_review_is_refused_and_nothing_written(app: Flask, client, auth, world, fields: dict) -> None:
    auth.login(world.emails["trainer"])
    token = csrf_token(client, f"/learners/{world.learner_id}/dp")
    response = _review(client, token, world.learner_id, world.example_id, **fields)
    assert response.status_code == 400
    if "review_comment" in fields:
        assert "Texte trop long : 2001 caractères, 2000 au plus." in unescape(response.text)
    assert _example(app, world.example_id).version == 1 and not audit_events(app, "dp_example")


def test_a_stale_review_answers_409(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["trainer"])
    token = csrf_token(client, f"/learners/{world.learner_id}/dp")
    assert _review(client, token, world.learner_id, world.example_id).status_code == 302
    assert _review(client, token, world.learner_id, world.example_id, version=1,
                   status="final").status_code == 409
    assert _example(app, world.example_id).status == DpStatus.REVIEWED


# Queries


def _fill(app: Flask, world, reviewers: int) -> None:
    """Three examples on every block for the learner, each reviewed by a trainer of its own."""
    with app.app_context():
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        db.session.execute(sa.delete(DpExample).where(DpExample.enrolment_id == enrolment.id))
        for index, block in enumerate(enrolment.cohort.programme.blocks):
            for position in range(1, DP_EXAMPLES_PER_BLOCK + 1):
                example = factories.dp_example(enrolment, block, position, DpStatus.REVIEWED)
                if reviewers:
                    number = (index * DP_EXAMPLES_PER_BLOCK + position) % reviewers
                    example.reviewed_by = factories.user(f"t{number}-{position}-{index}@example.org",
                                                         Role.TRAINER, "x")
                    example.review_comment = "Bien."
        db.session.commit()


@pytest.mark.parametrize("path,who", [("/me/certification", "learner"), ("/learners/{learner}/dp", "trainer")])
def test_the_pages_run_a_fixed_number_of_queries(app: Flask, client, auth, world, count_queries, path, who) -> None:
    auth.login(world.emails[who])
    url = path.format(learner=world.learner_id)
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _fill(app, world, reviewers=6)
    with count_queries() as many:
        page = client.get(url)
    assert page.status_code == 200 and unescape(page.text).count("Bien.") == 6
    assert many.count == few.count + 1  # the reviewers, once: none before
