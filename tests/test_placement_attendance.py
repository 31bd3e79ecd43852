"""A learner's placement days in attendance (issue 18): « en entreprise » for that learner whatever the cohort's
half-day, never absent nor to be roll-called; « entreprise » hours from the agreement, confirmed by the tutor."""

import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.attendance.hours import Hours
from bootcamp.attendance.queries import NOT_TAKEN, PLACEMENT, PRESENT, Cell, month_grid, month_hours
from bootcamp.extensions import db
from bootcamp.models import (
    AttendanceRecord,
    AttendanceSession,
    AuditEvent,
    Cohort,
    HalfDay,
    Learner,
    Placement,
    Presence,
    ReviewStage,
    Role,
    SessionState,
)
from bootcamp.placements.days import (
    EntrepriseHours,
    confirmed_minutes,
    daily_minutes,
    placement_days,
    planned_minutes,
    sync_reviews,
)

from . import factories
from .conftest import PASSWORD, AuthActions, csrf_token, form_from, page_form
from .test_printouts import pdf_text

# Luc's placement, moved by the tests to four weeks of March 2027, 35 h a week: 20 weekdays, Easter Monday
# (29 March) excepted, 19 days of 7 h = 133 h planned. The mid-placement form covers 15–27 March (10 days).
START, END, EASTER_MONDAY = date(2027, 3, 15), date(2027, 4, 9), date(2027, 3, 29)
FRIDAY_BEFORE, MONDAY, TUESDAY = date(2027, 3, 12), date(2027, 3, 15), date(2027, 3, 16)
MARCH = date(2027, 3, 1)
PLANNED, CONFIRMED = 133 * 60, 63 * 60  # minutes: 19 days × 420; 9 days present × 420
HALF_DAY = 210  # minutes, 9:00–12:30 or 13:30–17:00


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(dates, "now", lambda: moment)
    monkeypatch.setattr(dates, "today", lambda: moment.date())


@pytest.fixture
def march(app: Flask, world) -> dict[str, int]:
    """The world's cohort in March 2027: Friday 12 morning (Luc and Abel present), Monday 15 morning and
    afternoon (nothing recorded), Tuesday 16 morning (Luc absent, unjustified, recorded while his placement was
    still in November; Abel present). Luc's placement stays where the world put it (no March day): see `placed`."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        luc = db.session.get(Learner, world.learner_id).enrolments[0]
        abel = factories.learner(cohort, first_name="Abel", last_name="Abadie", email="abel@example.net")
        friday = factories.half_day(cohort, FRIDAY_BEFORE)
        monday_am, monday_pm = factories.half_day(cohort, MONDAY), factories.half_day(cohort, MONDAY, HalfDay.PM)
        tuesday = factories.half_day(cohort, TUESDAY)
        for enrolment in (luc, abel.enrolments[0]):
            factories.attendance(friday, enrolment)
        absent = factories.attendance(tuesday, luc, Presence.ABSENT)
        factories.attendance(tuesday, abel.enrolments[0])
        db.session.commit()
        return {
            "abel": abel.enrolments[0].id,
            "monday_am": monday_am.id,
            "monday_pm": monday_pm.id,
            "tuesday": tuesday.id,
            "absent": absent.id,
        }


def move_placement(app: Flask, placement_id: int, start: date = START, end: date = END) -> None:
    """The placement's dates changed (its tutor's forms follow them), as the placement form does."""
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        placement.start_date, placement.end_date = start, end
        sync_reviews(placement)
        db.session.commit()


def answer_mid_review(app: Flask, placement_id: int, days_present: int = 9) -> None:
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        review = next(review for review in placement.reviews if review.stage == ReviewStage.MID)
        review.days_present, review.answered_at = days_present, datetime(2027, 3, 27, 10)
        db.session.commit()


@pytest.fixture
def placed(app: Flask, world, march) -> dict[str, int]:
    move_placement(app, world.placement_id)
    return march


# « Entreprise » hours: placements/days.py


def test_entreprise_hours_come_from_the_agreement_and_the_tutors_days(app: Flask, world, placed) -> None:
    with app.app_context():
        placement = db.session.get(Placement, world.placement_id)
        days = placement_days(placement.start_date, placement.end_date)
        assert len(days) == 19 and EASTER_MONDAY not in days  # a public holiday inside: not a placement day
        assert daily_minutes(placement) == 420  # 35 h a week / 5
        mid = next(review for review in placement.reviews if review.stage == ReviewStage.MID)
        assert (mid.period_start, mid.period_end, mid.planned_days) == (START, date(2027, 3, 27), 10)
        assert (planned_minutes(placement), confirmed_minutes(placement)) == (PLANNED, 0)
        assert EntrepriseHours.of([placement]) == EntrepriseHours(PLANNED, 0)
    answer_mid_review(app, world.placement_id)  # 9 days present of 10
    with app.app_context():
        placement = db.session.get(Placement, world.placement_id)
        hours = EntrepriseHours.of([placement])
        assert hours == EntrepriseHours(PLANNED, CONFIRMED)
        assert (str(hours.planned_hours), str(hours.confirmed_hours)) == ("133.00", "63.00")
        # Over a part only: the agreement's days in it; a tutor's form counts when its period lies inside.
        assert EntrepriseHours.of([placement], START, date(2027, 3, 26)) == EntrepriseHours(10 * 420, 0)
        assert EntrepriseHours.of([placement], START, date(2027, 3, 27)) == EntrepriseHours(10 * 420, CONFIRMED)


# Hours: a record on a placement day never counts


def test_a_record_on_a_placement_day_stops_counting_as_an_absence(app: Flask, world, march) -> None:
    with app.app_context():
        before = month_hours(world.cohort_id, MARCH)[world.enrolment_id]
    # Friday present and Tuesday absent: 420 minutes planned, 210 present, 210 unjustified: 50 %.
    assert before == Hours(2 * HALF_DAY, HALF_DAY, 0, HALF_DAY, 0)
    assert (before.attendance_rate, before.unjustified_rate) == (50, 50)
    move_placement(app, world.placement_id)  # Tuesday is now a placement day: only Friday counts, 100 %
    with app.app_context():
        after = month_hours(world.cohort_id, MARCH)
        assert after[world.enrolment_id] == Hours(HALF_DAY, HALF_DAY, 0, 0, 0)
        assert after[world.enrolment_id].attendance_rate == 100
        assert after[march["abel"]] == Hours(2 * HALF_DAY, 2 * HALF_DAY, 0, 0, 0)  # Abel's own days unchanged
        assert db.session.get(AttendanceRecord, march["absent"]) is not None  # kept, only not counted


def test_the_month_shows_placement_days_as_entreprise(app: Flask, world, placed) -> None:
    now = datetime(2027, 3, 16, 18)
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        grid = month_grid(cohort, MARCH, now.date(), now)
    rows = {row.enrolment.id: row for row in grid.rows}
    # Friday morning, Monday morning and afternoon, Tuesday morning.
    assert rows[world.enrolment_id].cells == [Cell(PRESENT), Cell(PLACEMENT), Cell(PLACEMENT), Cell(PLACEMENT)]
    assert rows[placed["abel"]].cells[0] == Cell(PRESENT) and Cell(PLACEMENT) not in rows[placed["abel"]].cells
    assert rows[world.enrolment_id].entreprise == EntrepriseHours(PLANNED, 0) and rows[world.enrolment_id].placed
    assert not rows[placed["abel"]].placed


def test_the_month_page_marks_e_and_shows_entreprise_hours(
    app: Flask, client, auth: AuthActions, world, placed, monkeypatch
) -> None:
    answer_mid_review(app, world.placement_id)
    at(monkeypatch, datetime(2027, 3, 16, 18))
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}/attendance?month=2027-03").text
    luc = page[page.index("Lefèvre Luc</a>") : page.index("</tr>", page.index("Lefèvre Luc</a>"))]
    assert re.findall(r'<td class="mark-(\w+)">', luc) == ["present", "placement", "placement", "placement"]
    assert luc.count('<td class="mark-placement">E</td>') == 3 and "mark-unjustified" not in luc
    assert "133,00" in luc and "63,00" in luc  # « entreprise » planned and confirmed, beside the centre's hours
    assert "en entreprise (stage) : pas d'appel au centre" in page  # the legend
    assert "En entreprise, prévues (h, tout le stage)" in page and "Heures en entreprise" in page
    abel = page[page.index("Abadie Abel</a>") : page.index("</tr>", page.index("Abadie Abel</a>"))]
    assert "mark-placement" not in abel and "—" in abel


def test_the_month_page_runs_a_fixed_number_of_queries_with_placements(
    app: Flask, client, auth: AuthActions, world, placed, count_queries, monkeypatch
) -> None:
    at(monkeypatch, datetime(2027, 3, 16, 18))
    auth.login("trainer@example.org")

    def count() -> int:
        with count_queries() as counter:
            assert client.get(f"/cohorts/{world.cohort_id}/attendance?month=2027-03").status_code == 200
        return counter.count

    few = count()
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        for number in range(6):
            enrolment = factories.learner(cohort, last_name=f"Stagiaire{number}").enrolments[0]
            db.session.flush()
            factories.placement(enrolment, START, END, company=f"Entreprise {number}")
        db.session.commit()
    assert count() == few <= 9


# The roll call, signing, the sign-in sheet, the import


def test_the_roll_call_lists_a_placed_learner_en_entreprise_without_input_and_closes(
    app: Flask, client, auth: AuthActions, world, placed, monkeypatch
) -> None:
    at(monkeypatch, datetime(2027, 3, 15, 17, 30))
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/attendance/{MONDAY.isoformat()}/pm"
    page = client.get(url).text
    away = page[page.index('id="away-title"') : page.index("</section>", page.index('id="away-title"'))]
    assert "Lefèvre Luc" in away and "en entreprise" in away
    form = form_from(page)
    assert f"presence_{world.enrolment_id}" not in form and f"version_{world.enrolment_id}" not in form
    assert form[f"presence_{placed['abel']}"] == "present"
    response = client.post(url, data=form | {"action": "close"})
    assert response.status_code == 302
    with app.app_context():
        session = db.session.get(AttendanceSession, placed["monday_pm"])
        assert session.state == SessionState.CLOSED
        records = db.session.scalars(sa.select(AttendanceRecord).where(AttendanceRecord.session_id == session.id))
        assert {record.enrolment_id for record in records} == {placed["abel"]}  # none made for Luc


def test_a_record_made_before_the_placement_is_left_alone_by_the_roll_call(
    app: Flask, client, auth: AuthActions, world, placed, monkeypatch
) -> None:
    at(monkeypatch, datetime(2027, 3, 16, 17, 30))
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/attendance/{TUESDAY.isoformat()}/am"
    form = page_form(client, url)
    assert f"presence_{world.enrolment_id}" not in form
    assert client.post(url, data=form | {"action": "close"}).status_code == 302
    with app.app_context():
        record = db.session.get(AttendanceRecord, placed["absent"])
        assert (record.presence, record.version) == (Presence.ABSENT, 1)  # untouched, and not counted (hours.py)


def test_signing_on_a_placement_day_is_refused_in_one_line(app: Flask, world, placed, monkeypatch) -> None:
    at(monkeypatch, datetime(2027, 3, 15, 9, 5))
    learner = app.test_client()
    AuthActions(learner).login("learner@example.org")
    token = csrf_token(learner, "/me/attendance")
    response = learner.post("/me/attendance/sign", data={"code": "123456", "csrf_token": token})
    assert response.status_code == 409
    assert "Vous êtes en entreprise ce jour-là" in response.text
    with app.app_context():
        assert db.session.scalar(
            sa.select(sa.func.count()).select_from(AttendanceRecord).where(
                AttendanceRecord.session_id == placed["monday_am"]
            )
        ) == 0
    abel = app.test_client()  # not on a placement: signs as before
    with app.app_context():
        linked = db.session.scalar(sa.select(Learner).where(Learner.email == "abel@example.net"))
        factories.user("abel@example.net", Role.LEARNER, PASSWORD, linked=linked)
        db.session.commit()
    AuthActions(abel).login("abel@example.net")
    response = abel.post("/me/attendance/sign", data={"code": "123456", "csrf_token": csrf_token(abel, "/me")})
    assert response.status_code == 302
    with app.app_context():
        record = db.session.scalars(
            sa.select(AttendanceRecord).where(AttendanceRecord.session_id == placed["monday_am"])
        ).one()
        assert (record.enrolment_id, record.presence) == (placed["abel"], Presence.PRESENT)


def test_my_attendance_shows_my_entreprise_hours(
    app: Flask, client, auth: AuthActions, world, placed, monkeypatch, count_queries
) -> None:
    answer_mid_review(app, world.placement_id)
    at(monkeypatch, datetime(2027, 3, 30, 18))
    auth.login("learner@example.org")
    with count_queries() as counter:
        page = client.get("/me/attendance").text
    assert counter.count <= 6  # the account, the enrolment, the months, the placements, the absences
    assert "En entreprise : 133 h prévues (convention), 63 h confirmées par le tuteur" in page
    assert "du 15 mars 2027 au 9 avril 2027" in page
    march = page[page.index("Mars 2027") : page.index("</tr>", page.index("Mars 2027"))]
    assert ">3,50<" in march and "100,0 %" in march  # Friday only: Tuesday's absence is a placement day


def test_the_sign_in_sheet_marks_entreprise_instead_of_a_signature(
    app: Flask, client, auth: AuthActions, world, placed
) -> None:
    auth.login("trainer@example.org")
    text = pdf_text(client.get(f"/cohorts/{world.cohort_id}/attendance/sheet.pdf?week=2027-03-15").data)
    assert "Lefèvre Luc entreprise entreprise entreprise" in text  # Monday morning and afternoon, Tuesday
    assert "Abadie Abel — — présent·e (noté par le formateur)" in text
    assert "« entreprise » : jour de stage de l'apprenant·e (convention), pas d'appel au centre" in text
    text = pdf_text(client.get(f"/cohorts/{world.cohort_id}/attendance/sheet.pdf?week=2027-03-08").data)
    assert "Lefèvre Luc présent·e (noté par le formateur)" in text  # the Friday before: in the centre


def test_the_import_refuses_a_line_on_a_placement_day(app: Flask, world, placed, tmp_path, monkeypatch) -> None:
    at(monkeypatch, datetime(2027, 3, 19, 18))
    path = tmp_path / "presences.csv"
    path.write_text(
        "email,date,half_day,status,minutes,reason,justified\n"
        "learner@example.org,2027-03-15,am,present,,,\n"
        "abel@example.net,2027-03-15,am,present,,,\n"
    )
    with app.app_context():
        events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    result = app.test_cli_runner().invoke(args=["attendance", "import", str(path), "--cohort", "Mende 2026 automne"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "line 2, column email: " in result.output and "2027-03-15" in result.output
    assert "line 3" not in result.output and "nothing imported: 1 problem" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events  # nothing written


# The « certificat de réalisation »


def test_the_certificate_adds_the_entreprise_hours_confirmed_by_the_tutor(
    app: Flask, client, auth: AuthActions, world, placed, monkeypatch
) -> None:
    answer_mid_review(app, world.placement_id)
    at(monkeypatch, datetime(2027, 4, 12, 9))
    auth.login("trainer@example.org")
    url = f"/learners/{world.learner_id}/attendance/certificate.pdf?cohort={world.cohort_id}"
    text = pdf_text(client.get(url + "&from=2027-03-01&to=2027-04-09").data)
    # Centre: Friday 12, 3 h 30 present of 3 h 30 (Tuesday 16 is a placement day); company: 133 h planned,
    # 63 h confirmed. 3.5 + 63 = 66.5 done of 3.5 + 133 = 136.5 planned.
    assert "Durée réalisée : 66,50 heures réalisées sur 136,50 heures prévues" in text
    assert "dont en entreprise : 63,00 h (confirmées par le tuteur)" in text
    text = pdf_text(client.get(url + "&from=2027-03-01&to=2027-03-12").data)  # before the placement
    assert "Durée réalisée : 3,50 heures réalisées sur 3,50 heures prévues" in text
    assert "dont en entreprise" not in text


def test_world_placement_days_are_e_for_its_learner_only(app: Flask, world) -> None:
    """The world's own placement (30 November 2026 – 29 January 2027): a half-day in it is E for Luc only."""
    now = datetime(2026, 12, 1, 18)
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        other = factories.learner(cohort, last_name="Zola").enrolments[0]
        session = factories.half_day(cohort, date(2026, 12, 1))
        factories.attendance(session, db.session.get(Learner, world.learner_id).enrolments[0], Presence.ABSENT)
        db.session.commit()
        grid = month_grid(cohort, date(2026, 12, 1), now.date(), now)
        cells = {row.enrolment.id: row.cells for row in grid.rows}
        assert cells[world.enrolment_id] == [Cell(PLACEMENT)] and cells[other.id] == [Cell(NOT_TAKEN)]
        assert month_hours(world.cohort_id, date(2026, 12, 1)) == {}  # Luc's absence there counts nowhere
