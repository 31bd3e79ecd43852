"""The half-day calendar: generation (pattern, holidays, closures, idempotence), the calendar page and its changes
(cancel, restore, move, add, company placement) with their refusals and versions, the weekly pattern, closures,
a cohort's creation and new dates, `flask attendance calendars`."""

import re
from datetime import date, time, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.models import (
    AttendanceSession,
    AuditEvent,
    Closure,
    Cohort,
    HalfDay,
    SessionKind,
    SessionState,
    WeeklySlot,
)
from bootcamp.timetable.services import DEFAULT_PATTERN, generate_calendar, public_holidays

from . import factories
from .conftest import AuthActions, _FormParser, csrf_token, page_form
from .factories import WORLD_DAY

AM, PM = HalfDay.AM, HalfDay.PM
# The weekday public holidays of the world's cohorts (Toussaint 2026 is a Sunday; 1 and 8 May 2027 a Saturday)
WEEKDAY_HOLIDAYS = [
    date(2026, 11, 11),
    date(2026, 12, 25),
    date(2027, 1, 1),
    date(2027, 3, 29),  # Easter Monday
    date(2027, 5, 6),  # Ascension
    date(2027, 5, 17),  # Whit Monday
    date(2027, 7, 14),
]
WEEKEND_HOLIDAYS = [date(2027, 5, 1), date(2027, 5, 8)]


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    """Today is the world's Monday, 16 November 2026."""
    monkeypatch.setattr(dates, "today", lambda: WORLD_DAY)
    return WORLD_DAY


def _new_cohort(app: Flask, start: date, end: date, **pattern: list[tuple[int, HalfDay, time, time]]) -> int:
    with app.app_context():
        cohort = factories.cohort(start=start, end=end)
        db.session.flush()
        for weekday, half_day, starts, ends in pattern.get("slots", []):
            db.session.add(
                WeeklySlot(cohort_id=cohort.id, weekday=weekday, half_day=half_day, starts_at=starts, ends_at=ends)
            )
        db.session.commit()
        return cohort.id


def _generate(app: Flask, cohort_id: int, first_day: date | None = None) -> int:
    with app.app_context():
        created = generate_calendar(db.session.get(Cohort, cohort_id), first_day)
        db.session.commit()
        return created


def _sessions(app: Flask, cohort_id: int) -> dict[tuple[date, HalfDay], AttendanceSession]:
    with app.app_context():
        rows = db.session.scalars(sa.select(AttendanceSession).where(AttendanceSession.cohort_id == cohort_id)).all()
        db.session.expunge_all()
        return {(row.day, row.half_day): row for row in rows}


def _days(first: date, last: date, weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)) -> list[date]:
    every = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in every if day.weekday() in weekdays]


# Generation


def test_default_pattern_two_weeks_with_armistice(app: Flask) -> None:
    cohort_id = _new_cohort(app, date(2026, 11, 9), date(2026, 11, 20))
    assert _generate(app, cohort_id) == 18  # 10 weekdays, minus Wednesday 11 November, morning and afternoon
    sessions = _sessions(app, cohort_id)
    assert (date(2026, 11, 11), AM) not in sessions and (date(2026, 11, 14), AM) not in sessions  # holiday, Saturday
    morning, afternoon = sessions[(date(2026, 11, 9), AM)], sessions[(date(2026, 11, 9), PM)]
    assert (morning.starts_at, morning.ends_at, morning.planned_minutes) == (time(9), time(12, 30), 210)
    assert (afternoon.starts_at, afternoon.ends_at, afternoon.planned_minutes) == (time(13, 30), time(17), 210)
    assert all(s.kind == SessionKind.CENTRE and s.state == SessionState.OPEN for s in sessions.values())
    codes = [s.code for s in sessions.values()]
    assert all(re.fullmatch(r"[0-9]{6}", code) for code in codes) and len(set(codes)) > 10  # random, not one


def test_a_school_year_skips_every_french_public_holiday(app: Flask, count_queries) -> None:
    first, last = date(2026, 11, 2), date(2027, 7, 16)
    cohort_id = _new_cohort(app, first, last)
    with count_queries() as counter:
        created = _generate(app, cohort_id)
    assert created == 2 * (len(_days(first, last)) - len(WEEKDAY_HOLIDAYS))
    assert counter.count <= 7  # the cohort, its pattern, closures, what exists, (a lock,) one bulk insert
    sessions = _sessions(app, cohort_id)
    for holiday in WEEKDAY_HOLIDAYS:
        assert (holiday, AM) not in sessions and (holiday, PM) not in sessions, holiday
        neighbour = holiday + timedelta(days=1 if holiday.weekday() < 4 else -1)
        assert (neighbour, AM) in sessions, neighbour
    assert set(WEEKDAY_HOLIDAYS + WEEKEND_HOLIDAYS) <= set(public_holidays(first, last))
    assert date(2027, 3, 26) not in public_holidays(first, last)  # Good Friday: Alsace-Moselle only


def test_generation_starts_at_first_day_and_never_leaves_the_cohort(app: Flask) -> None:
    cohort_id = _new_cohort(app, date(2026, 11, 16), date(2026, 11, 27))
    assert _generate(app, cohort_id, date(2026, 11, 23)) == 10
    assert _generate(app, cohort_id, date(2026, 10, 1)) == 10  # before the start: from the start
    assert min(day for day, _half_day in _sessions(app, cohort_id)) == date(2026, 11, 16)
    assert _generate(app, cohort_id, date(2026, 12, 1)) == 0


def test_closures_of_the_cohort_and_of_every_cohort(app: Flask) -> None:
    cohort_id = _new_cohort(app, date(2026, 12, 14), date(2027, 1, 15))
    other_id = _new_cohort(app, date(2026, 12, 14), date(2027, 1, 15))
    with app.app_context():
        db.session.add(Closure(cohort_id=None, first_day=date(2026, 12, 21), last_day=date(2027, 1, 3), label="Noël"))
        db.session.add(Closure(cohort_id=other_id, first_day=date(2027, 1, 4), last_day=date(2027, 1, 8), label="x"))
        db.session.commit()
    _generate(app, cohort_id)
    days = {day for day, _half_day in _sessions(app, cohort_id)}
    before_christmas = _days(date(2026, 12, 14), date(2026, 12, 18))
    assert days == set(before_christmas + _days(date(2027, 1, 4), date(2027, 1, 15)))
    _generate(app, other_id)
    other_days = {day for day, _half_day in _sessions(app, other_id)}
    assert other_days == days - set(_days(date(2027, 1, 4), date(2027, 1, 8)))


def test_a_custom_weekly_pattern(app: Flask) -> None:
    slots = [(0, AM, time(8, 30), time(12)), (2, PM, time(14), time(18)), (5, AM, time(9), time(12))]
    cohort_id = _new_cohort(app, date(2026, 11, 9), date(2026, 11, 22), slots=slots)
    assert _generate(app, cohort_id) == 5  # 2 Mondays, 1 Wednesday (the 11th is a holiday), 2 Saturdays
    sessions = _sessions(app, cohort_id)
    assert set(sessions) == {
        (date(2026, 11, 9), AM),
        (date(2026, 11, 16), AM),
        (date(2026, 11, 18), PM),
        (date(2026, 11, 14), AM),
        (date(2026, 11, 21), AM),
    }
    wednesday = sessions[(date(2026, 11, 18), PM)]
    assert (wednesday.starts_at, wednesday.ends_at, wednesday.planned_minutes) == (time(14), time(18), 240)


def test_generation_is_idempotent_whatever_became_of_each_half_day(app: Flask, world) -> None:
    """The world's morning of 16 November exists (with a record); cancelled, placement and moved half-days are
    never made again."""
    created = _generate(app, world.cohort_id)
    assert created > 400 and _generate(app, world.cohort_id) == 0
    with app.app_context():
        sessions = {(s.day, s.half_day): s for s in db.session.scalars(sa.select(AttendanceSession))}
        sessions[(date(2026, 11, 17), AM)].state = SessionState.CANCELLED
        sessions[(date(2026, 11, 17), PM)].kind = SessionKind.PLACEMENT
        db.session.commit()
    assert _generate(app, world.cohort_id) == 0
    with app.app_context():
        mine = AttendanceSession.cohort_id == world.cohort_id
        count = db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceSession).where(mine))
    assert count == created + 1


# The calendar page


def _login(client, email: str) -> AuthActions:
    auth = AuthActions(client)
    assert auth.login(email).status_code == 302
    return auth


def _calendar(world, month: str = "2026-11") -> str:
    return f"/cohorts/{world.cohort_id}/calendar?month={month}"


def _session_id(app: Flask, cohort_id: int, day: date, half_day: HalfDay) -> tuple[int, int]:
    with app.app_context():
        session = db.session.scalar(
            sa.select(AttendanceSession).where(
                AttendanceSession.cohort_id == cohort_id,
                AttendanceSession.day == day,
                AttendanceSession.half_day == half_day,
            )
        )
        return session.id, session.version


def _post(client, world, action: str, month: str = "2026-11", **fields: object):
    if not hasattr(client, "token"):
        client.token = csrf_token(client, "/cohorts/")  # the same for the whole login
    data = {"csrf_token": client.token, "action": action, **{k: str(v) for k, v in fields.items()}}
    return client.post(_calendar(world, month), data=data)


def _audits(app: Flask, entity: str) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity == entity)).all()
        db.session.expunge_all()
        return list(events)


def test_the_calendar_page_shows_the_month(app: Flask, client, world) -> None:
    _generate(app, world.cohort_id)
    _login(client, "trainer@example.org")
    page = client.get(_calendar(world)).text
    assert "Demi-journées de novembre 2026" in page
    assert "Férié : mercredi 11 novembre, Armistice" in page
    assert page.count('<th scope="row">') == 2 * (len(_days(date(2026, 11, 2), date(2026, 11, 30))) - 1)
    assert "40 demi-journées prévues ce mois-ci · 140 h au centre" in page
    assert "1 présence saisie" in page and "a eu lieu" in page  # the world's morning of 16 November
    assert f'href="/cohorts/{world.cohort_id}/attendance/2026-11-16/am"' in page  # its roll call
    assert f'href="/cohorts/{world.cohort_id}/attendance/2026-11-17/am"' not in page  # tomorrow: not yet
    assert 'rel="prev"' in page and 'rel="next"' in page
    assert "Rythme de la semaine" not in page  # a manager's
    default = client.get(f"/cohorts/{world.cohort_id}/calendar").text
    assert "Demi-journées de novembre 2026" in default  # this month by default
    session_id, _version = _session_id(app, world.cohort_id, date(2026, 11, 18), PM)
    assert f'href="/cohorts/{world.cohort_id}/calendar?month=2026-11&amp;move={session_id}#move-title"' in page
    moving = client.get(_calendar(world) + f"&move={session_id}").text
    assert "Déplacer la demi-journée du mercredi 18 novembre 2026, après-midi" in moving
    assert 'name="move-starts_at" required type="time" value="13:30"' in moving
    assert client.get(_calendar(world) + f"&move={world.other_session_id}").status_code == 404
    assert client.get(_calendar(world) + "&move=x").status_code == 400


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "november", "0000-01", "9999-01", "2026-11-01"])
def test_a_bad_month_is_a_400(client, world, month: str) -> None:
    _login(client, "trainer@example.org")
    response = client.get(_calendar(world, month))
    assert response.status_code == 400 and "month" in response.text


def test_cancel_and_restore_a_half_day(app: Flask, client, world) -> None:
    _generate(app, world.cohort_id)
    session_id, version = _session_id(app, world.cohort_id, date(2026, 11, 18), PM)
    _login(client, "trainer@example.org")
    response = _post(client, world, "cancel", session=session_id, version=version)
    assert response.status_code == 302 and response.headers["Location"].endswith("month=2026-11")
    page = client.get(response.headers["Location"]).text
    assert "Demi-journée annulée : le mercredi 18 nov. 2026, après-midi." in page and "Rétablir" in page
    session = _sessions(app, world.cohort_id)[(date(2026, 11, 18), PM)]
    assert session.state == SessionState.CANCELLED and session.version == version + 1
    [event] = _audits(app, "attendance_session")
    assert (event.before["state"], event.after["state"], event.entity_id) == ("open", "cancelled", session_id)
    _post(client, world, "restore", session=session_id, version=version + 1)
    assert _sessions(app, world.cohort_id)[(date(2026, 11, 18), PM)].state == SessionState.OPEN


def test_cancel_is_refused_with_records_and_on_a_stale_version(app: Flask, client, world) -> None:
    _login(client, "trainer@example.org")
    response = _post(client, world, "cancel", session=world.session_id, version=1)
    page = client.get(response.headers["Location"]).text
    assert "a déjà 1 présence saisie" in page
    assert _sessions(app, world.cohort_id)[(WORLD_DAY, AM)].state == SessionState.OPEN
    _generate(app, world.cohort_id)
    session_id, version = _session_id(app, world.cohort_id, date(2026, 11, 18), AM)
    stale = _post(client, world, "cancel", session=session_id, version=version + 5)
    assert stale.status_code == 409 and "Modification simultanée" in stale.text
    assert _sessions(app, world.cohort_id)[(date(2026, 11, 18), AM)].state == SessionState.OPEN
    assert _audits(app, "attendance_session") == []


def _move_fields(session_id: int, version: int, day: date, half_day: HalfDay, starts: str, ends: str) -> dict:
    values = {"version": version, "day": day, "half_day": half_day.value, "starts_at": starts, "ends_at": ends}
    return {"session": session_id} | {f"move-{key}": value for key, value in values.items()}


def test_move_a_half_day_leaves_its_slot_cancelled(app: Flask, client, world) -> None:
    _generate(app, world.cohort_id)
    session_id, version = _session_id(app, world.cohort_id, date(2026, 11, 18), PM)
    _login(client, "manager@example.org")
    fields = _move_fields(session_id, version, date(2026, 11, 21), AM, "9h00", "12:00")  # to a Saturday
    response = _post(client, world, "move", **fields)
    assert response.status_code == 302
    assert "Demi-journée déplacée : le samedi 21 nov. 2026, matin." in client.get(response.headers["Location"]).text
    sessions = _sessions(app, world.cohort_id)
    moved = sessions[(date(2026, 11, 21), AM)]
    assert (moved.id, moved.starts_at, moved.ends_at, moved.planned_minutes) == (session_id, time(9), time(12), 180)
    assert sessions[(date(2026, 11, 18), PM)].state == SessionState.CANCELLED  # generation will not bring it back
    assert _generate(app, world.cohort_id) == 0
    # back to its place: the cancelled half-day there, without records, gives way
    fields = _move_fields(session_id, moved.version, date(2026, 11, 18), PM, "13:30", "17:00")
    assert _post(client, world, "move", **fields).status_code == 302
    sessions = _sessions(app, world.cohort_id)
    assert sessions[(date(2026, 11, 18), PM)].id == session_id and (date(2026, 11, 21), AM) not in sessions


def test_move_refusals(app: Flask, client, world) -> None:
    _generate(app, world.cohort_id)
    session_id, version = _session_id(app, world.cohort_id, date(2026, 11, 18), PM)
    _login(client, "trainer@example.org")
    taken = _post(client, world, "move", **_move_fields(session_id, version, date(2026, 11, 19), AM, "9:00", "12:30"))
    assert "est déjà au calendrier" in client.get(taken.headers["Location"]).text
    outside = _post(client, world, "move", **_move_fields(session_id, version, date(2027, 7, 12), AM, "9:00", "12:30"))
    assert "est en dehors de la promotion" in client.get(outside.headers["Location"]).text
    held = _post(client, world, "move", **_move_fields(world.session_id, 1, date(2026, 11, 21), AM, "9:00", "12:30"))
    assert "a déjà 1 présence saisie" in client.get(held.headers["Location"]).text
    bad = _post(client, world, "move", **_move_fields(session_id, version, date(2026, 11, 21), AM, "12:30", "9:00"))
    assert bad.status_code == 200 and "La fin doit venir après le début." in bad.text
    assert "Déplacer la demi-journée du mercredi 18 novembre 2026, après-midi" in bad.text  # the refused form
    [form] = [f for f in _forms(bad.text) if "move-day" in f]
    assert form["session"] == str(session_id) and form["move-starts_at"] == "12:30"  # the values typed, kept
    unreadable = _post(client, world, "move", **_move_fields(session_id, version, date(2026, 11, 21), AM, "midi", "14"))
    assert "Heure invalide" in unreadable.text
    stale_fields = _move_fields(session_id, version + 1, date(2026, 11, 21), AM, "9:00", "12:00")
    stale = _post(client, world, "move", **stale_fields)
    assert stale.status_code == 409
    assert _sessions(app, world.cohort_id)[(date(2026, 11, 18), PM)].version == version
    assert _audits(app, "attendance_session") == []


def _forms(html: str) -> list[dict]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def test_add_a_half_day(app: Flask, client, world) -> None:
    _generate(app, world.cohort_id)
    _login(client, "trainer@example.org")
    fields = {"add-day": "2026-11-21", "add-half_day": "pm", "add-starts_at": "13:00", "add-ends_at": "16:00"}
    response = _post(client, world, "add", **fields)
    assert "Demi-journée ajoutée : le samedi 21 nov. 2026, après-midi." in client.get(response.headers["Location"]).text
    added = _sessions(app, world.cohort_id)[(date(2026, 11, 21), PM)]
    assert (added.planned_minutes, added.state, added.kind) == (180, SessionState.OPEN, SessionKind.CENTRE)
    again = _post(client, world, "add", **fields)
    assert "est déjà au calendrier" in client.get(again.headers["Location"]).text
    # a cancelled half-day without records is replaced; a holiday may be added by hand
    session_id, version = _session_id(app, world.cohort_id, date(2026, 11, 18), AM)
    _post(client, world, "cancel", session=session_id, version=version)
    _post(client, world, "add", **(fields | {"add-day": "2026-11-18", "add-half_day": "am"}))
    _post(client, world, "add", **(fields | {"add-day": "2026-11-11"}))
    sessions = _sessions(app, world.cohort_id)
    assert sessions[(date(2026, 11, 18), AM)].state == SessionState.OPEN
    assert (date(2026, 11, 11), PM) in sessions
    outside = _post(client, world, "add", **(fields | {"add-day": "2027-07-10"}))
    assert "est en dehors de la promotion" in client.get(outside.headers["Location"]).text
    missing = _post(client, world, "add", **(fields | {"add-day": ""}))
    assert missing.status_code == 200 and "Indiquez le jour." in missing.text
    actions = [event.action for event in _audits(app, "attendance_session")]
    assert actions == ["create", "update", "delete", "create", "create"]


def test_company_placement_period_and_back(app: Flask, client, world) -> None:
    _generate(app, world.cohort_id)
    _login(client, "trainer@example.org")
    period = {"period-first_day": "2026-11-23", "period-last_day": "2026-11-29", "period-kind": "placement"}
    response = _post(client, world, "period", **period)
    assert "10 demi-journées passent en entreprise." in client.get(response.headers["Location"]).text
    sessions = _sessions(app, world.cohort_id)
    days = _days(date(2026, 11, 23), date(2026, 11, 27))
    week = [sessions[(day, half_day)] for day in days for half_day in (AM, PM)]
    assert {s.kind for s in week} == {SessionKind.PLACEMENT}
    page = client.get(_calendar(world)).text
    assert "en entreprise (stage)" in page and "attendance/2026-11-23" not in page  # no roll call in the centre
    back = _post(client, world, "period", **(period | {"period-kind": "centre", "period-last_day": "2026-11-24"}))
    assert "4 demi-journées reviennent au centre." in client.get(back.headers["Location"]).text
    assert sum(s.kind == SessionKind.PLACEMENT for s in _sessions(app, world.cohort_id).values()) == 6
    assert [event.action for event in _audits(app, "calendar") if event.action != "generate"] == ["placement", "centre"]


def test_placement_over_half_days_with_records_is_refused_and_lists_them(app: Flask, client, world) -> None:
    _generate(app, world.cohort_id)
    _login(client, "trainer@example.org")
    period = {"period-first_day": "2026-11-16", "period-last_day": "2026-11-20", "period-kind": "placement"}
    response = _post(client, world, "period", **period)
    assert response.status_code == 200
    assert "Rien n'a été changé : 1 demi-journée de la période a déjà des présences saisies" in unescape(response.text)
    assert "<li>lundi 16 novembre 2026, matin</li>" in response.text
    assert all(s.kind == SessionKind.CENTRE for s in _sessions(app, world.cohort_id).values())
    backwards = _post(client, world, "period", **(period | {"period-first_day": "2026-11-21"}))
    assert backwards.status_code == 200 and "Le dernier jour ne peut pas précéder le premier." in backwards.text


def test_roles_on_the_calendar(app: Flask, world) -> None:
    _generate(app, world.other_cohort_id)
    session_id, version = _session_id(app, world.other_cohort_id, date(2026, 11, 18), AM)
    for email, expected in [("trainer@example.org", 404), ("learner@example.org", 404), ("manager@example.org", 200)]:
        client = app.test_client()
        _login(client, email)
        url = f"/cohorts/{world.other_cohort_id}/calendar?month=2026-11"
        assert client.get(url).status_code == expected, email
        data = {"csrf_token": csrf_token(client, "/account/password"), "action": "cancel", "session": session_id}
        response = client.post(url, data=data | {"version": version})
        assert response.status_code == (302 if expected == 200 else 404), email
    # a half-day of another cohort through one's own cohort's page: 404
    client = app.test_client()
    _login(client, "trainer@example.org")
    data = {"csrf_token": csrf_token(client, "/cohorts/"), "action": "cancel", "session": world.other_session_id}
    response = client.post(_calendar(world), data=data | {"version": 1})
    assert response.status_code == 404
    assert client.post(_calendar(world), data={"csrf_token": data["csrf_token"], "action": "nope"}).status_code == 400


def test_the_calendar_page_runs_a_fixed_number_of_queries(app: Flask, client, world, count_queries) -> None:
    _login(client, "trainer@example.org")
    client.get(_calendar(world))
    with count_queries() as few:
        assert client.get(_calendar(world)).status_code == 200  # one half-day this month
    _generate(app, world.cohort_id)
    with count_queries() as many:
        assert client.get(_calendar(world)).status_code == 200  # forty
    assert many.count == few.count <= 8


# The weekly pattern


def _pattern_form(client, world) -> dict:
    return page_form(client, f"/cohorts/{world.cohort_id}/calendar/pattern")


def test_weekly_pattern_confirmation_then_save(app: Flask, client, world) -> None:
    _generate(app, world.cohort_id)
    _login(client, "manager@example.org")
    url = f"/cohorts/{world.cohort_id}/calendar/pattern"
    form = _pattern_form(client, world)
    assert form["held_0_am"] == "y" and "held_5_am" not in form and form["starts_2_pm"] == "13:30"
    del form["held_2_pm"]  # no more Wednesday afternoons
    form |= {"starts_0_am": "8:30", "held_5_am": "y", "starts_5_am": "9:00", "ends_5_am": "12:00"}
    preview = client.post(url, data=form)
    tomorrow, end = date(2026, 11, 17), date(2027, 7, 5)
    wednesdays = len(_days(tomorrow, end, (2,)))  # no Wednesday holiday from tomorrow to the end
    saturdays = len(set(_days(tomorrow, end, (5,))) - set(WEEKEND_HOLIDAYS))
    mondays = len(set(_days(tomorrow, end, (0,))) - set(WEEKDAY_HOLIDAYS))
    assert preview.status_code == 200
    assert f"{mondays} changent d'horaires" in unescape(preview.text)
    assert f"ce rythme ajoute {saturdays} demi-journées et en retire {wednesdays}" in preview.text
    assert _audits(app, "weekly_pattern") == []  # nothing saved yet
    saved = client.post(url, data=form | {"confirmed": "yes"})
    assert saved.status_code == 302
    message = f"Rythme enregistré : {saturdays} demi-journées ajoutées, {wednesdays} retirées, {mondays} changent"
    assert message in client.get(saved.headers["Location"]).text
    sessions = _sessions(app, world.cohort_id)
    assert (date(2026, 11, 18), PM) not in sessions and (date(2026, 11, 11), PM) not in sessions
    assert (date(2026, 11, 21), AM) in sessions and (date(2026, 11, 14), AM) not in sessions  # from tomorrow
    assert sessions[(date(2026, 11, 23), AM)].starts_at == time(8, 30)
    assert sessions[(date(2026, 11, 16), AM)].starts_at == time(9)  # today and before: as they were
    assert _generate(app, world.cohort_id, tomorrow) == 0  # what `flask attendance calendars` fills: nothing
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WeeklySlot)) == 10


def test_weekly_pattern_refusals(app: Flask, client, world) -> None:
    _login(client, "manager@example.org")
    url = f"/cohorts/{world.cohort_id}/calendar/pattern"
    form = _pattern_form(client, world)
    held = [key for key in form if key.startswith("held_")]
    response = client.post(url, data={key: value for key, value in form.items() if key not in held})
    assert response.status_code == 200 and "Cochez au moins une demi-journée." in response.text
    response = client.post(url, data=form | {"ends_1_am": "08:00", "confirmed": "yes"})
    assert "La fin doit venir après le début." in response.text
    response = client.post(url, data=form | {"starts_3_pm": "", "confirmed": "yes"})
    assert "Indiquez l&#39;heure." in response.text or "Indiquez l'heure." in response.text
    assert _audits(app, "weekly_pattern") == []
    trainer = app.test_client()
    _login(trainer, "trainer@example.org")
    assert trainer.get(url).status_code == 404


# Closures


def test_closures_add_then_delete(app: Flask, client, world) -> None:
    _generate(app, world.cohort_id)
    _generate(app, world.other_cohort_id)
    _login(client, "manager@example.org")
    before = {cohort: len(_sessions(app, cohort)) for cohort in (world.cohort_id, world.other_cohort_id)}
    form = page_form(client, "/closures/")
    form |= {"label": "Noël", "first_day": "2026-12-21", "last_day": "2027-01-01", "cohort": ""}
    response = client.post("/closures/", data=form)
    assert response.status_code == 302
    # 2 cohorts × 8 days (without 25 December and 1 January) × 2
    assert "Fermeture ajoutée : 32 demi-journées retirées du calendrier." in client.get("/closures/").text
    # today's half-day of a closure in progress stays (from tomorrow only), and so do those with records
    form |= {"label": "Travaux", "first_day": "2026-11-16", "last_day": "2026-11-17", "cohort": str(world.cohort_id)}
    client.post("/closures/", data=form)
    page = client.get("/closures/").text
    assert "Fermeture ajoutée : 2 demi-journées retirées du calendrier." in page
    after = _sessions(app, world.cohort_id)
    assert (date(2026, 11, 16), PM) in after and (date(2026, 11, 17), AM) not in after
    assert len(after) == before[world.cohort_id] - 16 - 2
    assert _generate(app, world.cohort_id) == 0  # the closures hold
    with app.app_context():
        christmas = db.session.scalar(sa.select(Closure.id).where(Closure.label == "Noël"))
    token = csrf_token(client, "/closures/")
    deleted = client.post(f"/closures/{christmas}/delete", data={"csrf_token": token})
    page = client.get(deleted.headers["Location"]).text
    assert "Fermeture supprimée : 32 demi-journées remises au calendrier." in page
    assert len(_sessions(app, world.other_cohort_id)) == before[world.other_cohort_id]
    assert [event.action for event in _audits(app, "closure")] == ["create", "create", "delete"]
    assert client.post(f"/closures/{christmas}/delete", data={"csrf_token": token}).status_code == 404


def test_closure_form_refusals(app: Flask, client, world) -> None:
    _login(client, "manager@example.org")
    form = page_form(client, "/closures/") | {"label": "", "first_day": "2026-12-21", "last_day": "2026-12-01"}
    response = client.post("/closures/", data=form)
    assert "Indiquez un intitulé." in response.text
    assert "Le dernier jour ne peut pas précéder le premier." in response.text
    response = client.post("/closures/", data=form | {"label": "x", "last_day": "2026-12-22", "cohort": "999"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Closure)) == 0


# A cohort's creation and dates


def test_a_cohort_created_on_the_page_or_the_command_line_gets_its_calendar(app: Flask, client, runner, world) -> None:
    _login(client, "manager@example.org")
    form = page_form(client, "/cohorts/new")
    form |= {"name": "Mende 2027", "site": "Mende", "start_date": "2027-01-04", "end_date": "2027-01-15"}
    assert client.post("/cohorts/new", data=form).status_code == 302
    result = runner.invoke(args=["cohorts", "create", "Rodez 2027", "--site", "Rodez", "--start", "2027-01-04",
                                 "--end", "2027-01-08"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        ids = dict(db.session.execute(sa.select(Cohort.name, Cohort.id).where(Cohort.name.like("% 2027"))).all())
    assert len(_sessions(app, ids["Mende 2027"])) == 2 * 10
    assert len(_sessions(app, ids["Rodez 2027"])) == 2 * 5
    assert {event.entity_id for event in _audits(app, "calendar")} == set(ids.values())


def test_new_dates_add_the_new_days_and_keep_those_with_records(app: Flask, client, world) -> None:
    _generate(app, world.cohort_id)
    _login(client, "manager@example.org")
    url = f"/cohorts/{world.cohort_id}/edit"
    form = page_form(client, url) | {"start_date": "2026-11-23", "end_date": "2027-07-09"}
    response = client.post(url, data=form)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "1 demi-journée hors des nouvelles dates est gardée : elle a déjà des présences saisies." in page
    sessions = _sessions(app, world.cohort_id)
    assert min(sessions) == (WORLD_DAY, AM)  # kept: it holds a record
    assert (date(2026, 11, 16), PM) not in sessions and (date(2026, 11, 23), AM) in sessions
    assert (date(2027, 7, 9), PM) in sessions and (date(2027, 7, 6), AM) in sessions
    [event] = [event for event in _audits(app, "calendar") if event.action == "dates"]
    assert event.after["added"] == 8 and event.after["kept"] == 1


# flask attendance calendars


def test_flask_attendance_calendars(app: Flask, runner, world) -> None:
    _generate(app, world.other_cohort_id)
    with app.app_context():
        db.session.execute(sa.delete(AttendanceSession).where(AttendanceSession.day == date(2027, 1, 4)))
        db.session.commit()
    result = runner.invoke(args=["attendance", "calendars"])
    assert result.exit_code == 0, result.output
    mine = len(_sessions(app, world.cohort_id))
    # the world's cohort had one half-day: its future ones (from tomorrow) are made; the other gets its 4 January
    assert result.output == f"Calendars: {mine - 1 + 2} half-days created for 2 cohorts.\n"
    assert (date(2027, 1, 4), PM) in _sessions(app, world.other_cohort_id)
    assert min(day for day, _half_day in _sessions(app, world.cohort_id) if day != WORLD_DAY) == date(2026, 11, 17)
    assert runner.invoke(args=["attendance", "calendars"]).output == "Calendars: 0 half-days created for 0 cohorts.\n"
    # a cohort without any half-day gets the whole of it
    cohort_id = _new_cohort(app, date(2026, 9, 7), date(2026, 9, 11))
    assert runner.invoke(args=["attendance", "calendars"]).output == "Calendars: 10 half-days created for 1 cohort.\n"
    assert len(_sessions(app, cohort_id)) == len(DEFAULT_PATTERN)
