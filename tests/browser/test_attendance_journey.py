"""Issue 15's « Done when », in Chromium: as trainer@example.org on a phone-sized window, open today's half-day and
read its code; learner@example.org signs with it in another browser; the trainer marks another learner absent and
saves; the month view, the learner's page, the cohort's CSV and the dashboard's export all show it."""

import csv
import io
import re
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from bootcamp import create_app, dates
from bootcamp.extensions import db
from bootcamp.models import AttendanceSession, Enrolment, EnrolmentStatus, HalfDay, Learner, User

from .conftest import login, screenshot

PHONE = {"width": 360, "height": 780}


def _half_day_running_now(server) -> dict:
    """Today's afternoon of the trainer's demo cohort, moved to run now (gunicorn reads the real clock): its
    learners, and another learner in training than learner@example.org."""
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{server.database}", "SECRET_KEY": "browser-tests"}
    )
    now = dates.now().replace(second=0, microsecond=0)
    starts = max(datetime.combine(now.date(), time()), now - timedelta(hours=1)).time()
    ends = min(now + timedelta(hours=2), datetime.combine(now.date(), time(23, 59))).time()
    with app.app_context():
        learner = db.session.scalars(sa.select(User).where(User.email == "learner@example.org")).one().learner
        cohort_id = learner.enrolments[0].cohort_id
        session = db.session.scalars(
            sa.select(AttendanceSession).where(
                AttendanceSession.cohort_id == cohort_id,
                AttendanceSession.day == now.date(),
                AttendanceSession.half_day == HalfDay.PM,
            )
        ).one()
        assert not session.records, "the demo leaves today's half-days untaken"
        session.starts_at, session.ends_at = starts, ends
        # the morning, if its window holds now (the suite run between 8:45 and 12:30), would be the half-day the
        # learner signs (the first whose window holds now): it takes the first minute of the day instead
        morning = db.session.scalars(
            sa.select(AttendanceSession).where(
                AttendanceSession.cohort_id == cohort_id,
                AttendanceSession.day == now.date(),
                AttendanceSession.half_day == HalfDay.AM,
            )
        ).one_or_none()
        if morning is not None and morning.ends_at >= starts:
            morning.starts_at, morning.ends_at = time(0, 0), time(0, 1)
        session.planned_minutes = (ends.hour * 60 + ends.minute) - (starts.hour * 60 + starts.minute)
        other = db.session.scalars(
            sa.select(Learner)
            .join(Enrolment, Enrolment.learner_id == Learner.id)
            .where(
                Enrolment.cohort_id == cohort_id,
                Enrolment.status == EnrolmentStatus.IN_TRAINING,
                Learner.id != learner.id,
            )
            .order_by(Learner.last_name)
            .limit(1)
        ).one()
        made = {
            "cohort": cohort_id,
            "day": now.date().isoformat(),
            "code": session.code,
            "other": f"{other.last_name} {other.first_name}",
            "other_first": other.first_name,
            "learner": f"{learner.last_name} {learner.first_name}",
        }
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return made


def _csv(page, url: str) -> list[dict[str, str]]:
    response = page.request.get(url)
    assert response.status == 200, url
    return list(csv.DictReader(io.StringIO(response.text())))


def test_a_trainer_takes_the_roll_on_a_phone_while_a_learner_signs(page, browser, server) -> None:
    running = _half_day_running_now(server)
    cohort, day = running["cohort"], running["day"]
    roll_call = f"/cohorts/{cohort}/attendance/{day}/pm"
    manager = browser.new_context(base_url=server.url, locale="fr-FR")
    dashboard = manager.new_page()
    login(dashboard, "manager@example.org")
    export = f"/attendance/export.csv?by=gender&from={day}&to={day}"
    before = _csv(dashboard, export)

    page.set_viewport_size(PHONE)
    login(page, "trainer@example.org")
    page.goto(f"/cohorts/{cohort}/attendance")
    page.locator(f'a[href="{roll_call}"]').first.click()
    expect(page).to_have_url(re.compile(f"{roll_call}$"))
    expect(page.get_by_text(running["code"])).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "attendance-roll-call-phone")

    learner = browser.new_context(base_url=server.url, locale="fr-FR", viewport=PHONE)
    mine = learner.new_page()
    login(mine, "learner@example.org")
    mine.goto("/me/attendance")
    mine.get_by_label("Code de la demi-journée").fill(running["code"])
    mine.get_by_role("button", name="Signer ma présence").click()
    expect(mine.get_by_text(re.compile(r"Présence signée à \d+ h \d+"))).to_be_visible()
    screenshot(mine, "attendance-learner-signed-phone")

    page.reload()  # the trainer sees the signature
    card = page.locator("fieldset").filter(has_text=running["learner"]).first
    expect(card.locator(".signature")).to_contain_text(re.compile(r"a signé à \d+ h \d+"))
    other = page.locator("fieldset").filter(has_text=running["other"]).first
    other.get_by_label("absent·e", exact=True).check()
    page.get_by_role("button", name="Enregistrer l'appel").click()
    expect(page.locator(".flash")).to_be_visible()

    page.goto(f"/cohorts/{cohort}/attendance?month={day[:7]}")
    row = page.locator("tr").filter(has_text=running["other"]).first
    expect(row.locator("td.mark-unjustified").first).to_be_visible()
    screenshot(page, "attendance-month-phone")

    month = _csv(page, f"/cohorts/{cohort}/attendance/export.csv?month={day[:7]}")
    other_row = next(line for line in month if line["first_name"] == running["other_first"])
    assert float(other_row["unjustified_absence_hours"]) > 0

    mine.reload()
    expect(mine.locator("main")).to_contain_text("Mes présences")
    after = _csv(dashboard, export)
    assert float(after[0]["planned_hours"]) > float(before[0]["planned_hours"] or 0)
    assert float(after[0]["unjustified_absence_hours"]) > float(before[0]["unjustified_absence_hours"] or 0)
    learner.close()
    manager.close()
