"""`make races`: the concurrency figures of issue 12, rerun on SQLite and on PostgreSQL, printed as a table.

For each database: a fresh migrated database with the test world, gunicorn with 3, 6 and 9 workers, and the
races of tests/races.py (the same harness as tests/test_races.py): 20 saves of one grid cell from one
snapshot, 20 saves of one follow-up from one form, 20 saves of one roll call from one snapshot, 164 logins at
once with the real password hash, 20 wrong passwords at once for one account. Prints attempted / saved /
refused / lost / 5xx for each run. Not a test: figures for people to read (the tests assert the rules).
PostgreSQL: TEST_DATABASE_URL, or the local server.
"""

import os
import sys
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa
from argon2 import PasswordHasher, profiles

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bootcamp import create_app  # noqa: E402
from bootcamp.extensions import db  # noqa: E402
from bootcamp.models import (  # noqa: E402
    AttendanceSession,
    Cohort,
    CompetencyAssessment,
    EnrolmentStatus,
    LoginAttempt,
    Outcome,
    Role,
    User,
)
from tests import factories, races  # noqa: E402

RUNS = int(os.environ.get("RACE_RUNS", "3"))
LOGINS = 164


def postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "postgresql://root@127.0.0.1:5432/test")
    url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        with sa.create_engine(url, poolclass=sa.pool.NullPool).connect():
            return url
    except Exception as error:  # noqa: BLE001 - any reason: say it and go on with SQLite
        print(f"PostgreSQL not reached ({type(error).__name__}): SQLite only.")
        return None


def prepare(uri: str) -> tuple:
    """Migrate, then the test world, a leaver per follow-up race and the login accounts."""
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "races", "PASSWORD_HASH_PROFILE": "CHEAPEST"})
    with app.app_context():
        upgrade()
        world = factories.make_world(races.PASSWORD)
        cohort = db.session.get(Cohort, world.cohort_id)
        leavers = []
        for _ in range(RUNS * 3):
            enrolment = factories.learner(cohort).enrolments[0]
            enrolment.status, enrolment.exit_date = EnrolmentStatus.FINISHED, cohort.end_date
            leavers.append(enrolment)
        hashed = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY).hash(races.PASSWORD)
        emails = [f"person{n}@example.org" for n in range(LOGINS)]
        db.session.execute(
            sa.insert(User), [{"email": e, "name": e, "role": Role.TRAINER, "password_hash": hashed} for e in emails]
        )
        db.session.commit()
        return app, world, [enrolment.id for enrolment in leavers], emails


def run_all(name: str, uri: str, folder: Path) -> list[races.Tally]:
    app, world, leavers, emails = prepare(uri)
    tallies = []
    for workers in (3, 6, 9):
        with races.Server(uri, folder, workers=workers, hash_profile="RFC_9106_LOW_MEMORY") as server:
            for run in range(RUNS):
                cell = (world.learner_id, world.competency_id)
                with app.app_context():
                    seen = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(CompetencyAssessment.id), 0)))

                def grid_saved(seen: int = seen) -> int:
                    with app.app_context():
                        return db.session.scalar(
                            sa.select(sa.func.count()).where(
                                CompetencyAssessment.id > seen,
                                CompetencyAssessment.learner_id == cell[0],
                                CompetencyAssessment.competency_id == cell[1],
                            )
                        )

                enrolment = leavers[(workers // 3 - 1) * RUNS + run]

                def outcome_saved(enrolment: int = enrolment) -> int:
                    with app.app_context():
                        outcome = db.session.scalar(sa.select(Outcome).where(Outcome.enrolment_id == enrolment))
                        return 0 if outcome is None else outcome.version

                with app.app_context():
                    before = db.session.get(AttendanceSession, world.session_id).version

                def roll_call_saved(before: int = before) -> int:
                    with app.app_context():
                        return db.session.get(AttendanceSession, world.session_id).version - before

                roll_call = f"/cohorts/{world.cohort_id}/attendance/{factories.WORLD_DAY.isoformat()}/am"
                found = [
                    races.grid_same_cell(server.base, world.emails["trainer"], world.cohort_id, cell, 20, grid_saved),
                    races.outcome_same_point(server.base, world.emails["manager"], enrolment, 0, 20, outcome_saved),
                    races.roll_call_same_snapshot(
                        server.base, world.emails["trainer"], roll_call, [world.enrolment_id], 20, roll_call_saved
                    )[0],
                ]
                if run == 0:
                    found.append(races.logins(server.base, emails))
                    found.append(races.guesses(server.base, f"guess{workers}@example.org", 20))
                    with app.app_context():  # or the address's own limit (30 failures) refuses the next logins
                        db.session.execute(sa.delete(LoginAttempt))
                        db.session.commit()
                for tally in found:
                    tally.name = f"{name}, {workers} workers: {tally.name}"
                    print(tally.row(), flush=True)
                tallies.extend(found)
            locked = server.errors().count("database is locked")
            if locked:
                print(f"  « database is locked » in gunicorn's log: {locked}")
    return tallies


def main() -> None:
    print(races.HEADER)
    with tempfile.TemporaryDirectory() as folder:
        tallies = run_all("SQLite", f"sqlite:///{Path(folder) / 'races.sqlite'}", Path(folder))
        url = postgres_url()
        if url:
            name = f"bootcamp_races_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            try:
                database = sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
                tallies += run_all("PostgreSQL", database, Path(folder))
            finally:
                with admin.connect() as connection:
                    connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    bad = [t for t in tallies if t.lost or t.server_errors or t.other or t.unanswered]
    print(f"\n{len(tallies)} races, {sum(t.attempted for t in tallies)} requests; "
          f"lost {sum(t.lost for t in tallies)}, 5xx {sum(t.server_errors for t in tallies)}, "
          f"unanswered {sum(t.unanswered for t in tallies)}, "
          f"other answers {sum(len(t.other) for t in tallies)}" + ("" if not bad else f" — in {len(bad)} races"))


if __name__ == "__main__":
    main()
