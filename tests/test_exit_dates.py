"""Dates checked against today and the cohort (issue 14, point 4): an exit (dropout, end of the programme) falls
between the cohort's start and today; a follow-up situation starts neither before the cohort nor after today. The
forms say so next to the field, with the real dates, and save nothing; the outcome import reports the line."""

from datetime import date
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.importing.outcomes import plan_outcomes
from bootcamp.models import Enrolment, EnrolmentStatus, Learner, Outcome

from .conftest import AuthActions, audit_events, page_form

TODAY = date(2026, 11, 26)  # the world's cohorts run from 07/09/2026 to 05/07/2027


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: TODAY)


def _enrolment(app: Flask, enrolment_id: int) -> Enrolment:
    with app.app_context():
        return db.session.get(Enrolment, enrolment_id)


@pytest.mark.parametrize(
    "changes,message",
    [
        (
            {"status": "dropped", "exit_date": "01/03/2027", "dropout_reason": "job"},
            "La date de sortie ne peut pas être après aujourd'hui (26/11/2026).",
        ),
        ({"status": "finished", "exit_date": "2027-07-05"}, "ne peut pas être après aujourd'hui (26/11/2026)"),
        (
            {"status": "dropped", "exit_date": "06/09/2026", "dropout_reason": "job"},
            "La date de sortie ne peut pas précéder le début de la promotion (07/09/2026).",
        ),
    ],
)
def test_an_exit_outside_the_cohort_and_today_is_refused(
    app: Flask, client, auth: AuthActions, world, changes: dict, message: str
) -> None:
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/enrolments/{world.enrolment_id}"
    form = page_form(client, url)
    form.update(changes)
    response = client.post(url, data=form)
    assert response.status_code == 200
    error = unescape(response.text[response.text.index('id="exit_date-error"') :])
    assert message in error[: error.index("</p>")]
    assert "Rien n'a été enregistré" in response.text
    assert _enrolment(app, world.enrolment_id).status == EnrolmentStatus.IN_TRAINING
    assert audit_events(app) == []


def test_an_exit_on_its_first_and_last_allowed_days_is_saved(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/enrolments/{world.enrolment_id}"
    for day in ("07/09/2026", "26/11/2026"):
        form = page_form(client, url)
        form.update(status="dropped", exit_date=day, dropout_reason="job")
        assert client.post(url, data=form).status_code == 302
    assert _enrolment(app, world.enrolment_id).exit_date == TODAY


def test_the_exit_date_says_its_bounds_next_to_the_field(client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    page = unescape(client.get(f"/cohorts/{world.cohort_id}/enrolments/{world.enrolment_id}").text)
    hint = page[page.index('id="exit_date-hint"') :]
    assert "entre le 7 sept. 2026 (début de la promotion) et aujourd'hui, 26 nov. 2026" in hint[: hint.index("</p>")]


def test_today_is_the_one_of_dates_today(app: Flask, client, auth: AuthActions, world, monkeypatch) -> None:
    """The rule reads today from dates.today(): on 2 March 2027, a dropout on 1 March 2027 is saved."""
    monkeypatch.setattr(dates, "today", lambda: date(2027, 3, 2))
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/enrolments/{world.enrolment_id}"
    form = page_form(client, url)
    form.update(status="dropped", exit_date="01/03/2027", dropout_reason="job")
    assert client.post(url, data=form).status_code == 302
    assert _enrolment(app, world.enrolment_id).exit_date == date(2027, 3, 1)


@pytest.mark.parametrize(
    "start,message",
    [
        ("15/01/2020", "La date de début de la situation ne peut pas précéder le début de la promotion (07/09/2026)."),
        ("2026-12-01", "La date de début de la situation ne peut pas être après aujourd'hui (26/11/2026)."),
    ],
)
def test_a_situation_starting_before_the_cohort_or_after_today_is_refused(
    app: Flask, client, auth: AuthActions, world, start: str, message: str
) -> None:
    auth.login("manager@example.org")
    url = f"/outcomes/{world.other_enrolment_id}/0"  # Rose, of a cohort started on 07/09/2026, left on 30/10/2026
    form = page_form(client, url)
    form.update(situation="cdi", employer="Lozère Web", start_date=start)
    response = client.post(url, data=form)
    assert response.status_code == 200
    error = unescape(response.text[response.text.index('id="start_date-error"') :])
    assert message in error[: error.index("</p>")]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Outcome)) == 0
    assert audit_events(app) == []


def test_a_situation_in_bounds_is_saved_and_the_field_says_its_bounds(
    app: Flask, client, auth: AuthActions, world
) -> None:
    auth.login("manager@example.org")
    url = f"/outcomes/{world.other_enrolment_id}/0"
    page = unescape(client.get(url).text)
    hint = page[page.index('id="start_date-hint"') :]
    assert "Entre le 7 sept. 2026 (début de la promotion) et aujourd'hui, 26 nov. 2026." in hint[: hint.index("</p>")]
    form = page_form(client, url)
    form.update(situation="cdi", employer="Lozère Web", start_date="02/11/2026")
    assert client.post(url, data=form).status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(Outcome.start_date)).one() == date(2026, 11, 2)


def test_the_outcome_import_reports_the_line_of_a_situation_out_of_bounds(app: Flask, world, tmp_path) -> None:
    with app.app_context():
        rose = db.session.get(Learner, world.other_learner_id)
        rose.email = "rose@example.net"
        db.session.commit()
    content = (
        "email,point,situation,employer,job_title,digital,start_date\n"
        "rose@example.net,0,cdi,Lozère Web,Développeur,yes,2026-11-02\n"
        "rose@example.net,3,cdi,Lozère Web,Développeur,yes,2020-03-01\n"
        "rose@example.net,6,cdi,Lozère Web,Développeur,yes,2027-03-01\n"
    ).encode()
    with app.test_request_context():
        problems = [(p.line, p.column, p.reason) for p in plan_outcomes(content).problems]
    situation = "la date de début de la situation ne peut pas"
    assert problems == [
        (3, "start_date", f"{situation} précéder le début de la promotion (07/09/2026)"),
        (4, "start_date", f"{situation} être après aujourd'hui (26/11/2026)"),
    ]
    path = tmp_path / "outcomes.csv"
    path.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["import", "outcomes", str(path)])  # all or nothing
    assert result.exit_code == 1 and "start_date" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Outcome)) == 0


def test_the_date_rules() -> None:
    start = date(2026, 9, 7)
    assert dates.exit_date_problem(start, start) is None and dates.exit_date_problem(TODAY, start) is None
    assert dates.situation_start_problem(TODAY, start) is None
    assert dates.finish_opens(start, date(2027, 7, 5)) == date(2027, 6, 21)  # 14 days before the planned end
    assert dates.finish_opens(date(2027, 1, 10), date(2027, 1, 20)) == date(2027, 1, 10)  # never before the start
