"""`make lighthouse`: Lighthouse (npm, bench/lighthouse-npm/package.json) in Debian's Chromium on the main pages.

Loads the demo data `make run` gives into a fresh SQLite database, serves it with gunicorn (2 workers) on
127.0.0.1, logs in as each role and runs Lighthouse's mobile audit (a mid-range phone: 4x slower CPU, slow
4G, simulated) on each page, several times (LIGHTHOUSE_RUNS, default 3: the scores move from run to run).
Prints the median scores and total blocking time beside the goals of issue 14 (performance 90 or more,
accessibility and best practices 100) and writes bench/lighthouse.md. Not a test: figures for people to read.
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import free_port, session_cookie  # noqa: E402
from bootcamp import create_app, dates  # noqa: E402
from bootcamp.demo import DemoOptions, load_demo  # noqa: E402
from bootcamp.extensions import db  # noqa: E402
from bootcamp.followups.services import send_due  # noqa: E402
from bootcamp.models import Cohort, MessageKind, MessageState, OutboxMessage, Project  # noqa: E402
from bootcamp.placements.sending import send_due as send_tutor_forms  # noqa: E402
from bootcamp.tokens import redact  # noqa: E402

LIGHTHOUSE = ROOT / "bench" / "lighthouse-npm" / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
RUNS = int(os.environ.get("LIGHTHOUSE_RUNS", "3"))
ATTEMPTS = 3
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GOALS = {"performance": 90, "accessibility": 100, "best-practices": 100}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking"


def build(database_uri: str) -> dict[str, int | str]:
    """The demo data of `make run` and the day's `flask followups send`; the ids and the follow-up link the page
    paths need."""
    config = {"SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "bench", "PASSWORD_HASH_PROFILE": "CHEAPEST"}
    app = create_app(config)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        load_demo(DemoOptions())
        send_due(dates.today())  # the day's follow-ups, as `make run` does: one link for the leaver's page
        send_tutor_forms(dates.today())  # and the tutors' forms due (issue 18): a link for the tutor's page
        db.session.commit()
        links = {path: _link(kind, path) for kind, path in ((MessageKind.FOLLOW_UP, "/followup/"),
                                                            (MessageKind.TUTOR_REVIEW, "/tutor/"))}
        cohort = db.session.scalar(
            sa.select(Cohort.id).where(Cohort.name.like("Mende%"), Cohort.start_date <= sa.func.current_date())
            .order_by(Cohort.start_date.desc())
        )
        project = db.session.scalar(  # the learner's next brief, to hand in (issue 18)
            sa.select(Project.id).where(Project.cohort_id == cohort, Project.due_date >= sa.func.current_date())
            .order_by(Project.due_date)
        )
        db.engine.dispose()
    return {"cohort": cohort, "project": project, "followup": links["/followup/"], "tutor": links["/tutor/"]}


def _link(kind: MessageKind, path: str) -> str:
    """The link of the first waiting message of this kind (`path` + its token), or a dead one."""
    body = db.session.scalar(
        sa.select(OutboxMessage.body_text).where(OutboxMessage.kind == kind, OutboxMessage.state == MessageState.QUEUED)
    ) or ""
    link = re.search(re.escape(path) + r"[A-Za-z0-9_-]+", body)
    return link.group(0) if link else path + "none"


def audit(url: str, cookie: str, output: Path) -> dict[str, float]:
    """One Lighthouse run: each category's score (0-100) and the total blocking time in ms."""
    args = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={output}"]
    args += [f"--chrome-flags={CHROME_FLAGS}", f"--only-categories={','.join(CATEGORIES)}"]
    if cookie:
        args.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    for attempt in range(ATTEMPTS):  # Lighthouse sometimes misses the page load's trace (NO_NAVSTART): again
        run = subprocess.run(args, env=os.environ | {"CHROME_PATH": CHROME}, timeout=300)
        if run.returncode == 0:
            break
        print(f"Lighthouse failed on {redact(url)} (attempt {attempt + 1} of {ATTEMPTS})", file=sys.stderr, flush=True)
    else:
        sys.exit(f"Lighthouse failed {ATTEMPTS} times on {url}")
    report = json.loads(output.read_text())
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    scores["tbt"] = report["audits"]["total-blocking-time"]["numericValue"]
    scores["lcp"] = report["audits"]["largest-contentful-paint"]["numericValue"]
    scores["weight"] = report["audits"]["total-byte-weight"]["numericValue"] / 1024
    return scores


def median_scores(runs: list[dict[str, float]]) -> dict[str, float]:
    return {name: statistics.median(run[name] for run in runs) for name in runs[0]}


def serve(database_uri: str, port: int, folder: Path) -> subprocess.Popen:
    settings = folder / "settings.py"
    settings.write_text("SECRET_KEY = 'lighthouse'\nPASSWORD_HASH_PROFILE = 'CHEAPEST'\n")
    env = os.environ | {
        "DATABASE_URL": database_uri,
        "BOOTCAMP_SETTINGS": str(settings),
        "PORT": str(port),
        "WORKERS": "2",
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    return subprocess.Popen(
        [gunicorn, "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def measure(base: str, pages: list[tuple[str, str]], folder: Path) -> list[str]:
    cookies = {who: session_cookie(base, f"{who}@example.org") for who, _path in pages if who}
    lines = [
        f"| page | performance (goal {GOALS['performance']}) | accessibility | best practices | SEO "
        "| total blocking time ms | largest paint ms | KB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for who, path in pages:
        runs = [audit(base + path, cookies.get(who, ""), folder / "report.json") for _ in range(RUNS)]
        score = median_scores(runs)
        flags = "".join(" ✗" if score[name] < goal else "" for name, goal in GOALS.items())
        line = (
            f"| {who or 'anonymous'} {redact(path)} | {score['performance']:.0f} | {score['accessibility']:.0f} "
            f"| {score['best-practices']:.0f} | {score['seo']:.0f} | {score['tbt']:.0f} | {score['lcp']:.0f} "
            f"| {score['weight']:.0f} |{flags}"
        )
        print(line, flush=True)
        lines.append(line)
    return lines


def main() -> None:
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: run `make lighthouse` (npm installs it from bench/lighthouse-npm).")
    folder = Path(tempfile.mkdtemp(prefix="bootcamp-lighthouse-"))
    try:
        database_uri = f"sqlite:///{folder / 'demo.sqlite'}"
        print("Loading the demo data...", flush=True)
        ids = build(database_uri)
        pages = [
            (None, "/login"),
            ("learner", "/me"),
            ("manager", "/insertion"),
            ("trainer", f"/cohorts/{ids['cohort']}/competencies"),
            ("learner", "/me/certification"),
            ("trainer", f"/cohorts/{ids['cohort']}/readiness"),
            ("manager", "/certification"),
            (None, "/forgot-password"),
            (None, str(ids["followup"])),  # a leaver's follow-up link (it redirects to /followup)
            ("manager", "/outcomes/due"),
            ("manager", "/satisfaction"),
            ("learner", f"/me/projects/{ids['project']}"),  # a brief and its hand-in form (issue 18)
            ("trainer", f"/cohorts/{ids['cohort']}/placements"),
            (None, str(ids["tutor"])),  # a tutor's form link (it redirects to /tutor)
            ("manager", "/placements"),
            (None, "/p/dwwm"),  # the programme's public page (issue 19): no login, no script
            (None, "/p/dwwm/embed"),  # the fragment a school's website shows in an iframe
        ]
        port = free_port()
        server = serve(database_uri, port, folder)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)  # nosec B310 - our own loopback server
                    break
                except OSError:
                    time.sleep(0.1)
            print(f"Lighthouse, mobile, median of {RUNS} runs each:", flush=True)
            lines = measure(base, pages, folder)
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    header = [
        "# Lighthouse (mobile) on the main pages",
        "",
        f"`make lighthouse`, {time.strftime('%Y-%m-%d')}, Debian's Chromium, the demo data of `make run`, median of "
        f"{RUNS} runs. Goals (issue 14): performance ≥ 90, accessibility and best practices 100.",
        "",
    ]
    (ROOT / "bench" / "lighthouse.md").write_text("\n".join(header + lines) + "\n")


if __name__ == "__main__":
    main()
