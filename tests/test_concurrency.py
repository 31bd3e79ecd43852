"""Several processes at once: gunicorn with 3 workers, 200 concurrent grade updates and outcome records.

Every request must either succeed or be refused as a version conflict, and the database must hold exactly
what the successful ones wrote (checked against the audit trail, which each successful write extends).
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from html import unescape
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import AuditEvent, Cohort, EnrolmentStatus, Grade, Outcome

from . import factories
from .conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 200
THREADS = 12


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Browser:
    """One person's session: cookies, and the fields of the last form seen."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def form(self, path: str) -> dict[str, str]:
        status, page = self.request(path)
        assert status == 200, (path, status)
        main = page[: page.index("</main>")]  # not the footer's language switch
        last = main[main.rindex("<form") :]
        fields = {
            name: unescape(value) for name, value in re.findall(r'name="([^"]+)" type="hidden" value="([^"]*)"', last)
        }
        fields |= {
            name: unescape(value)
            for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', last)
            if name not in fields
        }
        for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', last, re.S):
            selected = re.search(r'<option selected value="([^"]*)"', options)
            fields[name] = selected.group(1) if selected else ""
        for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', last, re.S):
            fields[name] = unescape(text.lstrip("\n"))
        return fields

    def login(self, email: str) -> None:
        fields = self.form("/login")
        status, _page = self.request("/login", fields | {"email": email, "password": PASSWORD})
        assert status == 302, status


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_gunicorn(database_uri: str, tmp_path: Path) -> tuple[subprocess.Popen, str]:
    settings = tmp_path / "settings.py"
    settings.write_text('SECRET_KEY = "concurrency-test"\nPASSWORD_HASH_PROFILE = "CHEAPEST"\n')
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": database_uri,
        "BOOTCAMP_SETTINGS": str(settings),
        "PORT": str(port),
        "WORKERS": "3",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with urllib.request.urlopen(base + "/login", timeout=1):
                return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("gunicorn did not start: " + process.stderr.read().decode()[-2000:])


def test_concurrent_writes_under_gunicorn(app: Flask, world, tmp_path: Path) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        learners = [factories.learner(cohort) for _ in range(9)]
        leavers = learners[:5]
        for learner in leavers:
            learner.enrolments[0].status, learner.enrolments[0].exit_date = EnrolmentStatus.FINISHED, date(2026, 11, 2)
        db.session.commit()
        learner_ids = [world.learner_id] + [learner.id for learner in learners]
        leaver_enrolments = [learner.enrolments[0].id for learner in leavers]
        database_uri = app.config["SQLALCHEMY_DATABASE_URI"]

    process, base = _start_gunicorn(database_uri, tmp_path)
    local = threading.local()
    results: list[tuple[str, object, str, str]] = []  # (kind, key, value, outcome)
    lock = threading.Lock()

    def browser() -> Browser:
        if not hasattr(local, "trainer"):
            local.trainer, local.manager = Browser(base), Browser(base)
            local.trainer.login("trainer@example.org")
            local.manager.login("manager@example.org")
        return local

    def task(number: int) -> None:
        people = browser()
        if number % 2:
            learner = learner_ids[number % len(learner_ids)]
            value = f"{number / 10:.1f}"  # a score of its own for every request
            path = f"/projects/{world.project_id}/grades"
            fields = people.trainer.form(path)
            status, page = people.trainer.request(
                path, fields | {f"score_{learner}": value, f"status_{learner}": "submitted"}
            )
            conflict = "modifiées par quelqu'un d'autre" in page or "au même instant" in page
            entry = ("grade", learner, f"{float(value):g}")
        else:
            enrolment = leaver_enrolments[number % len(leaver_enrolments)]
            point = (0, 3)[number % 4 // 2]
            value = f"Employeur {number}"
            path = f"/outcomes/{enrolment}/{point}"
            fields = people.manager.form(path)
            status, page = people.manager.request(path, fields | {"situation": "cdi", "employer": value})
            conflict = "a saisi cette situation" in page
            entry = ("outcome", (enrolment, point), value)
        outcome = "ok" if status == 302 else "conflict" if status == 200 and conflict else f"failed {status}"
        with lock:
            results.append((*entry, outcome))

    try:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            list(pool.map(task, range(REQUESTS)))
    finally:
        process.terminate()
        _out, errors = process.communicate(timeout=30)
    assert b"database is locked" not in errors and b"Traceback" not in errors, errors.decode()[-3000:]
    assert len(results) == REQUESTS
    assert all(outcome in ("ok", "conflict") for *_entry, outcome in results), [
        r for r in results if r[3] not in ("ok", "conflict")
    ]
    successes: dict[tuple, list[str]] = defaultdict(list)
    for kind, key, value, outcome in results:
        if outcome == "ok":
            successes[(kind, key)].append(value)
    assert sum(len(values) for values in successes.values()) > REQUESTS // 2  # most of them got through
    print("outcomes:", {o: sum(1 for r in results if r[3] == o) for o in ("ok", "conflict")})

    with app.app_context():
        for (kind, key), values in successes.items():
            if kind == "grade":
                events = db.session.scalars(
                    sa.select(AuditEvent)
                    .where(AuditEvent.entity == "grade", AuditEvent.learner_id == key)
                    .order_by(AuditEvent.id)
                ).all()
                written = [f"{float(event.after['score']):g}" for event in events]
                grade = db.session.scalars(sa.select(Grade).where(Grade.learner_id == key)).one()
                assert f"{float(grade.score):g}" == written[-1]
                assert grade.version == len(events)
            else:
                enrolment, point = key
                outcome = db.session.scalars(
                    sa.select(Outcome).where(Outcome.enrolment_id == enrolment, Outcome.point == point)
                ).one()
                events = db.session.scalars(
                    sa.select(AuditEvent)
                    .where(AuditEvent.entity == "outcome", AuditEvent.entity_id == outcome.id)
                    .order_by(AuditEvent.id)
                ).all()
                written = [event.after["employer"] for event in events]
                assert outcome.employer == written[-1] and outcome.version == len(events)
            # Every successful request wrote once, and nothing else was written.
            assert sorted(written) == sorted(values), (kind, key)
