"""Follow-up of leavers: the queue of what is due, recording and correcting a situation, the path page."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.dates import add_months
from bootcamp.extensions import db
from bootcamp.models import DropoutReason, EnrolmentStatus, Outcome, Situation

from . import factories
from .conftest import AuthActions, audit_events, form_from, page_form

TODAY = dates.today()


@pytest.fixture
def leavers(app: Flask, world) -> dict[str, int]:
    """Three leavers of a past cohort at another site, plus world's Rose (finished 30/10/2026)."""
    with app.app_context():
        exit_date = add_months(TODAY, -7) - timedelta(days=10)  # every due follow-up is over 30 days late
        past = factories.cohort(
            "Alès passée", at=factories.site("Alès"), start=exit_date - timedelta(days=300), end=exit_date
        )
        made = {}
        for name in ("Ancien", "Bouvier", "Carré"):
            learner = factories.learner(past, last_name=name, rqth=name == "Bouvier")
            learner.enrolments[0].status, learner.enrolments[0].exit_date = EnrolmentStatus.FINISHED, exit_date
            made[name] = learner
        # Ancien: every due follow-up recorded; Bouvier: none; Carré: a dropout whose exit was recorded only.
        carre = made["Carré"].enrolments[0]
        carre.status, carre.dropout_reason, carre.exit_date = (
            EnrolmentStatus.DROPPED,
            DropoutReason.HEALTH,
            add_months(TODAY, -4) - timedelta(days=20),
        )
        for point in (0, 3, 6):
            db.session.add(Outcome(enrolment=made["Ancien"].enrolments[0], point=point, situation=Situation.CDI))
        db.session.add(Outcome(enrolment=carre, point=0, situation=Situation.JOB_SEARCH))
        factories.learner(past, last_name="Encore")  # still in training: nothing is due
        db.session.commit()
        return (
            {name: learner.enrolments[0].id for name, learner in made.items()}
            | {f"{name}_learner": learner.id for name, learner in made.items()}
            | {"cohort": past.id}
        )


def _queue(page: str) -> list[tuple[str, str]]:
    return re.findall(
        r'<th scope="row"><a href="/learners/\d+">(\w+) [^<]*</a></th>.*?<td[^>]*>(à la sortie|à \+\d+ mois)</td>',
        page,
        re.S,
    )


def test_queue_lists_missing_follow_ups_oldest_first(client, auth: AuthActions, world, leavers) -> None:
    auth.login("manager@example.org")
    page = client.get(f"/outcomes/due?cohort={leavers['cohort']}&sort=oldest").text  # newest first by default
    queue = _queue(page)
    assert queue == [
        ("Bouvier", "à la sortie"),
        ("Bouvier", "à +3 mois"),
        ("Carré", "à +3 mois"),
        ("Bouvier", "à +6 mois"),
    ]
    assert "Ancien" not in page and "Encore" not in page
    assert "4 relevés à faire" in page and "dont 4 en retard" in page
    everything = _queue(client.get("/outcomes/due").text)
    assert ("Roux", "à la sortie") in everything  # world's Rose left on 30/10/2026
    assert set(queue) < set(everything)


def test_record_then_correct_a_situation(app: Flask, client, auth: AuthActions, world, leavers) -> None:
    auth.login("manager@example.org")
    url = f"/outcomes/{leavers['Bouvier']}/6"
    form = page_form(client, url)
    form.update(
        situation="cdd_long",
        employer="Mairie de Mende",
        job_title="Développeur web",
        digital="yes",
        start_date="02/03/2026",
    )
    response = client.post(url, data=form)
    assert response.status_code == 302 and response.headers["Location"] == f"/learners/{leavers['Bouvier_learner']}"
    form = page_form(client, url)
    assert form["situation"] == "cdd_long" and form["digital"] == "yes" and form["version"] == "1"
    form.update(situation="cdi")
    assert client.post(url, data=form).status_code == 302
    with app.app_context():
        outcome = db.session.scalars(
            sa.select(Outcome).where(Outcome.enrolment_id == leavers["Bouvier"], Outcome.point == 6)
        ).one()
        assert (outcome.situation, outcome.employer, outcome.digital, outcome.start_date, outcome.version) == (
            Situation.CDI,
            "Mairie de Mende",
            True,
            date(2026, 3, 2),
            2,
        )
        assert outcome.recorded_by.email == "manager@example.org"
    created, corrected = audit_events(app, "outcome")
    assert created.before is None and created.after["situation"] == "cdd_long"
    assert corrected.before["situation"] == "cdd_long" and corrected.after["situation"] == "cdi"
    assert corrected.learner_id == leavers["Bouvier_learner"]
    assert ("Bouvier", "à +6 mois") not in _queue(client.get("/outcomes/due").text)


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"situation": "astronaut"}, "choix valide"),
        ({"situation": ""}, "Choisissez une situation"),
        ({"situation": "cdi", "start_date": "31/02/2026"}, "Date invalide"),
        ({"situation": "cdi", "digital": "maybe"}, "choix valide"),
    ],
)
def test_a_bad_situation_saves_nothing(app: Flask, client, auth: AuthActions, world, leavers, changes, message) -> None:
    auth.login("manager@example.org")
    url = f"/outcomes/{leavers['Bouvier']}/3"
    form = page_form(client, url)
    form.update(changes)
    response = client.post(url, data=form)
    assert response.status_code == 200 and message in response.text
    assert audit_events(app) == []


def test_a_correction_made_meanwhile_is_not_overwritten(app: Flask, client, auth: AuthActions, world, leavers) -> None:
    with app.app_context():
        factories.user("manager2@example.org", factories.Role.MANAGER, "correct horse battery", name="Nora")
        db.session.commit()
    auth.login("manager@example.org")
    url = f"/outcomes/{leavers['Ancien']}/6"
    mine = page_form(client, url)
    second = app.test_client()
    AuthActions(second).login("manager2@example.org")
    theirs = page_form(second, url)
    theirs.update(situation="business")
    assert second.post(url, data=theirs).status_code == 302
    mine.update(situation="cdd_short")
    response = client.post(url, data=mine)
    assert response.status_code == 200 and "Nora a saisi cette situation" in response.text
    again = form_from(response.text)
    assert again["situation"] == "cdd_short"
    assert client.post(url, data=again).status_code == 302
    assert [e.after["situation"] for e in audit_events(app, "outcome")] == ["business", "cdd_short"]


def test_no_follow_up_for_someone_in_training_or_at_another_point(client, auth: AuthActions, world, leavers) -> None:
    auth.login("manager@example.org")
    assert client.get(f"/outcomes/{world.enrolment_id}/0").status_code == 404  # Luc is in training
    assert client.get(f"/outcomes/{leavers['Bouvier']}/9").status_code == 404


def test_learner_path_for_managers(client, auth: AuthActions, world, leavers) -> None:
    auth.login("manager@example.org")
    page = client.get(f"/learners/{leavers['Carré_learner']}").text
    assert re.search(r"<title>Prénom\d+ Carré · Bootcamp</title>", page)
    assert re.search(r'<a href="/cohorts/\d+">Alès passée</a>', page) and "abandon" in page and "santé" in page
    assert "Téléphone" in page and 'href="mailto:' in page  # a way to reach the person
    assert "en recherche d&#39;emploi" in page  # exit follow-up
    assert page.count("à relever") == 1 and page.count("pas encore échu") == 2
    bouvier = client.get(f"/learners/{leavers['Bouvier_learner']}").text
    assert "RQTH" in bouvier and "Date de naissance" in bouvier  # sensitive fields: managers only
    auth.logout()
    auth.login("trainer@example.org")
    assert client.get(f"/learners/{leavers['Bouvier_learner']}").status_code == 404
