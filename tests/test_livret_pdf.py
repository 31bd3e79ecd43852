"""The livret d'évaluation as a PDF, read back: one learner's and a cohort's (each learner from a new page), what
each block prints (situations, reassessments, result, summary, signatures), long texts, what is undecided, who
may download it, and the queries it runs."""

from datetime import date

import pytest
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import Cohort, EcfBlock, EcfCompetency, EcfKind, EcfSituation, Enrolment, Programme

from . import factories
from .conftest import AuthActions
from .test_printouts import ORGANISATION, pdf_reader, pdf_text, words

LONG_TEXT = " ".join(f"mot{number:03d}" for number in range(285)) + " fins."  # 2,000 characters


def _url(world, learner_id: int | None = None) -> str:
    return f"/learners/{learner_id or world.learner_id}/ecf.pdf"


def _cohort_url(world, cohort_id: int | None = None) -> str:
    return f"/cohorts/{cohort_id or world.cohort_id}/ecf.pdf"


@pytest.fixture
def organisation(app: Flask):
    saved = {name: app.config[name] for name in ORGANISATION}
    app.config.update(ORGANISATION)
    yield
    app.config.update(saved)


def _fill(app: Flask, world) -> None:
    """Luc's livret: block 1 with the world's situation (06/11, satisfactory), a failed one with points to watch and
    a competency to reassess, its reassessment, and a summary « maîtrisé »; block 2 left undecided."""
    with app.app_context():
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        block = enrolment.cohort.programme.blocks[0]
        failed = factories.ecf_situation(enrolment, block, date(2026, 11, 20), satisfactory=False)
        failed.description = "Intégration de la maquette du site de la médiathèque"
        failed.points_to_watch = "Accessibilité des formulaires"
        failed.competencies = [EcfCompetency(competency=block.competencies[2], to_reassess=True)]
        again = factories.ecf_situation(enrolment, block, date(2026, 12, 4), satisfactory=True)
        again.kind = EcfKind.REASSESSMENT
        again.description = "Reprise des formulaires accessibles"
        db.session.add(
            EcfBlock(
                enrolment=enrolment,
                block=block,
                mastered=True,
                observations="Progrès nets sur l'accessibilité.",
                assessors="Thomas Formateur, Claire Aubrac",
                legal_representative="Chloé Lefèvre",
                handed_on=date(2026, 12, 11),
            )
        )
        db.session.commit()


def test_a_learners_livret_prints_each_block_like_the_form(
    app: Flask, client, auth: AuthActions, world, organisation
) -> None:
    _fill(app, world)
    auth.login("trainer@example.org")
    response = client.get(_url(world))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="livret-evaluation-{world.learner_id}-lefevre.pdf"'
    )
    reader = pdf_reader(response.data)
    cover, first_block, second_block = (words(page.extract_text()) for page in reader.pages[:3])
    assert len(reader.pages) == 3
    assert "Livret d'évaluation" in cover
    assert "Titre professionnel « Développeur web et web mobile »" in cover and "Code RNCP : RNCP37674" in cover
    assert "Nom Lefèvre Prénom Luc" in cover
    assert "Lefèvre & Œuvre formation" in cover and "1 rue de l’Œuvre 48000 Mende" in cover
    assert "Période de formation du 7 septembre 2026 au 5 juillet 2027" in cover
    assert "RNCP37674BC01" in cover and "maîtrisé" in cover and "à décider" in cover
    assert "Bloc de compétences RNCP37674BC01" in first_block
    assert "Développer la partie front-end d'une application web ou web mobile sécurisée" in first_block
    evaluations, reassessments = first_block.split("Réévaluations", 1)
    assert "06/11/2026 Projet fil rouge CP1 satisfaisant" in evaluations
    assert "20/11/2026 Intégration de la maquette du site de la médiathèque CP3 non satisfaisant" in evaluations
    assert "Accessibilité des formulaires À réévaluer : CP3 Thomas Formateur Claire Aubrac" in evaluations
    assert "04/12/2026 Reprise des formulaires accessibles CP1 satisfaisant" in reassessments
    assert "Résultat du bloc maîtrisé" in reassessments and "Progrès nets sur l'accessibilité." in reassessments
    assert "Représentant·e légal·e de l'organisme Chloé Lefèvre" in reassessments
    assert "Le ou la candidat·e Luc Lefèvre Date et signature" in reassessments
    assert "Livret remis au ou à la candidat·e le : 11 décembre 2026" in reassessments
    assert "RNCP37674BC02" in second_block and "Aucune situation d'évaluation enregistrée pour ce bloc." in second_block
    assert "Résultat du bloc à décider" in second_block and "le : à décider" in second_block


def test_undecided_results_print_as_such(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        situation = db.session.get(EcfSituation, world.situation_id)
        situation.satisfactory = None
        db.session.add(EcfBlock(enrolment_id=world.enrolment_id, block_id=situation.block_id, mastered=None))
        db.session.commit()
    auth.login("trainer@example.org")
    text = pdf_text(client.get(_url(world)).data)
    assert "06/11/2026 Projet fil rouge CP1 à décider" in text
    assert "Résultat du bloc à décider" in text
    assert "satisfaisant" not in text and " maîtrisé" not in text


def test_a_long_description_wraps_and_follows_the_table_across_pages(
    app: Flask, client, auth: AuthActions, world
) -> None:
    with app.app_context():
        situation = db.session.get(EcfSituation, world.situation_id)
        situation.description = LONG_TEXT
        situation.points_to_watch = LONG_TEXT
        for number in range(6):
            factories.ecf_situation(situation.enrolment, situation.block, date(2026, 11, 9 + number)).description = (
                LONG_TEXT
            )
        db.session.commit()
    auth.login("trainer@example.org")
    reader = pdf_reader(client.get(_url(world)).data)
    assert len(reader.pages) > 4
    text = words(" ".join(page.extract_text() for page in reader.pages))
    assert "(suite n° 1 après le tableau)" in text and "Suite des textes" in text
    # every word of every text is printed, in order, once per text
    assert len(LONG_TEXT) == 2000
    for word in ("mot000", "mot150", "mot284 fins."):
        assert text.count(word) == 8
    # the header row repeats on each page of the table
    assert sum("Situation d'évaluation" in page.extract_text() for page in reader.pages) >= 2


def test_a_cohorts_file_has_every_learner_by_name_each_from_a_new_page(
    app: Flask, client, auth: AuthActions, world, count_queries
) -> None:
    auth.login("manager@example.org")

    def count() -> int:
        with count_queries() as counter:
            response = client.get(_cohort_url(world))
        assert response.status_code == 200
        return counter.count

    few = count()
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        for name in ("Zoé Œuvre", "Ana Martin", "Éric Durand"):
            first, last = name.split()
            learner = factories.learner(cohort, first_name=first, last_name=last)
            db.session.flush()
            factories.ecf_situation(learner.enrolments[0], cohort.programme.blocks[1], date(2026, 11, 13))
        db.session.commit()
    assert count() == few
    response = client.get(_cohort_url(world))
    assert response.headers["Content-Disposition"] == 'attachment; filename="livrets-evaluation-mende-2026-automne.pdf"'
    reader = pdf_reader(response.data)
    assert len(reader.pages) == 4 * 3  # a cover and a page per block, for each learner
    covers = [words(page.extract_text()) for page in reader.pages[::3]]
    names = [cover.split("Nom ", 1)[1].split(" Organisme")[0] for cover in covers]
    assert names == ["Durand Prénom Éric", "Lefèvre Prénom Luc", "Martin Prénom Ana", "Œuvre Prénom Zoé"]
    assert all(cover.count("Livret d'évaluation") == 1 for cover in covers)
    assert "Zoé Œuvre" in reader.pages[11].extract_text()  # the running header names the candidate


def test_the_learners_page_runs_a_fixed_number_of_queries(app: Flask, client, auth: AuthActions, world, count_queries):
    auth.login("learner@example.org")

    def count() -> int:
        with count_queries() as counter:
            assert client.get(_url(world)).status_code == 200
        return counter.count

    few = count()
    _fill(app, world)
    assert count() == few


@pytest.mark.parametrize(
    "email,mine,theirs",
    [
        ("learner@example.org", 200, 404),
        ("unlinked@example.org", 404, 404),
        ("trainer@example.org", 200, 404),
        ("other.trainer@example.org", 404, 200),
        ("manager@example.org", 200, 200),
        ("admin@example.org", 404, 404),
    ],
)
def test_who_may_download_a_livret(client, auth: AuthActions, world, email: str, mine: int, theirs: int) -> None:
    auth.login(email)
    assert client.get(_url(world)).status_code == mine
    assert client.get(_url(world, world.other_learner_id)).status_code == theirs
    cohort = 200 if email in ("trainer@example.org", "manager@example.org") else 404
    assert client.get(_cohort_url(world)).status_code == cohort
    other = 200 if email in ("other.trainer@example.org", "manager@example.org") else 404
    assert client.get(_cohort_url(world, world.other_cohort_id)).status_code == other
    assert client.get("/learners/999999/ecf.pdf").status_code == 404


def test_a_learner_gets_their_own_livret_only(client, auth: AuthActions, world) -> None:
    auth.login("learner@example.org")
    text = pdf_text(client.get(_url(world)).data)
    assert "Nom Lefèvre Prénom Luc" in text and "Roux" not in text


def test_the_cohort_page_links_to_the_livrets(client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}").get_data(as_text=True)
    assert f'href="/cohorts/{world.cohort_id}/ecf.pdf"' in page and "Livrets d'évaluation (PDF)" in page


def test_a_programme_without_blocks_still_prints_a_cover(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        programme = Programme(rncp_code="RNCP00001", title="Titre sans bloc", short_name="TSB", level=None)
        cohort = factories.cohort("Vide 2026", trainers=())
        cohort.programme = programme
        learner = factories.learner(cohort, first_name="Noé", last_name="Seul")
        db.session.commit()
        learner_id = learner.id
    auth.login("manager@example.org")
    text = pdf_text(client.get(_url(world, learner_id)).data)
    assert "Titre professionnel « Titre sans bloc »" in text and "Le programme n'a pas de bloc de compétences." in text
