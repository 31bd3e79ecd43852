"""Every form and every query string, fuzzed through the test client with Hypothesis: whatever is typed or
put in a URL, never a 500."""

import os
import re
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import AuthActions, page_form
from .test_access import MATRIX, ROLES

# (page with the form, URL it posts to, who fills it); {placeholders} as in test_access.
FORMS = [
    ("/login", "/login", None),
    ("/forgot-password", "/forgot-password", None),
    ("/me/contact", "/me/contact", "learner"),
    ("/learners/{learner}/contact", "/learners/{learner}/contact", "manager"),
    ("/surveys/statements/1/hot", "/surveys/statements/1/hot", "manager"),
    ("/account/password", "/account/password", "trainer"),
    ("/cohorts/{cohort}/enrolments/{enrolment}", "/cohorts/{cohort}/enrolments/{enrolment}", "trainer"),
    # the finish page (open near the cohort's end only) and « reprendre la formation »: fuzzed in test_finish.py
    ("/cohorts/{cohort}/competencies", "/cohorts/{cohort}/competencies", "trainer"),
    (
        "/cohorts/{cohort}/competencies/{learner}/{competency}",
        "/cohorts/{cohort}/competencies/{learner}/{competency}",
        "trainer",
    ),
    ("/cohorts/{cohort}/projects", "/cohorts/{cohort}/projects", "trainer"),
    ("/projects/{project}", "/projects/{project}", "trainer"),
    ("/projects/{project}/grades", "/projects/{project}/grades", "trainer"),
    ("/me/projects/{project}", "/me/projects/{project}/hand-in", "learner"),
    (
        "/cohorts/{cohort}/placements/new?enrolment={enrolment}",
        "/cohorts/{cohort}/placements/new?enrolment={enrolment}",
        "trainer",
    ),
    ("/placements/{placement}/edit", "/placements/{placement}/edit", "trainer"),
    ("/placements/{placement}", "/placements/{placement}/delete", "trainer"),  # the page's last form: « Supprimer »
    ("/outcomes/{leaver_enrolment}/6", "/outcomes/{leaver_enrolment}/6", "manager"),
    ("/cohorts/new", "/cohorts/new", "manager"),
    ("/cohorts/{cohort}/edit", "/cohorts/{cohort}/edit", "manager"),
    ("/cohorts/{cohort}/import", "/cohorts/{cohort}/import", "manager"),
    ("/outcomes/import", "/outcomes/import", "manager"),
    ("/learners/{learner}", "/learners/{learner}/erase", "manager"),
    ("/admin/users/", "/admin/users/", "admin"),
    ("/admin/users/{user}", "/admin/users/{user}", "admin"),
    ("/cohorts/{cohort}/attendance/{day}/{half_day}", "/cohorts/{cohort}/attendance/{day}/{half_day}", "trainer"),
    ("/me", "/me/attendance/sign", "learner"),
    ("/me/certification", "/me/dp", "learner"),  # the last form: the last block's « add an example »
    ("/learners/{learner}/dp", "/learners/{learner}/dp/{example}", "trainer"),  # the world's one example
    ("/exams/new", "/exams/new", "manager"),
    ("/exams/{exam}/edit", "/exams/{exam}/edit", "manager"),
    ("/exams/{exam}", "/exams/{exam}/candidates", "manager"),  # the last form: register a cohort (grid: test_exams)
    ("/learners/{learner}/ecf", "/learners/{learner}/ecf/blocks/2", "trainer"),  # the last form: DWWM's last block
    ("/learners/{learner}/ecf", "/learners/{learner}/ecf/situations", "trainer"),  # -2: the last block's « add »
    ("/learners/{learner}/ecf/situations/{situation}", "/learners/{learner}/ecf/situations/{situation}", "trainer"),
    ("/programmes/{programme}/page", "/programmes/{programme}/page", "manager"),
]
NASTY = [
    "",
    " ",
    "0",
    "-1",
    "20",
    "20.001",
    "1e9",
    "NaN",
    "2026-02-30",
    "31/12/1899",
    "9999-12-31",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "\x00",
    "é" * 300,
    "🙂",
    "../../etc/passwd",
    "None",
    "[]",
]
# The same examples every run (a green build stays green): a few by default, so that the suite stays quick; in CI
# (.ci/run sets HYPOTHESIS_PROFILE=ci) Hypothesis's standard 100 a test on PostgreSQL, the stricter database
# (integer ranges, string lengths, NUL bytes), and the default 20 on SQLite; `deep` gives 200 on both, and
# `explore` draws new examples, 500 a test. Examples per test by profile: (SQLite, PostgreSQL).
EXAMPLES = {"replay": (20, 20), "ci": (20, 100), "deep": (200, 200), "explore": (500, 500)}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "replay")
for name in EXAMPLES:
    settings.register_profile(name, derandomize=name != "explore")
settings.load_profile(PROFILE)


def examples(app: Flask) -> int:
    """How many examples a fuzzing test draws on this app's database (EXAMPLES)."""
    return EXAMPLES[PROFILE][app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")]


values = st.one_of(st.sampled_from(NASTY), st.text(max_size=60), st.integers(-(10**12), 10**12).map(str))


@pytest.mark.parametrize("page,target,role", FORMS, ids=[target for _page, target, _role in FORMS])
def test_no_form_ever_answers_500(app: Flask, world, page: str, target: str, role: str | None) -> None:
    client = app.test_client()
    if role:
        AuthActions(client).login(world.emails[role])
    paths = world.paths()
    second_last = {
        "/me/attendance/sign",  # /me ends with the contact form
        "/admin/users/{user}",
        "/learners/{learner}/ecf/situations",
        "/learners/{learner}/ecf/situations/{situation}",
    }
    fields = page_form(client, page.format(**paths), index=-2 if target in second_last else -1)
    names = [name for name in fields if name != "csrf_token"]

    @settings(
        max_examples=examples(app),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.dictionaries(st.sampled_from(names + ["extra"]), values, max_size=len(names) + 1))
    def fuzz(changes: dict[str, str]) -> None:
        data = dict(fields) | changes
        response = client.post(target.format(**paths), data=data)
        assert response.status_code < 500, (target, changes, response.status_code)

    fuzz()


# The query parameters each GET route reads (bootcamp/params.py, and the filter forms it hands the URL to);
# every route is also given these names of no meaning to it, and junk.
FILTERS = ["site", "programme", "year", "gender", "point", "as_of"]
QUERY_PARAMETERS = {
    "/audit": ["learner", "user", "kind", "start", "end", "page"],
    "/admin/users/": ["role", "page"],
    "/cohorts/<int:cohort_id>": ["sort", "dir"],
    "/cohorts/<int:cohort_id>/readiness": ["sort", "dir"],
    "/outcomes/due": ["site", "cohort", "point", "overdue", "sort", "page"],
    "/outcomes/<int:enrolment_id>/<int:point>": ["next"],
    "/insertion": ["view", *FILTERS],
    "/insertion/export.csv": ["by", *FILTERS],
    "/insertion/export.xlsx": FILTERS,
    "/attendance": ["from", "to"],
    "/attendance/export.csv": ["by", "from", "to"],
    "/certification": FILTERS,
    "/certification/export.csv": ["by", *FILTERS],
    "/satisfaction": ["by", *FILTERS],
    "/satisfaction/export.csv": ["by", "kind", *FILTERS],
    "/placements": ["by", *FILTERS],
    "/placements/export.csv": ["by", *FILTERS],
    "/cohorts/<int:cohort_id>/placements/new": ["enrolment"],
    "/admin/outbox": ["state", "kind", "page"],
    "/login": ["next"],
    "/cohorts/<int:cohort_id>/attendance/sheet.pdf": ["week"],
    "/learners/<int:learner_id>/attendance/certificate.pdf": ["from", "to", "cohort"],
    "/cohorts/<int:cohort_id>/attendance": ["month"],
    "/cohorts/<int:cohort_id>/attendance/export.csv": ["month"],
    "/cohorts/<int:cohort_id>/attendance/export.xlsx": ["month"],
    "/cohorts/<int:cohort_id>/absences": ["month"],
    "/cohorts/<int:cohort_id>/calendar": ["month", "move"],
    # `lang` is read by i18n.select_locale on the public pages: an unknown value gives French
    "/p/<slug>": ["year", "lang"],
    "/p/<slug>/<site_slug>": ["year", "lang"],
    "/p/<slug>/embed": ["year", "site", "lang"],
    "/p/<slug>.json": ["year", "site", "lang"],
    "/p/<slug>.csv": ["year", "site", "lang"],
}
EVERYWHERE = ["page", "id", "v", "next", "sort"]
# The values an outside tester found answering 500, and their kind.
ODD_VALUES = [
    "²",
    "٣",
    "99999999999999999999",
    "-99999999999999999999",
    "0",
    "-1",
    "9999-12-31",
    "0001-01-01",
    "31/12/9999",
    "1899-12-31",
    "2026-02-30",
    "x" * 300,
    "%00",
    "",
]
FUZZED_ROLES = ("trainer", "manager", "admin", "learner")


def _get_routes() -> list[tuple[str, str]]:
    """(rule, role) for every GET route, with each role that may open it (anonymous for the public ones)."""
    routes = []
    for rule, (_path, expected) in MATRIX.items():
        if expected[0][0] == "405":  # POST only
            continue
        public = expected[0][0] != "302"  # opens without logging in (or answers 404 to everyone)
        roles = [] if public else [role for role in FUZZED_ROLES if expected[ROLES.index(role)][0] == "200"]
        routes += [(rule, role) for role in roles or ["anonymous"]]
    return routes


GET_ROUTES = _get_routes()


def _with_query(path: str, query: str) -> str:
    """The path with `query` added to the query it may have already (test_access gives the CSV's `by`)."""
    return f"{path}{'&' if '?' in path else '?'}{query}" if query else path


def _client(app: Flask, world, role: str):
    client = app.test_client()
    if role != "anonymous":
        AuthActions(client).login(world.emails[role])
    return client


def test_every_get_route_is_fuzzed(app: Flask) -> None:
    get_rules = {rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert get_rules == {rule for rule, _role in GET_ROUTES} and set(QUERY_PARAMETERS) <= get_rules
    for role in ("trainer", "manager"):
        assert sum(1 for _rule, who in GET_ROUTES if who == role) >= 7


def test_views_read_the_query_string_through_params_only() -> None:
    """One validation for every parameter: no view reads request.args itself (the login's `next` is checked by
    auth.views._safe_next; security.py refuses NUL bytes in any of them before any view)."""
    root = Path(__file__).resolve().parent.parent / "bootcamp"
    readers = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if re.search(r"request\.(args|values)\b", path.read_text(encoding="utf-8"))
    }
    assert readers <= {"params.py", "security.py", "auth/views.py"}, readers


@pytest.mark.parametrize("rule,role", GET_ROUTES, ids=[f"{rule}-{role}" for rule, role in GET_ROUTES])
def test_odd_query_values_never_answer_500(app: Flask, world, rule: str, role: str) -> None:
    """Each parameter of the route, alone, with each value of the tester's kind: a page, a 400 or a redirect."""
    client = _client(app, world, role)
    path = MATRIX[rule][0].format(**world.paths())
    for name in QUERY_PARAMETERS.get(rule, ["page"]):
        for value in ODD_VALUES:
            with client.get(_with_query(path, urlencode({name: value}))) as response:
                assert response.status_code < 500, (path, name, value, response.status_code)
                assert role == "anonymous" or "/login" not in (response.location or "")  # still logged in


def _dates() -> st.SearchStrategy[str]:
    days = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
    return st.one_of(days.map(date.isoformat), days.map(lambda day: day.strftime("%d/%m/%Y")))


query_values = st.one_of(
    st.sampled_from(ODD_VALUES + NASTY),
    st.text(max_size=40),
    st.integers(-(10**30), 10**30).map(str),
    _dates(),
)


@pytest.mark.parametrize("rule,role", GET_ROUTES, ids=[f"{rule}-{role}" for rule, role in GET_ROUTES])
def test_no_query_string_ever_answers_500(app: Flask, world, rule: str, role: str) -> None:
    """Hypothesis draws query strings of the route's parameters, of others and junk, several values a name."""
    client = _client(app, world, role)
    path = MATRIX[rule][0].format(**world.paths())
    names = st.sampled_from(QUERY_PARAMETERS.get(rule, []) + EVERYWHERE + ["junk", "é", ""])
    # A route that reads no parameter of its own sees only those every page reads and junk: the replay profile's
    # count is enough there (its PDFs and pages cost the most); `deep` and `explore` still draw theirs everywhere.
    count = examples(app) if rule in QUERY_PARAMETERS or PROFILE in {"deep", "explore"} else EXAMPLES["replay"][0]

    @settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(st.tuples(names, query_values), max_size=6))
    def fuzz(pairs: list[tuple[str, str]]) -> None:
        query = urlencode(pairs)
        with client.get(_with_query(path, query)) as response:
            assert response.status_code < 500, (path, query, response.status_code)

    fuzz()
