"""Several processes at once: gunicorn with 3 workers, 200 concurrent grade updates and outcome records.

Every request must either succeed or be refused as a version conflict, and the database must hold exactly
what the successful ones wrote (checked against the audit trail, which each successful write extends).
"""

import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import AuditEvent, Cohort, EnrolmentStatus, Grade, Outcome

from . import factories
from .races import Browser, Server

REQUESTS = 200
THREADS = 12


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

    server = Server(database_uri, tmp_path, workers=3)
    base = server.base
    local = threading.local()
    results: list[tuple[str, object, str, str]] = []  # (kind, key, value, outcome)
    lock = threading.Lock()

    def browser() -> Browser:
        if not hasattr(local, "trainer"):
            local.trainer, local.manager = Browser(base), Browser(base)
            assert local.trainer.login("trainer@example.org") == 302
            assert local.manager.login("manager@example.org") == 302
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
        server.stop()
    errors = server.errors()
    assert "database is locked" not in errors and "Traceback" not in errors, errors[-3000:]
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
