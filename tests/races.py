"""Concurrent people against a real gunicorn: the harness of tests/test_races.py and of `make races`.

Each race sends the same kind of request from many threads at once to gunicorn with several workers, and
counts what became of them: saved (302), refused (the conflict or throttling answer a person can act on),
lost (a save that was accepted although it overwrote another one it had not seen, or that is not in the
database), and 5xx (a server error). "Nobody silently overwrites anybody" means lost == 0 and 5xx == 0.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
CONFLICT_WORDS = (
    "modifiées par quelqu'un d'autre",  # grading sheet: versions
    "au même instant",  # grading sheet and every form: a race caught by the database
    "a saisi cette situation",  # follow-up form: version
    "d'autres niveaux ont été saisis",  # grid
    "Modification simultanée",  # any form: a unique rule broken by a race (409)
    "voici les résultats actuels",  # an exam session's results grid: versions
)


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
            with self.opener.open(self.base + path, body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError as error:  # no answer in time, or the connection dropped (a worker killed)
            return 0, f"no answer: {error}"

    def form(self, path: str) -> dict[str, str]:
        status, page = self.request(path)
        assert status == 200, (path, status, page[:200])
        main = page[: page.index("</main>")]  # not the footer's language switch
        last = main[main.rindex("<form") :]
        fields = {
            name: unescape(value) for name, value in re.findall(r'name="([^"]+)" type="hidden" value="([^"]*)"', last)
        }
        for tag in re.findall(r"<input[^>]*>", last):
            found = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
            unticked = re.search(r'type="(checkbox|radio)"', tag) and " checked" not in tag  # a browser sends none
            if found[0] and found[1] and found[0].group(1) not in fields and not unticked:
                fields[found[0].group(1)] = unescape(found[1].group(1))
        for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', last, re.S):
            selected = re.search(r'<option selected value="([^"]*)"', options)
            fields[name] = selected.group(1) if selected else ""
        for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', last, re.S):
            fields[name] = unescape(text.lstrip("\n"))
        return fields

    def login(self, email: str, password: str = PASSWORD) -> int:
        fields = self.form("/login")
        status, _page = self.request("/login", fields | {"email": email, "password": password})
        return status


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with `workers` workers on a free loopback port, on the given database."""

    def __init__(self, database_uri: str, folder: Path, workers: int = 3, hash_profile: str = "CHEAPEST") -> None:
        port = free_port()
        settings = folder / f"settings-{port}.py"
        settings.write_text(
            f'SECRET_KEY = "race-test"\nPASSWORD_HASH_PROFILE = "{hash_profile}"\n'
            f'BASE_URL = "http://127.0.0.1:{port}"\n'
        )
        env = os.environ | {
            "DATABASE_URL": database_uri,
            "BOOTCAMP_SETTINGS": str(settings),
            "PORT": str(port),
            "WORKERS": str(workers),
            "BASE_URL": f"http://127.0.0.1:{port}",  # required outside tests (links are built on it)
        }
        self.log = folder / f"gunicorn-{port}.log"
        self.process = subprocess.Popen(
            # --preload: the app is imported once, then the workers fork from it (9 workers start in a second
            # instead of importing it 9 times on 2 cores); requests run as without it.
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py", "--preload",
             "--access-logfile", "/dev/null", "--error-logfile", str(self.log), "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("gunicorn did not start: " + self.errors()[-2000:])

    def errors(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@dataclass
class Tally:
    """What became of the requests of one race."""

    name: str
    statuses: Counter = field(default_factory=Counter)
    saved: int = 0
    refused: int = 0
    lost: int = 0
    other: list[str] = field(default_factory=list)  # anything else, for the failure message

    @property
    def attempted(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    @property
    def unanswered(self) -> int:
        return self.statuses[0]

    def row(self) -> str:
        return (f"{self.name:<60} {self.attempted:>9} {self.saved:>6} {self.refused:>8} {self.lost:>5} "
                f"{self.server_errors:>4} {self.unanswered:>9}")


HEADER = f"{'race':<60} {'attempted':>9} {'saved':>6} {'refused':>8} {'lost':>5} {'5xx':>4} {'no answer':>9}"


def _all_at_once(count: int, task) -> list:
    """Run `task(i)` for i < count in as many threads, released together."""
    start = threading.Barrier(count)

    def run(number: int):
        start.wait()
        return task(number)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _is_conflict(status: int, page: str) -> bool:
    return status in (200, 409) and any(words in page for words in CONFLICT_WORDS)


def _people_on(base: str, email: str, path: str, count: int) -> tuple[list[Browser], list[dict[str, str]]]:
    """`count` sessions of one account, each with the form at `path`, all loaded before anyone saves (one
    snapshot)."""
    people = [Browser(base) for _ in range(count)]
    for person in people:
        assert person.login(email) == 302
    return people, [person.form(path) for person in people]


def _saves(tally: Tally, answers: list[tuple[int, str]], stored: int) -> Tally:
    """Count the answers to saves made from one snapshot, of which the database holds `stored`: beyond the first,
    each stored save overwrote one it had not seen (lost), and so did an accepted save that is not stored."""
    for status, page in answers:
        tally.statuses[status] += 1
        if status == 302:
            tally.saved += 1
        elif _is_conflict(status, page):
            tally.refused += 1
        else:
            tally.other.append(f"{status}: {page[:300]}")
    tally.lost = max(0, stored - 1) + max(0, tally.saved - stored)
    return tally


def grid_same_cell(base: str, trainer_email: str, cohort_id: int, cell: tuple[int, int], count: int,
                   saved_in_database) -> Tally:
    """`count` saves of the same grid cell from the same snapshot: one may be saved, the others refused."""
    tally = Tally("grid: one cell, same snapshot")
    path = f"/cohorts/{cohort_id}/competencies"
    people, forms = _people_on(base, trainer_email, path, count)
    name = f"level_{cell[0]}_{cell[1]}"
    before = forms[0][name]

    def save(number: int) -> tuple[int, str]:
        level = str((int(before or 0) + 1 + number % 3) % 4)
        return people[number].request(path, forms[number] | {name: level})

    return _saves(tally, _all_at_once(count, save), saved_in_database())


def outcome_same_point(base: str, manager_email: str, enrolment_id: int, point: int, count: int,
                       saved_in_database) -> Tally:
    """`count` saves of the same follow-up from the same (empty) form: one saved, the others refused."""
    tally = Tally("follow-up: one point, same form")
    path = f"/outcomes/{enrolment_id}/{point}"
    people, forms = _people_on(base, manager_email, path, count)

    def save(number: int) -> tuple[int, str]:
        return people[number].request(path, forms[number] | {"situation": "cdi", "employer": f"Employeur {number}"})

    return _saves(tally, _all_at_once(count, save), saved_in_database())


def logins(base: str, emails: list[str], password: str = PASSWORD) -> Tally:
    """Everyone logs in at once: every login must succeed (no « database is locked »)."""
    tally = Tally(f"logins: {len(emails)} at once")
    for status in _all_at_once(len(emails), lambda number: Browser(base).login(emails[number], password)):
        tally.statuses[status] += 1
        if status == 302:
            tally.saved += 1
        else:
            tally.other.append(str(status))
    return tally


def guesses(base: str, email: str, count: int) -> Tally:
    """`count` wrong passwords for one account from one address at once: at most 5 may be tried."""
    tally = Tally(f"wrong passwords: {count} at once")
    people = [Browser(base) for _ in range(count)]
    forms = [person.form("/login") for person in people]

    def guess(number: int) -> tuple[int, str]:
        return people[number].request("/login", forms[number] | {"email": email, "password": f"wrong {number}"})

    for status, page in _all_at_once(count, guess):
        tally.statuses[status] += 1
        if status == 429:
            tally.refused += 1
        elif status == 200 and "incorrect" in page:
            tally.saved += 1  # a guess that was checked
        else:
            tally.other.append(f"{status}: {page[:300]}")
    return tally


def roll_call_marks(form: dict[str, str], enrolment_ids: list[int], number: int) -> dict[str, str]:
    """A roll-call submission of its own for person `number`: everyone late, by minutes no other submission gives
    that learner (number + position + 1), so that the stored records tell whose submission they are."""
    data = {name: value for name, value in form.items() if not name.startswith("justified_")}
    for position, enrolment_id in enumerate(enrolment_ids):
        data[f"presence_{enrolment_id}"] = "late"
        data[f"minutes_{enrolment_id}"] = str(number + position + 1)
        data[f"reason_{enrolment_id}"] = ""
    return data | {"action": "save"}


def roll_call_same_snapshot(base: str, trainer_email: str, path: str, enrolment_ids: list[int], count: int,
                            saved_in_database) -> tuple[Tally, list[dict[str, str]], list[tuple[int, str]]]:
    """`count` saves of the same roll call from one snapshot, each different (roll_call_marks): one may be saved,
    the others refused (409). Gives the tally, the submissions and the answers, in the same order."""
    tally = Tally("roll call: one half-day, same snapshot")
    people, forms = _people_on(base, trainer_email, path, count)
    submissions = [roll_call_marks(forms[number], enrolment_ids, number) for number in range(count)]
    answers = _all_at_once(count, lambda number: people[number].request(path, submissions[number]))
    return _saves(tally, answers, saved_in_database()), submissions, answers


def _learners_on_their_page(base: str, emails: list[str]) -> tuple[list[Browser], list[str]]:
    """A logged-in session per learner, with the CSRF token of the signing form on their page."""
    people = [Browser(base) for _ in emails]
    tokens = []
    for person, email in zip(people, emails):
        assert person.login(email) == 302
        status, page = person.request("/me")
        assert status == 200, (status, page[:200])
        tokens.append(re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1))
    return people, tokens


def signatures(base: str, emails: list[str], code: str) -> Tally:
    """Every learner of a cohort signs the half-day running now at once: every signature must be taken (302)."""
    tally = Tally(f"signatures: {len(emails)} learners at once")
    people, tokens = _learners_on_their_page(base, emails)

    def sign(number: int) -> tuple[int, str]:
        return people[number].request("/me/attendance/sign", {"csrf_token": tokens[number], "code": code})

    for status, page in _all_at_once(len(emails), sign):
        tally.statuses[status] += 1
        if status == 302:
            tally.saved += 1
        else:
            tally.other.append(f"{status}: {page[:300]}")
    return tally


def signing_during_roll_call(base: str, trainer_email: str, path: str, submission, emails: list[str],
                             code: str) -> tuple[tuple[int, str], list[tuple[int, str]]]:
    """Learners sign while the trainer saves the roll call loaded before (submission(form) gives what the trainer
    sends): the trainer's answer, and each learner's."""
    people, tokens = _learners_on_their_page(base, emails)
    trainers, forms = _people_on(base, trainer_email, path, 1)
    data = submission(forms[0])

    def act(number: int) -> tuple[int, str]:
        if number == len(emails):
            return trainers[0].request(path, data)
        return people[number].request("/me/attendance/sign", {"csrf_token": tokens[number], "code": code})

    answers = _all_at_once(len(emails) + 1, act)
    return answers[-1], answers[:-1]


def exam_grid(browser: Browser, path: str) -> dict[str, str]:
    """The results grid of an exam session's page (its first form): the CSRF token, each cell and its version."""
    status, page = browser.request(path)
    assert status == 200, (path, status, page[:200])
    grid = page[page.index("<form", page.index("results-title")) :]
    grid = grid[: grid.index("</form>")]
    fields = dict(re.findall(r'name="(csrf_token|version-[0-9]+)" (?:type="hidden" )?value="([^"]*)"', grid))
    fields |= dict(re.findall(r'<input type="hidden" name="(version-[0-9]+)" value="([^"]*)"', grid))
    fields |= {name: "" for name in re.findall(r'<select name="(result-[0-9]+)"', grid)}
    return fields


def exam_results_same_snapshot(base: str, manager_email: str, session_id: int, count: int,
                               saved_in_database) -> Tally:
    """`count` managers save the same session's results from one snapshot, each a grid of their own (person n
    writes n in binary, acquired / not acquired, over the cells): one may be saved, the others refused (409)."""
    tally = Tally("exam results: one session, same snapshot")
    path = f"/exams/{session_id}"
    people = [Browser(base) for _ in range(count)]
    for person in people:
        assert person.login(manager_email) == 302
    grids = [exam_grid(person, path) for person in people]
    cells = sorted(name for name in grids[0] if name.startswith("result-"))

    def save(number: int) -> tuple[int, str]:
        values = {name: ("acquired" if number >> index & 1 else "not_acquired") for index, name in enumerate(cells)}
        return people[number].request(f"{path}/results", grids[number] | values)

    return _saves(tally, _all_at_once(count, save), saved_in_database())
