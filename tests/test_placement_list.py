"""The cohort's placements: who has one, who is still looking (and the days before the period « en entreprise »),
agreements missing, the tutor's forms and what became of them, the counts on top, a fixed number of queries."""

from datetime import date, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.models import (
    AttendanceSession,
    Cohort,
    DropoutReason,
    EnrolmentStatus,
    HalfDay,
    MessageState,
    Placement,
    ReviewStage,
    SessionKind,
)
from bootcamp.placements import queries

from . import factories
from .conftest import AuthActions

PERIOD = (date(2026, 11, 30), date(2027, 1, 29))  # the world's placements' dates


def _period(cohort: Cohort) -> None:
    """The first and last days of the period marked « en entreprise » in the timetable (and a centre day)."""
    for day in PERIOD:
        for half in (HalfDay.AM, HalfDay.PM):
            factories.half_day(cohort, day, half).kind = SessionKind.PLACEMENT


def _review(placement: Placement, stage: ReviewStage):
    return next(review for review in placement.reviews if review.stage == stage)


@pytest.fixture
def cohort_states(app: Flask, world, monkeypatch) -> None:
    """Luc placed (agreement, forms not yet due); Ana looking; Bob placed without agreement, his forms sent and
    reminded; Cléo placed, mid form answered, end form's last message bounced; Dan dropped (not listed)."""
    monkeypatch.setattr(dates, "today", lambda: date(2026, 11, 20))
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        _period(cohort)
        factories.learner(cohort, first_name="Ana", last_name="Aubrac")
        bob = factories.learner(cohort, first_name="Bob", last_name="Bessière")
        cleo = factories.learner(cohort, first_name="Cléo", last_name="Causse")
        dan = factories.learner(cohort, first_name="Dan", last_name="Dropped")
        dan.enrolments[0].status, dan.enrolments[0].exit_date = EnrolmentStatus.DROPPED, date(2026, 10, 1)
        dan.enrolments[0].dropout_reason = DropoutReason.JOB
        db.session.flush()
        factories.placement(dan.enrolments[0], company="Ancienne Entreprise")
        bobs = factories.placement(bob.enrolments[0], start=date(2026, 10, 5), end=date(2026, 11, 13),
                                   company="Gévaudan Soft")
        db.session.delete(bobs.agreement)
        bobs.agreement = None
        mid, end = _review(bobs, ReviewStage.MID), _review(bobs, ReviewStage.END)
        mid.messages, mid.first_sent_at = 1, datetime(2026, 10, 26, 8)
        end.messages, end.first_sent_at, end.last_sent_at = 2, datetime(2026, 11, 13, 8), datetime(2026, 11, 20, 8)
        cleos = factories.placement(cleo.enrolments[0], start=date(2026, 10, 5), end=date(2026, 11, 13),
                                    company="Margeride Data")
        mid = _review(cleos, ReviewStage.MID)
        mid.days_present, mid.answered_at = 10, datetime(2026, 10, 28, 9)
        bounced = factories.outbox_message("tuteur@margeride.example")
        bounced.state = MessageState.FAILED
        end = _review(cleos, ReviewStage.END)
        end.messages, end.first_sent_at, end.last_message_id = 1, datetime(2026, 11, 13, 8), bounced.id
        db.session.commit()


def test_the_list_says_who_is_placed_who_is_looking_and_what_is_missing(
    client, auth: AuthActions, world, cohort_states
) -> None:
    auth.login(world.emails["trainer"])
    page = unescape(client.get(f"/cohorts/{world.cohort_id}/placements").text)
    assert "du 30 nov. 2026 au 29 janv. 2027" in page and "Elle commence dans 10 jours." in page
    assert "3 apprenant·es avec un stage" in page and "1 en recherche" in page
    assert "1 convention manquante" in page and "3 formulaires de tuteur·rice en attente" in page
    names = ("Aubrac", "Bessière", "Causse", "Lefèvre")
    rows = {name: page.split(name, 1)[1].split("</tr>", 1)[0] for name in names}
    assert "en recherche" in rows["Aubrac"] and "10 jours avant le début de la période" in rows["Aubrac"]
    assert "Gévaudan Soft" in rows["Bessière"] and "convention manquante" in rows["Bessière"]
    assert "mi-parcours : envoyé le 26 oct. 2026" in rows["Bessière"]
    assert "fin de stage : relancé le 20 nov. 2026" in rows["Bessière"]
    assert "mi-parcours : répondu le 28 oct. 2026" in rows["Causse"]
    assert "fin de stage : message rejeté : adresse à vérifier" in rows["Causse"]
    assert "reçue" in rows["Lefèvre"] and "pas encore dû (envoi le 30 déc. 2026)" in rows["Lefèvre"]
    assert "Dropped" not in page and "Ancienne Entreprise" not in page
    # « Nouveau stage » for who has no placement from today on: Luc's is to come, Bob's and Cléo's are over
    assert f"/cohorts/{world.cohort_id}/placements/new?enrolment={world.enrolment_id}" not in page
    assert "Nouveau stage" not in rows["Lefèvre"]
    assert all("Nouveau stage" in rows[name] for name in ("Aubrac", "Bessière", "Causse"))
    assert '<a href="/cohorts/{}/placements" aria-current="page">Stages</a>'.format(world.cohort_id) in page


def test_once_the_period_started_the_list_counts_the_days_since(client, auth, world, cohort_states,
                                                                monkeypatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: date(2026, 12, 5))
    auth.login(world.emails["manager"])
    page = unescape(client.get(f"/cohorts/{world.cohort_id}/placements").text)
    assert "Période commencée depuis 5 jours." in page
    assert "en recherche</strong> · période commencée depuis 5 jours" in page
    assert "mi-parcours : à envoyer" not in page  # Luc's mid form is due on 30 December


def test_without_a_period_in_the_timetable_the_list_says_where_to_mark_it(app: Flask, client, auth, world) -> None:
    auth.login(world.emails["trainer"])
    page = unescape(client.get(f"/cohorts/{world.cohort_id}/placements").text)
    assert "Pas de période en entreprise dans le calendrier." in page
    assert f'href="/cohorts/{world.cohort_id}/calendar"' in page
    assert "1 apprenant·e avec un stage" in page and "0 en recherche" in page


def test_only_the_cohorts_staff_see_the_list(client, auth, world) -> None:
    for role, status in (("trainer", 404), ("manager", 200), ("learner", 404), ("admin", 404)):
        auth.login(world.emails[role])
        assert client.get(f"/cohorts/{world.other_cohort_id}/placements").status_code == status, role
        auth.logout()


def test_the_list_runs_a_fixed_number_of_queries(app: Flask, client, auth, world, cohort_states,
                                                 count_queries) -> None:
    auth.login(world.emails["trainer"])

    def count() -> int:
        with count_queries() as counted:
            assert client.get(f"/cohorts/{world.cohort_id}/placements").status_code == 200
        return counted.count

    few = count()
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        for number in range(12):
            learner = factories.learner(cohort)
            db.session.flush()
            if number % 3:
                factories.placement(learner.enrolments[0], start=date(2027, 2, 1) + timedelta(days=number),
                                    end=date(2027, 3, 26))
        db.session.commit()
    assert count() == few <= 8, few


def test_the_period_is_the_first_and_last_half_day_in_a_company(app: Flask, world) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        assert queries.placement_period(cohort.id) is None
        _period(cohort)
        db.session.commit()
        period = queries.placement_period(cohort.id)
        assert (period.start, period.end) == PERIOD
        centre = db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceSession)
                                   .where(AttendanceSession.kind == SessionKind.CENTRE))
        assert centre >= 1  # the world's morning in the centre is not part of it


def test_a_learner_who_has_left_without_a_placement_is_not_looking(app: Flask, client, auth, world, cohort_states,
                                                                   monkeypatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: date(2027, 2, 12))  # the period over 14 days ago
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        eve = factories.learner(cohort, first_name="Ève", last_name="Estables")
        eve.enrolments[0].status, eve.enrolments[0].exit_date = EnrolmentStatus.FINISHED, date(2027, 2, 5)
        bob = db.session.scalars(sa.select(Placement).where(Placement.company_name == "Gévaudan Soft")).one()
        bob.enrolment.status, bob.enrolment.exit_date = EnrolmentStatus.FINISHED, date(2027, 2, 5)
        db.session.commit()
    auth.login(world.emails["trainer"])
    page = unescape(client.get(f"/cohorts/{world.cohort_id}/placements").text)
    rows = {name: page.split(name, 1)[1].split("</tr>", 1)[0]
            for name in ("Aubrac", "Bessière", "Causse", "Estables", "Lefèvre")}
    assert "sans stage" in rows["Estables"] and "en recherche" not in rows["Estables"]
    assert "période" not in rows["Estables"]  # no countdown for who has left
    assert "en recherche</strong> · période terminée" in rows["Aubrac"]  # not « commencée depuis 74 jours »
    assert "1 en recherche" in page and "1 sorti·e sans stage" in page
    # « Nouveau stage »: who is in training with no placement from today on, or has left with none
    assert all("Nouveau stage" in rows[name] for name in ("Aubrac", "Causse", "Estables", "Lefèvre"))
    assert "Nouveau stage" not in rows["Bessière"]  # left after his placement
