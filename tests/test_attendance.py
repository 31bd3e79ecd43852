"""The month at a glance of a cohort and a learner's own hours (issue 15), on a hand-made week: every kind of
half-day and roll-call record, the hours and rates of hours.py, the cells, the roles and the queries."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bootcamp import dates
from bootcamp.attendance.hours import Hours
from bootcamp.attendance.queries import (
    CANCELLED,
    JUSTIFIED,
    LATE,
    LEFT_EARLY,
    NOT_ENROLLED,
    NOT_TAKEN,
    PENDING,
    PLACEMENT,
    PRESENT,
    REFUSED,
    UNJUSTIFIED,
    UPCOMING,
    Cell,
    month_grid,
    month_hours,
    month_learners,
    my_attendance,
)
from bootcamp.extensions import db
from bootcamp.models import (
    AbsenceReason,
    AttendanceRecord,
    Cohort,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    HalfDay,
    Justification,
    Learner,
    Presence,
    SessionKind,
    SessionState,
)

from . import factories
from .conftest import AuthActions
from .factories import WORLD_DAY

NOVEMBER = date(2026, 11, 1)
FRIDAY = WORLD_DAY + timedelta(days=4)  # 2026-11-20
AM, PM = HalfDay.AM, HalfDay.PM
# Luc's week, Monday 16 to Friday 20 November 2026, in the order of the month's columns: the kind of each cell.
LUC_CELLS = [
    Cell(UNJUSTIFIED),  # Monday morning: the world's absence, nothing given
    Cell(LATE, 15),
    Cell(LEFT_EARLY, 30),
    Cell(JUSTIFIED),  # Tuesday afternoon: a family reason, accepted
    Cell(PENDING),
    Cell(REFUSED),
    Cell(PRESENT),  # Thursday morning, 9:00-12:00
    Cell(CANCELLED),  # recorded present before it was cancelled: counted nowhere
    Cell(PLACEMENT),  # in a company: counted nowhere
    Cell(NOT_TAKEN),  # Friday afternoon, begun at 13:30, no roll call yet
]
# Counted: six half-days of 3 h 30 and one of 3 h = 1440 minutes.
LUC_HOURS = Hours(
    planned_minutes=1440,
    present_minutes=195 + 180 + 180,
    justified_minutes=210,
    unjustified_minutes=630,
    late_minutes=45,
)


def signed_in(app: Flask, email: str) -> FlaskClient:
    """A client of its own, logged in as `email`."""
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


def at(moment: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set the app's clock (dates.today and dates.now)."""
    monkeypatch.setattr(dates, "today", lambda: moment.date())
    monkeypatch.setattr(dates, "now", lambda: moment)


@pytest.fixture
def week(app: Flask, world) -> dict[str, int]:
    """Luc's hand-made week (LUC_CELLS), an October morning, and three more learners of his cohort: Émile Dupont
    present on Monday afternoon only, Zoé Abadie with no record, and Denis Durand, who dropped out in October."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        luc = db.session.get(Enrolment, world.enrolment_id)
        sessions = {(WORLD_DAY, AM): db.session.get(AttendanceRecord, world.record_id).session}
        for offset in range(5):
            for when in (AM, PM):
                day = WORLD_DAY + timedelta(days=offset)
                if (day, when) not in sessions:
                    ends = time(12) if (offset, when) == (3, AM) else None
                    sessions[day, when] = factories.half_day(cohort, day, when, ends=ends)
        thursday, friday = WORLD_DAY + timedelta(days=3), FRIDAY
        sessions[thursday, PM].state = SessionState.CANCELLED
        sessions[friday, AM].kind = SessionKind.PLACEMENT
        tuesday, wednesday = WORLD_DAY + timedelta(days=1), WORLD_DAY + timedelta(days=2)
        factories.attendance(sessions[WORLD_DAY, PM], luc, Presence.LATE, minutes=15)
        factories.attendance(sessions[tuesday, AM], luc, Presence.LEFT_EARLY, minutes=30)
        factories.attendance(
            sessions[tuesday, PM],
            luc,
            Presence.ABSENT,
            reason=AbsenceReason.FAMILY,
            justification=Justification.ACCEPTED,
        )
        factories.attendance(
            sessions[wednesday, AM],
            luc,
            Presence.ABSENT,
            reason=AbsenceReason.SICKNESS,
            justification=Justification.PENDING,
        )
        factories.attendance(sessions[wednesday, PM], luc, Presence.ABSENT, justification=Justification.REFUSED)
        factories.attendance(sessions[thursday, AM], luc)
        factories.attendance(sessions[thursday, PM], luc)
        factories.attendance(sessions[friday, AM], luc)
        october = factories.half_day(cohort, date(2026, 10, 5))
        factories.attendance(october, luc)
        emile = factories.learner(cohort, first_name="Émile", last_name="Dupont")
        factories.learner(cohort, first_name="Zoé", last_name="Abadie")
        denis = factories.learner(cohort, first_name="Denis", last_name="Durand")
        denis.enrolments[0].status, denis.enrolments[0].exit_date = EnrolmentStatus.DROPPED, date(2026, 10, 30)
        denis.enrolments[0].dropout_reason = DropoutReason.JOB
        db.session.flush()
        factories.attendance(sessions[WORLD_DAY, PM], emile.enrolments[0])
        db.session.commit()
        return {"emile": emile.enrolments[0].id, "denis": denis.enrolments[0].id, "october": october.id}


def test_hours_of_a_hand_made_week_add_up_to_the_planned_hours(app: Flask, world, week) -> None:
    with app.app_context():
        hours = month_hours(world.cohort_id, NOVEMBER)
    luc = hours[world.enrolment_id]
    assert luc == LUC_HOURS
    assert (luc.planned_hours, luc.present_hours) == (Decimal("24.00"), Decimal("9.25"))
    assert (luc.justified_absence_hours, luc.unjustified_absence_hours) == (Decimal("3.50"), Decimal("10.50"))
    late = Decimal(luc.late_minutes) / 60
    assert luc.present_hours + luc.justified_absence_hours + luc.unjustified_absence_hours + late == luc.planned_hours
    assert str(luc.attendance_rate) == "38.5"  # 555 / 1440
    assert str(luc.unjustified_rate) == "43.8"  # 630 / 1440
    assert hours[week["emile"]] == Hours(210, 210, 0, 0, 0)
    assert str(hours[week["emile"]].attendance_rate) == "100.0"
    assert set(hours) == {world.enrolment_id, week["emile"]}  # no record: no hours; another cohort: never


def test_a_month_without_roll_call_has_no_rate(app: Flask, world, week) -> None:
    with app.app_context():
        assert month_hours(world.cohort_id, date(2026, 12, 1)) == {}
        assert Hours().attendance_rate is None
        october = month_hours(world.cohort_id, date(2026, 10, 1))
    assert october == {world.enrolment_id: Hours(210, 210, 0, 0, 0)}


def test_learners_of_the_month_by_name_without_those_who_left_before(app: Flask, world, week) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        november = [learner.last_name for learner, _ in month_learners(cohort, NOVEMBER)]
        october = [learner.last_name for learner, _ in month_learners(cohort, date(2026, 10, 1))]
        before = month_learners(cohort, date(2026, 8, 1))
        after = month_learners(cohort, date(2027, 8, 1))
    assert november == ["Abadie", "Dupont", "Lefèvre"]  # Denis Durand left on 30 October
    assert october == ["Abadie", "Dupont", "Durand", "Lefèvre"]
    assert before == after == []  # the cohort runs from September 2026 to July 2027


def test_a_learner_with_a_record_in_the_month_is_listed_even_after_leaving(app: Flask, world, week) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        denis = db.session.get(Enrolment, week["denis"])
        session = factories.half_day(cohort, date(2026, 11, 2))
        factories.attendance(session, denis, Presence.ABSENT)
        db.session.commit()
        names = [learner.last_name for learner, _ in month_learners(cohort, NOVEMBER)]
        grid = month_grid(cohort, NOVEMBER, FRIDAY, datetime(2026, 11, 20, 15))
    assert names == ["Abadie", "Dupont", "Durand", "Lefèvre"]
    denis_row = grid.rows[2]
    assert denis_row.cells[0] == Cell(UNJUSTIFIED)
    assert {cell.kind for cell in denis_row.cells[1:8]} == {NOT_ENROLLED}  # the centre's half-days after his exit
    assert denis_row.cells[8:10] == [Cell(CANCELLED), Cell(PLACEMENT)]


def test_month_grid_cells_and_totals(app: Flask, world, week) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        grid = month_grid(cohort, NOVEMBER, FRIDAY, datetime(2026, 11, 20, 15))
        columns = [(session.day, session.half_day) for session in grid.sessions]
        today = [(session.day, session.half_day) for session in grid.today]
    assert columns == [(WORLD_DAY + timedelta(days=offset), when) for offset in range(5) for when in (AM, PM)]
    assert [day.day for day in grid.days] == [WORLD_DAY + timedelta(days=offset) for offset in range(5)]
    assert [row.learner.last_name for row in grid.rows] == ["Abadie", "Dupont", "Lefèvre"]
    abadie, dupont, luc = grid.rows
    assert luc.cells == LUC_CELLS
    assert luc.hours == LUC_HOURS
    assert dupont.cells[:2] == [Cell(NOT_TAKEN), Cell(PRESENT)]
    assert abadie.hours == Hours() and abadie.cells[-1] == Cell(NOT_TAKEN)
    assert grid.total == LUC_HOURS + Hours(210, 210, 0, 0, 0)
    assert today == [(FRIDAY, AM), (FRIDAY, PM)]
    assert (grid.previous, grid.next) == (date(2026, 10, 1), date(2026, 12, 1))


def test_a_half_day_yet_to_begin_is_to_come_not_forgotten(app: Flask, world, week) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        morning = month_grid(cohort, NOVEMBER, FRIDAY, datetime(2026, 11, 20, 11))
        earlier = month_grid(cohort, NOVEMBER, WORLD_DAY, datetime(2026, 11, 16, 8))
    assert morning.rows[2].cells[-1] == Cell(UPCOMING)
    assert [cell.kind for cell in earlier.rows[0].cells] == [UPCOMING] * 7 + [CANCELLED, PLACEMENT, UPCOMING]


def _cells(page: str, name: str) -> list[str]:
    """The kind and the mark of each cell of the learner's row (the legend gives each mark's words)."""
    row = re.search(rf"<tr>\s*<th scope=\"row\"><a [^>]*>{name}</a></th>(.*?)</tr>", page, re.S)
    assert row, name
    return [(mark, kind) for kind, mark in re.findall(r'<td class="mark-([a-z_]+)">([^<]*)</td>', row.group(1))]


def test_month_page_shows_marks_words_legend_and_totals(
    client, auth: AuthActions, world, week, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(datetime(2026, 11, 20, 15), monkeypatch)
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}/attendance?month=2026-11").text
    cells = _cells(page, "Lefèvre Luc")
    assert [mark for mark, _words in cells] == ["A", "R&nbsp;15", "D&nbsp;30", "AJ", "A?", "AR", "P", "×", "E", "?"]
    assert [kind for _mark, kind in cells] == [
        "unjustified", "late", "left_early", "justified", "pending", "refused", "present", "cancelled", "placement",
        "not_taken",
    ]
    legend = page[page.index('class="legend"') : page.index("</dl>")]
    for mark in ("P", "R", "D", "AJ", "A", "A?", "AR", "?", "×", "E"):
        assert f">{mark}</dt>" in legend
    luc_row = page[page.index("Lefèvre Luc") :]
    luc_row = luc_row[: luc_row.index("</tr>")]
    for figure in ("24,00", "9,25", "3,50", "10,50", ">45<", "38,5 %"):
        assert figure in luc_row
    assert "Abadie Zoé" in page and "Durand" not in page
    assert 'href="/cohorts/%d/attendance?month=2026-10"' % world.cohort_id in page
    assert 'href="/cohorts/%d/attendance?month=2026-12"' % world.cohort_id in page
    assert "vendredi 20 novembre 2026" in page
    assert f'href="/cohorts/{world.cohort_id}/attendance/2026-11-20/pm"' in page  # today's roll call
    assert f'href="/cohorts/{world.cohort_id}/attendance/2026-11-20/am"' not in page  # in a company: no roll call


def test_month_page_links_calendar_sheet_and_exports(client, auth: AuthActions, world, monkeypatch) -> None:
    at(datetime(2026, 11, 18, 10), monkeypatch)
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}/attendance").text  # today's month by default
    assert "novembre 2026" in page
    assert f'href="/cohorts/{world.cohort_id}/calendar"' in page
    assert f'href="/cohorts/{world.cohort_id}/attendance/sheet.pdf?week=2026-11-16"' in page
    assert f'href="/cohorts/{world.cohort_id}/attendance/export.csv?month=2026-11"' in page
    assert f'href="/cohorts/{world.cohort_id}/attendance/export.xlsx?month=2026-11"' in page
    assert 'aria-current="page">Présences</a>' in page
    assert client.get(f"/cohorts/{world.cohort_id}").text.count(f'href="/cohorts/{world.cohort_id}/attendance"') == 1


def test_month_page_before_the_cohort_opens_on_its_first_month(client, auth: AuthActions, world, monkeypatch) -> None:
    at(datetime(2026, 6, 1, 10), monkeypatch)
    auth.login("manager@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}/attendance").text
    assert "Présences de septembre 2026" in page
    page = client.get(f"/cohorts/{world.cohort_id}/attendance?month=2026-06").text
    assert "Aucun·e apprenant·e dans la promotion ce mois-ci." in page


@pytest.mark.parametrize("value", ["2026-13", "2026-1", "novembre", "9999-01", "2026-11-01", "0000-01"])
def test_a_wrong_month_answers_400(client, auth: AuthActions, world, value: str) -> None:
    auth.login("trainer@example.org")
    for path in ("attendance", "attendance/export.csv", "attendance/export.xlsx"):
        response = client.get(f"/cohorts/{world.cohort_id}/{path}", query_string={"month": value})
        assert response.status_code == 400, (path, value)
        assert "month" in response.text


@pytest.mark.parametrize("path", ["attendance", "attendance/export.csv", "attendance/export.xlsx"])
def test_cohort_attendance_roles(app: Flask, world, path: str) -> None:
    """Trainers their cohorts only (404 elsewhere), managers all, learners none."""
    mine, theirs = f"/cohorts/{world.cohort_id}/{path}", f"/cohorts/{world.other_cohort_id}/{path}"
    expected = {"trainer": (200, 404), "manager": (200, 200), "learner": (404, 404), "admin": (404, 404)}
    for role, statuses in expected.items():
        client = signed_in(app, world.emails[role])
        assert (client.get(mine).status_code, client.get(theirs).status_code) == statuses, role


def test_month_page_runs_a_fixed_number_of_queries(
    app: Flask, client, auth: AuthActions, world, count_queries, monkeypatch
) -> None:
    at(datetime(2026, 11, 16, 10), monkeypatch)
    auth.login("trainer@example.org")

    def count() -> int:
        with count_queries() as counter:
            assert client.get(f"/cohorts/{world.cohort_id}/attendance?month=2026-11").status_code == 200
        return counter.count

    def grow(learners: int, first: date, days: int) -> None:
        with app.app_context():
            cohort = db.session.get(Cohort, world.cohort_id)
            for _ in range(learners):
                factories.learner(cohort)
            db.session.flush()
            enrolments = db.session.scalars(sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id)).all()
            for offset in range(days):
                session = factories.half_day(cohort, first + timedelta(days=offset), HalfDay.PM)
                for enrolment in enrolments:
                    factories.attendance(session, enrolment, Presence.LATE, minutes=5)
            db.session.commit()

    grow(1, date(2026, 11, 2), 1)
    small = count()
    grow(6, date(2026, 11, 3), 5)
    assert count() == small
    assert small <= 9  # with the learners' placements (issue 18: their days are « en entreprise »)


def test_my_attendance_per_month_and_in_total(app: Flask, world, week) -> None:
    with app.app_context():
        page = my_attendance(world.learner_id, FRIDAY)
    assert [item.month for item in page.months] == [date(2026, 9, 1), date(2026, 10, 1), NOVEMBER]
    assert [item.hours for item in page.months] == [Hours(), Hours(210, 210, 0, 0, 0), LUC_HOURS]
    assert page.total == LUC_HOURS + Hours(210, 210, 0, 0, 0)


def test_my_attendance_page(client, auth: AuthActions, world, week, monkeypatch, count_queries) -> None:
    at(datetime(2026, 11, 20, 15), monkeypatch)
    auth.login("learner@example.org")
    assert 'href="/me/attendance"' in client.get("/me").text
    with count_queries() as counter:
        page = client.get("/me/attendance").text
    assert counter.count <= 5  # the account, the enrolment, the months, the absences
    hours = page[page.index('id="hours-title"') : page.index('id="my-absences-title"')]
    assert "Septembre 2026" in hours and "Octobre 2026" in hours and "Novembre 2026" in hours
    total = hours[hours.index("Total à ce jour") :]
    for figure in ("27,50", "12,75", "3,50", "10,50", ">45<", "46,4 %"):  # 765 / 1650 minutes
        assert figure in total
    absences = page[page.index('id="my-absences-title"') :]  # absences/_mine.html: their own reasons, in words
    for words in ("raison familiale", "maladie", "justificatif à examiner", "parti·e plus tôt (30 minutes)"):
        assert words in absences
    assert 'action="/me/attendance/sign"' in page
    assert "Dupont" not in page and "Émile" not in page  # nobody else's


def test_my_attendance_unlinked_or_staff(app: Flask, world) -> None:
    assert "pas encore relié" in signed_in(app, "unlinked@example.org").get("/me/attendance").text
    for role in ("trainer", "manager", "admin"):
        assert signed_in(app, world.emails[role]).get("/me/attendance").status_code == 404


def test_my_attendance_counts_only_my_own_enrolment(app: Flask, world, week) -> None:
    """Another learner's records of the same half-days never reach my figures."""
    with app.app_context():
        other = db.session.get(Learner, world.other_learner_id)
        assert my_attendance(other.id, FRIDAY).total == Hours(210, 0, 0, 210, 0)  # Rose's absence, in Rodez
