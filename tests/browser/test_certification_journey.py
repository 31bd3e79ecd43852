"""Issue 16's « Done when », in Chromium: as trainer@example.org fill an ECF block (a situation, the summary), open
the readiness page and download the learner's livret (its text read back with pypdf); as manager@example.org
record a session's results and see the pass rate move on /certification and in /certification/export.csv."""

import csv
import io
import re

import sqlalchemy as sa
from playwright.sync_api import expect
from pypdf import PdfReader

from bootcamp import create_app, dates
from bootcamp.extensions import db
from bootcamp.models import Cohort, ExamKind, ExamSession, User

from .conftest import login, screenshot

DESCRIPTION = "Maquette responsive pour une association de randonnée (parcours navigateur)"
OBSERVATIONS = "Bloc maîtrisé : maquettes soignées, accessibilité vérifiée (parcours navigateur)."


def _trainer_cohort(server) -> dict:
    """The trainer's cohort in training (learner@example.org's) and a title session of its programme starting
    today, with no candidate yet (gunicorn reads the real clock: results are recorded from the session's start)."""
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{server.database}", "SECRET_KEY": "browser-tests"}
    )
    with app.app_context():
        learner = db.session.scalars(sa.select(User).where(User.email == "learner@example.org")).one().learner
        cohort = db.session.get(Cohort, learner.enrolments[0].cohort_id)
        today = dates.today()
        session = ExamSession(
            programme_id=cohort.programme_id, kind=ExamKind.TITLE, start_date=today, end_date=today,
            place="Mende", jury="Jury du parcours navigateur",
        )
        db.session.add(session)
        db.session.commit()
        made = {
            "cohort": cohort.id,
            "cohort_name": cohort.name,
            "learner": learner.id,
            "name": f"{learner.last_name} {learner.first_name}",
            "session": session.id,
        }
        db.session.remove()
        db.engine.dispose()
    return made


def _csv_all(page, url: str) -> dict[str, str]:
    response = page.request.get(url)
    assert response.status == 200, url
    rows = list(csv.DictReader(io.StringIO(response.text())))
    assert rows[0]["group"] == "all"
    return rows[0]


def _fill_an_ecf_block(page, learner: int) -> None:
    page.goto(f"/learners/{learner}/ecf")
    block = page.locator("section[id^='block-']").first
    block.locator("summary").first.click()
    adding = block.locator("form").filter(has=page.get_by_role("button", name="Ajouter la situation"))
    adding.get_by_label("Date").fill(dates.today().isoformat())
    adding.get_by_label("Description de la situation").fill(DESCRIPTION)
    adding.locator("fieldset").filter(has_text="Compétences évaluées").locator("input[type=checkbox]").first.check()
    adding.get_by_label("Résultat", exact=True).select_option(label="satisfaisant")
    adding.get_by_label("Premier·e évaluateur·ice").fill("Thomas Formateur")
    adding.get_by_label("Second·e évaluateur·ice").fill("Claire Aubrac")
    adding.get_by_role("button", name="Ajouter la situation").click()
    expect(page.locator(".flash").first).to_be_visible()
    block = page.locator("section[id^='block-']").first
    expect(block.get_by_text(DESCRIPTION)).to_be_visible()
    summary = block.locator("form").filter(has=page.get_by_role("button", name="Enregistrer la synthèse"))
    summary.get_by_label("Résultat du bloc").select_option(label="maîtrisé")
    summary.get_by_label("Observations").fill(OBSERVATIONS)
    summary.get_by_role("button", name="Enregistrer la synthèse").click()
    expect(page.locator(".flash").first).to_be_visible()
    expect(page.locator("section[id^='block-']").first.get_by_label("Observations")).to_have_value(OBSERVATIONS)


def test_a_trainer_fills_the_livret_and_a_manager_records_results(page, browser, server) -> None:
    made = _trainer_cohort(server)
    login(page, "trainer@example.org")
    _fill_an_ecf_block(page, made["learner"])
    screenshot(page, "certification-ecf")

    page.goto(f"/cohorts/{made['cohort']}/readiness")
    expect(page.get_by_role("heading", name="Qui est prêt·e pour le titre ?")).to_be_visible()
    expect(page.locator("#readiness-rule")).to_be_visible()
    row = page.locator("tbody tr").filter(has=page.get_by_role("link", name=made["name"]))
    expect(row.locator("td").nth(1)).to_contain_text("ECF : satisfaisant")
    screenshot(page, "certification-readiness")

    page.goto(f"/learners/{made['learner']}/ecf")
    with page.expect_download() as download:
        page.get_by_role("link", name="Livret d'évaluation (PDF)").click()
    text = "\n".join(sheet.extract_text() for sheet in PdfReader(download.value.path()).pages)
    flat = re.sub(r"\s+", " ", text)
    for expected in (DESCRIPTION, OBSERVATIONS, "Thomas Formateur"):
        assert expected in flat, expected

    manager = browser.new_context(base_url=server.url, locale="fr-FR")
    board = manager.new_page()
    login(board, "manager@example.org")
    before = _csv_all(board, "/certification/export.csv?by=gender")
    board.goto("/certification")
    shown_before = board.locator("table tbody tr").first.inner_text()

    board.goto(f"/exams/{made['session']}")
    board.get_by_label("Promotion", exact=True).select_option(label=made["cohort_name"])
    board.get_by_role("button", name="Inscrire la promotion").click()
    cells = board.locator("table.grid select")
    expect(cells.first).to_be_visible()
    candidates = board.locator("table.grid tbody tr").count()
    for index in range(cells.count()):
        cells.nth(index).select_option("acquired")
    board.get_by_role("button", name="Enregistrer les résultats").click()
    expect(board.locator(".flash").first).to_be_visible()
    expect(board.locator("table.grid tbody tr").first).to_contain_text("titre obtenu")
    screenshot(board, "certification-exam-results")

    after = _csv_all(board, "/certification/export.csv?by=gender")
    assert int(after["obtained"]) == int(before["obtained"]) + candidates
    assert int(after["sat"]) == int(before["sat"]) + candidates
    assert after["pass_rate"] != before["pass_rate"]
    board.goto("/certification")
    shown_after = board.locator("table tbody tr").first.inner_text()
    assert shown_after != shown_before and after["obtained"] in shown_after
    screenshot(board, "certification-figures")
    manager.close()
