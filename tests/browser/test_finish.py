"""The end of a cohort's programme, in Chromium (issue 14, point 5): from the roster's link to the page that lists
who it will change, one person left out, the confirmation; then « reprendre la formation » for a mistaken exit."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from bootcamp import create_app, dates
from bootcamp.extensions import db
from bootcamp.models import User

from .. import factories
from .conftest import login, screenshot

TRAINER = "formateur.ales@example.org"  # a demo trainer whose pages the other browser tests do not visit


@pytest.fixture
def ending_cohort(server) -> dict[str, int]:
    """A cohort of the trainer's whose planned end is in 5 days, three learners in training: the demo has none."""
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{server.database}", "SECRET_KEY": "browser-tests"}
    )
    with app.app_context():
        trainer = db.session.scalars(sa.select(User).where(User.email == TRAINER)).one()
        today = dates.today()
        cohort = factories.cohort(
            "Alès fin proche",
            at=trainer.cohorts[0].site,
            start=today - timedelta(days=280),
            end=today + timedelta(days=5),
            trainers=(trainer,),
        )
        learners = {
            name: factories.learner(cohort, first_name=first, last_name=name, email=f"{first.lower()}.fin@example.net")
            for first, name in (("Ana", "Martin"), ("Béa", "Petit"), ("Luc", "Lefèvre"))
        }
        db.session.commit()
        made = {"cohort": cohort.id} | {name: learner.enrolments[0].id for name, learner in learners.items()}
        db.session.remove()
        db.engine.dispose()
    return made


def test_a_trainer_records_the_end_leaving_one_out_then_resumes_one(page, server, ending_cohort) -> None:
    cohort = ending_cohort["cohort"]
    login(page, TRAINER)
    page.goto(f"/cohorts/{cohort}")
    page.get_by_role("link", name="Enregistrer la fin de formation").click()
    expect(page).to_have_url(re.compile(rf"/cohorts/{cohort}/finish$"))
    boxes = page.locator('input[name="enrolment"]')
    expect(boxes).to_have_count(3)
    for index in range(3):
        expect(boxes.nth(index)).to_be_checked()
    page.get_by_label("Petit Béa").uncheck()
    expect(page.get_by_label("Date de fin de formation")).to_have_value(dates.today().isoformat())
    violations = Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
    screenshot(page, "trainer_finish_cohort")
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing scrolls sideways on a phone
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Confirmer la fin de formation").click()
    expect(page).to_have_url(re.compile(rf"/cohorts/{cohort}$"))
    expect(page.locator(".flash-success")).to_contain_text("Fin de formation enregistrée pour 2 apprenant·es.")
    expect(page.locator("#finish-title + p")).to_contain_text("1 personne est encore en formation.")

    page.goto(f"/cohorts/{cohort}/enrolments/{ending_cohort['Martin']}")  # Martin's end was a mistake
    expect(page.get_by_label("Situation", exact=True)).to_have_value("finished")
    screenshot(page, "trainer_enrolment_resume")
    page.get_by_role("button", name="Reprendre la formation").click()
    expect(page.locator(".flash-success")).to_contain_text("Ana Martin reprend la formation.")
    expect(page.locator("#finish-title + p")).to_contain_text("2 personnes sont encore en formation.")
