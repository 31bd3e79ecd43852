"""`make bench`: a ten-year programme in a fresh SQLite database, the main pages under gunicorn, measured.

Builds 20 sites x 10 years x 2 cohorts x 15 learners = 6,000 learners with the demo generator (with their
attendance: about 2 million roll-call records, bootcamp/demo_attendance.py), starts gunicorn with 2 workers on
127.0.0.1, and runs wrk (bounded: 2 threads, 8 connections, a few seconds each) against every main page and
/healthz, the attendance month view and the dashboard's attendance page included. The floor is a bare Flask app
that answers « ok » (bench/bare.py) under the same gunicorn settings, measured in the same run before and after
the pages: every page is given as a share of it. The attendance pages' slowest SQL statement is shown with its
query plan (EXPLAIN), to check that the indexes serve it. Prints a table and writes bench/results.md. Not a test:
figures for people to read.
"""

import os
import platform
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from http.cookiejar import CookieJar
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bootcamp import cache, create_app  # noqa: E402
from bootcamp.demo import DemoOptions, load_demo  # noqa: E402
from bootcamp.extensions import db  # noqa: E402
from bootcamp.models import AttendanceSession, Cohort, Project  # noqa: E402

SITES, YEARS, PER_COHORT = 20, 10, 15
DURATION = os.environ.get("BENCH_DURATION", "8s")
BARE = "bench.bare:app"  # the floor: Flask alone
FLOOR = "bare Flask « ok »"
# Goals (issue 13), as shares of the floor: every kept page, and /healthz (what every request pays).
PAGE_GOAL, HEALTH_GOAL = 0.1, 0.8


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build(database_uri: str) -> tuple[float, dict]:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "bench", "PASSWORD_HASH_PROFILE": "CHEAPEST"}
    )
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        started = time.perf_counter()
        counts = load_demo(DemoOptions(seed=1, sites=SITES, years=YEARS, learners_per_cohort=PER_COHORT))
        seconds = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":  # the planner's statistics after a bulk load, as autovacuum would
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        cohort = db.session.scalar(
            sa.select(Cohort).where(Cohort.name.like("Mende%")).order_by(Cohort.start_date.desc())
        )
        project = db.session.scalar(
            sa.select(Project.id).where(Project.cohort_id == cohort.id).order_by(Project.due_date)
        )
        ids = {"cohort": cohort.id, "project": project, "year": date.today().year - 1, "month": busy_month(cohort)}
        db.engine.dispose()
    return seconds, counts | ids


def busy_month(cohort: Cohort) -> str:
    """The month the month view is measured on: the last whole month the cohort's roll calls cover (YYYY-MM)."""
    last_taken = db.session.scalar(
        sa.select(sa.func.max(AttendanceSession.day)).where(
            AttendanceSession.cohort_id == cohort.id, AttendanceSession.day < date.today()
        )
    )
    shown = (last_taken or cohort.start_date).replace(day=1) - timedelta(days=1)
    return max(shown, cohort.start_date).strftime("%Y-%m")


@dataclass
class Slowest:
    """A page's slowest SQL statement, first render: its time and its query plan."""

    ms: float
    statement: str
    plan: list[str]


@dataclass
class InProcess:
    cold_ms: float  # the first request after a write: everything computed
    cold_queries: int
    warm_queries: int  # the next ones: the page kept since (bootcamp/cache.py)
    html_bytes: int
    compressed_bytes: int
    slowest: Slowest | None = None


def in_process(database_uri: str, pages: list[tuple[str, str]]) -> dict[str, InProcess]:
    """SQL statements, time and size of each page, cold and warm, measured in-process with the test client; for the
    attendance pages, the slowest statement of the first render and its query plan."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "SECRET_KEY": "bench",
            "PASSWORD_HASH_PROFILE": "CHEAPEST",
            "WTF_CSRF_ENABLED": False,
        }
    )
    statements: list[tuple[float, str, object]] = []  # (ms, statement, parameters)
    started: list[float] = []

    def before(_conn, _cursor, statement, *_args) -> None:
        started.append(time.perf_counter())

    def after(_conn, _cursor, statement, parameters, *_args) -> None:
        spent = (time.perf_counter() - started.pop()) * 1000
        if not statement.startswith("BEGIN"):
            statements.append((spent, statement, parameters))

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", before)
        sa.event.listen(db.engine, "after_cursor_execute", after)
    results, clients = {}, {}
    for who, path in pages:
        if who not in clients:
            clients[who] = app.test_client()
            if who != "anonymous":
                clients[who].post("/login", data={"email": f"{who}@example.org", "password": "demo-bootcamp"})
        clients[who].get(path)  # imports, connections, template compilation
        cold = []
        for _ in range(3):
            cache.store.clear()
            statements.clear()
            started_at = time.perf_counter()
            response = clients[who].get(path)
            cold.append(time.perf_counter() - started_at)
        cold_queries, slowest = len(statements), max(statements, default=None, key=lambda item: item[0])
        statements.clear()
        clients[who].get(path)
        warm_queries = len(statements)
        compressed = clients[who].get(path, headers={"Accept-Encoding": "gzip, br"})
        explained = explain(app, *slowest) if slowest and "/attendance" in path else None
        results[path] = InProcess(
            sorted(cold)[1] * 1000, cold_queries, warm_queries, len(response.data), len(compressed.data), explained
        )
    with app.app_context():
        db.engine.dispose()
    return results


PLAN_LINES = 16  # a plan's first steps (the outer loop, where an index is used or not), and its last line


def explain(app, ms: float, statement: str, parameters: object) -> Slowest:
    """The query plan of a statement as the page ran it: EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on
    PostgreSQL (which runs it again and gives each step's time)."""
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            postgres = db.engine.dialect.name == "postgresql"
            cursor.execute(("EXPLAIN ANALYZE " if postgres else "EXPLAIN QUERY PLAN ") + statement, parameters)
            plan = [row[0] if postgres else row[-1] for row in cursor.fetchall()]
            if postgres:  # the steps that read rows, and the total
                plan = [line for line in plan if re.search(r"Scan|Join|Nested Loop|Execution Time", line)]
            if len(plan) > PLAN_LINES:
                plan = [*plan[: PLAN_LINES - 1], f"... ({len(plan) - PLAN_LINES + 1} more steps)", plan[-1]]
        finally:
            connection.close()
    return Slowest(ms, " ".join(statement.split()), plan)


def session_cookie(base: str, email: str) -> str:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"email": email, "password": "demo-bootcamp", "csrf_token": token}).encode()
    opener.open(base + "/login", data)
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def wrk(url: str, cookie: str, connections: int = 8) -> tuple[float, float, float]:
    """Requests per second, median and 99th-percentile latency in ms."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{DURATION}", "--latency", "-H", "Accept-Encoding: gzip, br", url]
    args += ["-H", f"Cookie: {cookie}"] if cookie else []
    output = subprocess.run(args, capture_output=True, text=True, timeout=120).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    if "Non-2xx" in output:
        raise RuntimeError(f"{url} answered errors:\n{output}")
    return rps, ms("50%"), ms("99%")


def serve_and_measure(
    database_uri: str, settings: Path, pages: list[tuple[str, str]], application: str = "wsgi:app"
) -> list[tuple]:
    """gunicorn (2 workers, gunicorn.conf.py) serving `application` on the database, wrk on each page: (path,
    req/s, p50 ms, p99 ms, p50 ms and p99 ms with 2 connections) rows. With 8 connections on 2 workers a
    request waits for about three others: the latency measured with 2 (one a worker) is the page's own."""
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_uri,
        "BOOTCAMP_SETTINGS": str(settings),
        "PORT": str(port),
        "WORKERS": "2",
        "BASE_URL": f"http://127.0.0.1:{port}",  # required outside tests
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null"]
        + [application],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + pages[0][1], timeout=1)  # nosec B310 - our own loopback server
                break
            except OSError:
                time.sleep(0.1)
        cookies = {who: session_cookie(base, f"{who}@example.org") for who, _path in pages if who != "anonymous"}
        for who, path in pages:
            rps, median, p99 = wrk(base + path, cookies.get(who, ""))
            _rps, own_median, own_p99 = wrk(base + path, cookies.get(who, ""), connections=2)
            name = FLOOR if application == BARE else path
            rows.append((name, rps, median, p99, own_median, own_p99))
            print(
                f"  {name:40} {rps:8.0f} req/s  p50 {median:6.1f} ms  p99 {p99:6.1f} ms  "
                f"(2 connections: p50 {own_median:5.1f} ms, p99 {own_p99:5.1f} ms)",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


def with_floor(database_uri: str, settings: Path, pages: list[tuple[str, str]]) -> tuple[list[tuple], list[float]]:
    """The bare Flask app, the pages, then the bare app again, under the same gunicorn: the rows with the floor
    first (its mean req/s of the two runs, so that a machine busier at the start or at the end shows), and
    the two measures of the floor."""
    floor = [serve_and_measure(database_uri, settings, [("anonymous", "/")], BARE)[0]]
    rows = serve_and_measure(database_uri, settings, pages)
    floor += serve_and_measure(database_uri, settings, [("anonymous", "/")], BARE)
    mean = tuple(sum(values) / len(values) for values in list(zip(*floor))[1:])
    return [(FLOOR, *mean), *rows], [row[1] for row in floor]


def attendance_pages(data: dict) -> list[tuple[str, str]]:
    """The month view of the trainer's cohort in training (a whole month of roll calls), and the dashboard's
    attendance page (the last 12 months of every cohort)."""
    return [("trainer", f"/cohorts/{data['cohort']}/attendance?month={data['month']}"), ("manager", "/attendance")]


def plans(measured: dict[str, InProcess], database: str) -> list[str]:
    """The attendance pages' slowest statement and its plan, as Markdown."""
    lines = []
    for path, page in measured.items():
        if page.slowest is None:
            continue
        lines += ["", f"{database}, `{path}`: slowest statement {page.slowest.ms:.1f} ms (first render)", ""]
        lines += ["```", page.slowest.statement[:600], "", *page.slowest.plan, "```"]
    return lines


def postgres_dashboard(settings: Path) -> list[str]:
    """The dashboard and the attendance pages on PostgreSQL (TEST_DATABASE_URL): the same dataset in a database
    of its own."""
    url = sa.engine.make_url(
        re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", os.environ["TEST_DATABASE_URL"])
    )
    name = f"bootcamp_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    database_uri = url.set(database=name).render_as_string(hide_password=False)
    try:
        print("PostgreSQL: building the same programme...", flush=True)
        seconds, built = build(database_uri)
        print(f"  built in {seconds:.1f} s", flush=True)
        pages = [
            ("anonymous", "/healthz"),
            ("manager", "/insertion"),
            ("manager", f"/insertion?year={built['year']}"),
            *attendance_pages(built),
        ]
        measured = in_process(database_uri, pages)
        rows, floors = with_floor(database_uri, settings, pages)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    with admin.connect() as connection:
        version = connection.execute(sa.text("SHOW server_version")).scalar()
    lines = [
        "",
        f"On PostgreSQL {version} (same dataset, built in {seconds:.1f} s; floor {floor_runs(floors)}):",
        "",
        *table(rows, measured),
        *plans(measured, "PostgreSQL"),
    ]
    return lines


def floor_runs(floors: list[float]) -> str:
    return " then ".join(f"{rps:.0f}" for rps in floors) + " req/s"


def table(rows: list[tuple], measured: dict[str, InProcess]) -> list[str]:
    """The floor's row first; then each page, its share of the floor and whether it meets its goal."""
    floor = rows[0][1]
    lines = [
        "| page | req/s (8 conn.) | share of floor | goal | p50 / p99 ms (8 conn.) | p50 / p99 ms (2 conn.) "
        "| first render ms | SQL queries first / next | HTML bytes | compressed |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for path, rps, median, p99, own_median, own_p99 in rows:
        share = rps / floor
        if path == FLOOR:
            lines.append(
                f"| {FLOOR} (bench/bare.py) | {rps:.0f} | 1.000 | | {median:.1f} / {p99:.1f} "
                f"| {own_median:.1f} / {own_p99:.1f} | | | | |"
            )
            continue
        goal = HEALTH_GOAL if path == "/healthz" else PAGE_GOAL
        page = measured[path]
        lines.append(
            f"| `{path}` | {rps:.0f} | {share:.3f} | {'met' if share >= goal else 'MISSED'} ({goal:g}) "
            f"| {median:.1f} / {p99:.1f} | {own_median:.1f} / {own_p99:.1f} "
            f"| {page.cold_ms:.0f} | {page.cold_queries} / {page.warm_queries} | {page.html_bytes} "
            f"| {page.compressed_bytes} |"
        )
    return lines


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk (make bench installs it when run as root)")
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="bootcamp-bench-"))
    database, settings = workdir / "bench.sqlite", workdir / "settings.py"
    settings.write_text('SECRET_KEY = "bench"\nPASSWORD_HASH_PROFILE = "CHEAPEST"\n')
    print(f"Building {SITES} sites x {YEARS} years x 2 cohorts x {PER_COHORT} learners...", flush=True)
    build_seconds, data = build(f"sqlite:///{database}")
    print(
        f"  built in {build_seconds:.1f} s: {data['learners']} learners, {data['grades']} grades, "
        f"{data['competency_assessments']} assessments, {data['outcomes']} outcomes, "
        f"{data['attendance_records']} attendance records",
        flush=True,
    )
    pages = [
        ("anonymous", "/healthz"),
        ("manager", "/insertion"),
        ("manager", f"/insertion?year={data['year']}"),
        ("manager", "/cohorts/"),  # 400 cohorts: the default list (to come, in training, ended within 12 months)
        ("manager", "/cohorts/?state=all&page=8"),
        ("trainer", f"/cohorts/{data['cohort']}"),
        ("trainer", f"/cohorts/{data['cohort']}/competencies"),
        ("trainer", f"/projects/{data['project']}/grades"),
        ("learner", "/me"),
        *attendance_pages(data),
    ]
    measured = in_process(f"sqlite:///{database}", pages)
    rows, floors = with_floor(f"sqlite:///{database}", settings, pages)
    extra = postgres_dashboard(settings) if os.environ.get("TEST_DATABASE_URL") else []
    machine = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, gunicorn 2 workers, wrk -t2 -d{DURATION} with Accept-Encoding: gzip, br, "
        "8 connections then 2"
    )
    lines = [
        "# Benchmark results",
        "",
        f"`make bench` on {date.today().isoformat()}: {machine}; {time.perf_counter() - started:.0f} s in all.",
        f"Dataset: {data['learners']} learners, {data['cohorts']} cohorts, {data['grades']} grades, "
        f"{data['competency_assessments']} assessments, {data['outcomes']} outcomes, "
        f"{data['attendance_sessions']} half-days, {data['attendance_records']} attendance records, "
        f"{data['stored_files']} proofs, built in {build_seconds:.1f} s.",
        f"The floor: {FLOOR} (bench/bare.py) under the same gunicorn, {floor_runs(floors)} before and after the "
        "pages; shares are of their mean.",
        "",
        *table(rows, measured),
        *extra,
        *plans(measured, "SQLite"),
        "",
        f"Goals (issue 13): every kept page at least {PAGE_GOAL:g} of the bare Flask floor, /healthz at least "
        f"{HEALTH_GOAL:g} of it;",
        "(issue 8) 10 queries at most per page; every p99 under 50 ms.",
        "",
        "wrk measures a page between two writes: after the first request, the page is kept until the data",
        "changes (bootcamp/cache.py). 'first render' is the first request after a write, in process: everything",
        "computed, with the number of SQL queries it runs; the next requests run 'next' queries.",
        "",
    ]
    notes = ROOT / "bench" / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text()]
    (ROOT / "bench" / "results.md").write_text("\n".join(lines))
    print("\n".join(lines))
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
