"""`make bench` (imports): 10,000 learners then their 10,000 follow-ups, by the command line and by the web.

Each import runs on a fresh SQLite database (or BENCH_DATABASE_URL's PostgreSQL, emptied first) holding one
cohort and one manager; the web import is timed with the test client (upload and preview, then confirm).
Prints seconds per step. Not a test: figures for people to read. `--profile` prints a cProfile of the CLI
import of learners.
"""

import cProfile
import io
import pstats
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from html import unescape
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bootcamp import create_app  # noqa: E402
from bootcamp.extensions import db  # noqa: E402
from bootcamp.models import Cohort, Programme, Role, Site, User  # noqa: E402
from bootcamp.passwords import hash_password  # noqa: E402

ROWS = 10_000
COHORT = "Bench 2024"
HEADER = "email,first_name,last_name,gender,birth_date,postal_code,diploma,flags,referrer,status,exit_date\n"


def learners_csv(rows: int = ROWS) -> bytes:
    lines = [
        f"p{n}@example.net,Prénom{n},Nom{n},{'female' if n % 3 else 'male'},1990-01-{n % 28 + 1:02d},48000,bac,"
        f"qpv|jobseeker,france_travail,finished,2025-06-30\n"
        for n in range(rows)
    ]
    return (HEADER + "".join(lines)).encode()


def outcomes_csv(rows: int = ROWS) -> bytes:
    lines = [f"p{n}@example.net,0,cdi,Entreprise {n},Développeur·se,yes,2025-09-01\n" for n in range(rows)]
    return ("email,point,situation,employer,job_title,digital,start_date\n" + "".join(lines)).encode()


def fresh_app(template: Path, workdir: Path):
    path = workdir / f"bench-{time.monotonic_ns()}.sqlite"
    shutil.copy(template, path)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "bench",
            "PASSWORD_HASH_PROFILE": "CHEAPEST",
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        programme = db.session.scalars(sa.select(Programme).where(Programme.rncp_code == "RNCP37674")).one()
        db.session.add(
            Cohort(
                name=COHORT,
                site=Site(name="Mende"),
                programme=programme,
                start_date=date(2024, 9, 2),
                end_date=date(2025, 6, 30),
            )
        )
        db.session.add(
            User(email="manager@example.org", role=Role.MANAGER, name="M", password_hash=hash_password("bench-pass"))
        )
        db.session.commit()
    return app


def migrated(workdir: Path) -> Path:
    from flask_migrate import upgrade

    path = workdir / "template.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


def timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def cli(app, workdir: Path, kind: str, content: bytes) -> None:
    path = workdir / f"{kind}.csv"
    path.write_bytes(content)
    args = ["import", kind, str(path)] + (["--cohort", COHORT] if kind == "learners" else [])
    result = app.test_cli_runner().invoke(args=args)
    if result.exit_code != 0:
        raise SystemExit(f"CLI import of {kind} failed: {result.output[-500:]}")


def web(app, kind: str, content: bytes) -> tuple[float, float]:
    """Seconds for the preview and for the confirmation."""
    client = app.test_client()
    client.post("/login", data={"email": "manager@example.org", "password": "bench-pass"})
    with app.app_context():
        cohort_id = db.session.scalar(sa.select(Cohort.id).where(Cohort.name == COHORT))
    url = f"/cohorts/{cohort_id}/import" if kind == "learners" else "/outcomes/import"
    started = time.perf_counter()
    preview = client.post(url, data={"file": (io.BytesIO(content), f"{kind}.csv")}, content_type="multipart/form-data")
    previewed = time.perf_counter() - started
    hidden = r'<input id="(?:confirm-)?(content|digest)" name="\1" type="hidden" value="([^"]*)"'
    fields = dict(re.findall(hidden, preview.text))
    if len(fields) != 2:
        raise SystemExit(f"web preview of {kind} refused ({preview.status_code})")
    started = time.perf_counter()
    done = client.post(url, data={key: unescape(value) for key, value in fields.items()})
    confirmed = time.perf_counter() - started
    if "Import terminé" not in done.text:
        raise SystemExit(f"web import of {kind} failed ({done.status_code})")
    return previewed, confirmed


def main() -> None:
    profile = "--profile" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        template = migrated(workdir)
        learners, outcomes = learners_csv(), outcomes_csv()
        app = fresh_app(template, workdir)
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
        cli_learners = timed(lambda: cli(app, workdir, "learners", learners))
        if profile:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        cli_outcomes = timed(lambda: cli(app, workdir, "outcomes", outcomes))
        again = timed(lambda: cli(app, workdir, "learners", learners))
        changed = timed(lambda: cli(app, workdir, "learners", learners.replace(b",Nom", b",Autre")))
        app = fresh_app(template, workdir)
        web_learners = web(app, "learners", learners)
        web_outcomes = web(app, "outcomes", outcomes)
    print(f"{ROWS:,} rows, SQLite, seconds")
    print(f"  CLI  learners: {cli_learners:6.2f}   (again, unchanged: {again:.2f}; every row changed: {changed:.2f})")
    print(f"  CLI  outcomes: {cli_outcomes:6.2f}")
    print(f"  web  learners: preview {web_learners[0]:6.2f}, confirm {web_learners[1]:6.2f}")
    print(f"  web  outcomes: preview {web_outcomes[0]:6.2f}, confirm {web_outcomes[1]:6.2f}")


if __name__ == "__main__":
    main()
