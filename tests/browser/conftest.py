"""Browser tests: the app under gunicorn on a free loopback port with the demo data, driven by Playwright
in Debian's Chromium (Playwright cannot download its own browser here).

Without Chromium the tests are skipped on a developer's machine with the command that installs it; `.ci/run`
sets BOOTCAMP_BROWSER_TESTS=required, so in CI a browser that cannot start is a failure.
"""

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "demo-bootcamp"
LAUNCH_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # no calls home: this machine's network is closed
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    database: Path
    ids: dict[str, int | str]


def _demo_ids(database: Path) -> dict[str, int]:
    """Ids of the pages to visit, read from the demo database."""
    import sqlite3

    with sqlite3.connect(database) as connection:

        def one(sql: str) -> int | str:
            return connection.execute(sql).fetchone()[0]

        learner = one("SELECT learner_id FROM users WHERE email = 'learner@example.org'")
        cohort = one(f"SELECT cohort_id FROM enrolments WHERE learner_id = {learner}")  # the trainer's, in training
        return {
            "cohort": cohort,
            "project": one(f"SELECT id FROM projects WHERE cohort_id = {cohort} ORDER BY due_date, id LIMIT 1"),
            "learner": learner,
            "enrolment": one(f"SELECT id FROM enrolments WHERE cohort_id = {cohort} ORDER BY id LIMIT 1"),
            "roll_call": one(  # the cohort's last morning taken before today, as "YYYY-MM-DD/am" (issue 15)
                f"SELECT day || '/' || half_day FROM attendance_sessions WHERE cohort_id = {cohort}"
                " AND kind = 'centre' AND state = 'closed' ORDER BY day DESC, half_day LIMIT 1"
            ),
            "ended_cohort": one(  # the trainer's cohort that ended last (its finish page: issue 14)
                "SELECT c.id FROM cohorts c JOIN cohort_trainers ct ON ct.cohort_id = c.id JOIN users u"
                " ON u.id = ct.user_id WHERE u.email = 'trainer@example.org' AND c.end_date < date('now')"
                " ORDER BY c.end_date DESC LIMIT 1"
            ),
            "message": one("SELECT min(id) FROM outbox_messages"),  # a follow-up the demo sent (issue 17)
            "campaign": one(  # the questionnaire with the most answers: its figures and comments are shown
                "SELECT campaign_id FROM survey_responses GROUP BY campaign_id ORDER BY count(*) DESC, campaign_id"
                " LIMIT 1"
            ),
            "programme": one(f"SELECT programme_id FROM cohorts WHERE id = {cohort}"),
            "placement": one(  # a placement of the trainer's cohorts with a tutor's form answered (issue 18)
                "SELECT p.id FROM placements p JOIN tutor_reviews r ON r.placement_id = p.id"
                " JOIN enrolments e ON e.id = p.enrolment_id JOIN cohort_trainers ct ON ct.cohort_id = e.cohort_id"
                " JOIN users u ON u.id = ct.user_id WHERE u.email = 'trainer@example.org'"
                " AND r.answered_at IS NOT NULL ORDER BY p.start_date DESC, p.id LIMIT 1"
            ),
        }


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """gunicorn (2 workers) serving a fresh SQLite database with the demo data, as `make run` makes it."""
    folder = tmp_path_factory.mktemp("browser")
    database = folder / "bootcamp.sqlite"
    env = {
        **os.environ,
        "FLASK_APP": "wsgi:app",
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "browser-tests",
        "BASE_URL": "http://127.0.0.1",  # required outside tests; loopback hosts are trusted whatever the port
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("BOOTCAMP_SETTINGS", None)
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    log = (folder / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env={**env, "PORT": str(port), "WORKERS": "2", "HOST": "127.0.0.1"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)  # nosec B310 - our own loopback server
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError((folder / "gunicorn.log").read_text())
            time.sleep(0.1)
    yield Server(url=url, database=database, ids=_demo_ids(database))
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Debian's Chromium, headless. Missing: a failure in CI, a skip elsewhere."""
    required = os.environ.get("BOOTCAMP_BROWSER_TESTS") == "required"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)) and not required:
        pytest.skip(f"{CHROMIUM} not found: `apt-get install chromium` runs the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Watch:
    """What went wrong while a page was in use: console errors, failed requests, CSP violations."""

    problems: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", lambda message: message.type == "error" and self.problems.append(f"console: {message.text}"))
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", lambda request: self._failed(request))
        page.on(
            "response",
            lambda response: response.status >= 400 and self.problems.append(f"{response.status} {response.url}"),
        )
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', function (e) {"
            " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI); });"
        )

    def _failed(self, request) -> None:
        # ERR_ABORTED: the request was cancelled by the browser (a download, or a click that leaves the page
        # before the favicon arrived), not refused; a CSP block is ERR_BLOCKED_BY_CSP, a network error others.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed request: {request.url} {request.failure}")


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def context(browser, watch: Watch, server: Server) -> Iterator:
    """A new browser profile (empty cache, no cookies) in French, 1280 px wide; its pages are watched."""
    context = browser.new_context(base_url=server.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.on("page", watch.attach)
    yield context
    context.close()


@pytest.fixture
def page(context, watch: Watch) -> Iterator:
    page = context.new_page()
    yield page
    assert watch.problems == [], "\n".join(watch.problems)


@pytest.fixture(scope="session")
def signed_in(browser, server: Server):
    """The cookies of a session of each account, logged in once through the form and reused (a login for each
    page cost about 2 s of the browser tests each): `page.context.add_cookies(signed_in(email))`."""
    sessions: dict[str, list] = {}

    def cookies(email: str) -> list:
        if email not in sessions:
            context = browser.new_context(base_url=server.url, locale="fr-FR")
            login(context.new_page(), email)
            sessions[email] = context.cookies()
            context.close()
        return sessions[email]

    return cookies


def login(page, email: str, password: str = PASSWORD) -> None:
    """Log in as a person does: the form, typed, then the button."""
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


@dataclass
class Traffic:
    """What the network carried for a page, read from Chromium's DevTools protocol: requests made and bytes
    transferred (compressed bodies and headers; nothing for what came from the cache)."""

    requests: int = 0
    transferred: int = 0
    session: object = None  # the DevTools protocol session

    @classmethod
    def watch(cls, page) -> "Traffic":
        traffic = cls()
        session = page.context.new_cdp_session(page)
        session.send("Network.enable")
        session.on("Network.requestWillBeSent", lambda _event: traffic._request())
        session.on("Network.loadingFinished", lambda event: traffic._bytes(event["encodedDataLength"]))
        traffic.session = session
        return traffic

    def _request(self) -> None:
        self.requests += 1

    def _bytes(self, size: float) -> None:
        self.transferred += int(size)

    def reset(self) -> None:
        self.requests = self.transferred = 0

    def clear_cache(self) -> None:
        self.session.send("Network.clearBrowserCache")


def dom_nodes(page) -> int:
    """Elements of the page, not counting those inside SVG drawings (as the Ecoindex scraper counts)."""
    return page.evaluate("document.getElementsByTagName('*').length - document.querySelectorAll('svg *').length")


def ecoindex(nodes: int, size_kb: float, requests: int):
    """The Ecoindex of the ecoindex-compute package (an async function: run in a thread of its own)."""
    from ecoindex.compute import compute_ecoindex

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, compute_ecoindex(nodes=nodes, size=size_kb, requests=requests)).result()


def screenshot(page, name: str) -> None:
    """The page at 1280 and at 360 px wide, whole, under test-output/screenshots/."""
    folder = OUTPUT / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 800})
        charts = page.locator(".chart-area")
        if charts.count():  # a page of charts (a GET) as a device of that width opens it: they fit the width found
            page.reload()
            page.wait_for_load_state("networkidle")
        for index in range(charts.count()):  # charts are drawn when they come into view: bring each there
            if charts.nth(index).is_visible():
                charts.nth(index).scroll_into_view_if_needed()
                charts.nth(index).locator("svg.main-svg").first.wait_for(state="attached")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size(size)
