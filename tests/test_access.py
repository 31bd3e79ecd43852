"""The route x role matrix, and the scoping functions every route starts from."""

import logging
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.exceptions import NotFound

from bootcamp import access
from bootcamp.extensions import db
from bootcamp.models import AuditEvent, Role, User
from bootcamp.templating import NAVIGATION

from .conftest import AuthActions, csrf_token

ROLES = ["anonymous", "learner", "unlinked", "trainer", "manager", "admin"]

# rule -> (a path, expected (status, redirect target or None) for each role in ROLES order).
# Paths name records of the trainer's own cohort; test_trainer_gets_404_in_other_cohorts tries the others.
LOGIN = ("302", "/login")
STAFF = [LOGIN, ("404", None), ("404", None), ("200", None), ("200", None), ("404", None)]
ADMIN = [LOGIN, ("404", None), ("404", None), ("404", None), ("404", None), ("200", None)]
MANAGER = [LOGIN, ("404", None), ("404", None), ("404", None), ("200", None), ("404", None)]
LEARNER = [LOGIN, ("200", None), ("404", None), ("404", None), ("404", None), ("404", None)]
OPEN = [("200", None)] * 6  # public: the same answer for every role
PLACEMENT_SEEN = [LOGIN, ("200", None), ("404", None), ("200", None), ("200", None), ("404", None)]  # learner: own
MATRIX = {
    "/": (
        "/",
        [LOGIN, ("302", "/me"), ("302", "/me"), ("302", "/cohorts/"), ("302", "/insertion"), ("302", "/admin/users/")],
    ),
    "/login": (
        "/login",
        [
            ("200", None),
            ("302", "/me"),
            ("302", "/me"),
            ("302", "/cohorts/"),
            ("302", "/insertion"),
            ("302", "/admin/users/"),
        ],
    ),
    "/logout": ("/logout", [("405", None)] * 6),  # POST only: see test_auth
    "/language": ("/language", [("405", None)] * 6),  # POST only: see test_i18n
    "/healthz": ("/healthz", [("200", None)] * 6),
    "/account/password": ("/account/password", [LOGIN] + [("200", None)] * 5),
    "/cohorts/": ("/cohorts/", STAFF),
    "/cohorts/<int:cohort_id>": ("/cohorts/{cohort}", STAFF),
    "/cohorts/<int:cohort_id>/enrolments/<int:enrolment_id>": ("/cohorts/{cohort}/enrolments/{enrolment}", STAFF),
    "/cohorts/<int:cohort_id>/learners/<int:learner_id>": ("/cohorts/{cohort}/learners/{learner}", STAFF),
    "/cohorts/<int:cohort_id>/finish": ("/cohorts/{cohort}/finish", STAFF),  # before its window: says when it opens
    "/cohorts/<int:cohort_id>/enrolments/<int:enrolment_id>/resume": (
        "/cohorts/{cohort}/enrolments/{enrolment}/resume",
        [("405", None)] * 6,  # POST only
    ),
    "/cohorts/<int:cohort_id>/competencies": ("/cohorts/{cohort}/competencies", STAFF),
    "/cohorts/<int:cohort_id>/competencies/<int:learner_id>/<int:competency_id>": (
        "/cohorts/{cohort}/competencies/{learner}/{competency}",
        STAFF,
    ),
    "/cohorts/<int:cohort_id>/projects": ("/cohorts/{cohort}/projects", STAFF),
    "/projects/<int:project_id>": ("/projects/{project}", STAFF),
    "/projects/<int:project_id>/grades": ("/projects/{project}/grades", STAFF),
    "/cohorts/new": ("/cohorts/new", MANAGER),
    "/cohorts/<int:cohort_id>/edit": ("/cohorts/{cohort}/edit", MANAGER),
    "/cohorts/<int:cohort_id>/import": ("/cohorts/{cohort}/import", MANAGER),
    "/cohorts/import/template.<any(csv, xlsx):extension>": ("/cohorts/import/template.xlsx", MANAGER),
    "/outcomes/import": ("/outcomes/import", MANAGER),
    "/insertion": ("/insertion", MANAGER),
    "/insertion/export.csv": ("/insertion/export.csv?by=gender", MANAGER),
    "/insertion/export.xlsx": ("/insertion/export.xlsx", MANAGER),
    "/insertion/export-excel.csv": ("/insertion/export-excel.csv?by=gender", MANAGER),
    "/attendance": ("/attendance", MANAGER),
    "/attendance/export.csv": ("/attendance/export.csv?by=gender", MANAGER),
    "/certification": ("/certification", MANAGER),
    "/certification/export.csv": ("/certification/export.csv?by=block", MANAGER),
    "/outcomes/due": ("/outcomes/due", MANAGER),
    "/sites/": ("/sites/", MANAGER),
    "/sites/<int:site_id>/edit": ("/sites/{site}/edit", MANAGER),
    "/outcomes/<int:enrolment_id>/<int:point>": ("/outcomes/{leaver_enrolment}/6", MANAGER),
    "/learners/<int:learner_id>": ("/learners/{learner}", MANAGER),
    "/learners/<int:learner_id>/export.json": ("/learners/{learner}/export.json", MANAGER),
    "/learners/<int:learner_id>/erase": ("/learners/{learner}/erase", [("405", None)] * 6),
    "/audit": ("/audit", [LOGIN, ("404", None), ("404", None), ("404", None), ("200", None), ("200", None)]),
    "/me": ("/me", [LOGIN, ("200", None), ("200", None), ("404", None), ("404", None), ("404", None)]),
    "/me/export.json": (
        "/me/export.json",
        [LOGIN, ("200", None), ("200", None), ("404", None), ("404", None), ("404", None)],
    ),
    "/me/data": ("/me/data", [LOGIN, ("200", None), ("200", None), ("404", None), ("404", None), ("404", None)]),
    "/me/projects/<int:project_id>": (  # a brief of the learner's own cohort (another's: test_learner_pages.py)
        "/me/projects/{project}",
        [LOGIN, ("200", None), ("404", None), ("404", None), ("404", None), ("404", None)],
    ),
    "/me/certification": (  # the learner's own livret and Dossier Professionnel; unlinked: no enrolment
        "/me/certification",
        [LOGIN, ("200", None), ("404", None), ("404", None), ("404", None), ("404", None)],
    ),
    "/me/dp": ("/me/dp", [("405", None)] * 6),  # POST only: see test_dossier
    "/me/dp/<int:example_id>": ("/me/dp/{example}", [("405", None)] * 6),  # POST only: see test_dossier
    "/me/dp/<int:example_id>/delete": ("/me/dp/{example}/delete", [("405", None)] * 6),  # POST only
    "/learners/<int:learner_id>/dp": ("/learners/{learner}/dp", STAFF),
    "/learners/<int:learner_id>/dp/<int:example_id>": (
        "/learners/{learner}/dp/{example}",
        [("405", None)] * 6,  # POST only: see test_dossier
    ),
    "/cohorts/<int:cohort_id>/attendance/sheet.pdf": ("/cohorts/{cohort}/attendance/sheet.pdf?week={day}", STAFF),
    "/learners/<int:learner_id>/attendance/certificate.pdf": (
        "/learners/{learner}/attendance/certificate.pdf?from={day}&to={day}",
        STAFF,
    ),
    "/learners/<int:learner_id>/ecf.pdf": (  # the livret: the learner's own, their trainers', managers'
        "/learners/{learner}/ecf.pdf",
        [LOGIN, ("200", None), ("404", None), ("200", None), ("200", None), ("404", None)],
    ),
    "/cohorts/<int:cohort_id>/ecf.pdf": ("/cohorts/{cohort}/ecf.pdf", STAFF),
    "/learners/<int:learner_id>/ecf": ("/learners/{learner}/ecf", STAFF),
    "/learners/<int:learner_id>/ecf/situations": ("/learners/{learner}/ecf/situations", [("405", None)] * 6),  # POST
    "/learners/<int:learner_id>/ecf/situations/<int:situation_id>": (
        "/learners/{learner}/ecf/situations/{situation}",
        STAFF,
    ),
    "/learners/<int:learner_id>/ecf/situations/<int:situation_id>/delete": (
        "/learners/{learner}/ecf/situations/{situation}/delete",
        [("405", None)] * 6,  # POST only: see test_ecf
    ),
    "/learners/<int:learner_id>/ecf/blocks/<int:block_id>": (  # a block's summary: POST only, see test_ecf
        "/learners/{learner}/ecf/blocks/1",
        [("405", None)] * 6,
    ),
    "/cohorts/<int:cohort_id>/attendance/<day>/<half_day>": ("/cohorts/{cohort}/attendance/{day}/{half_day}", STAFF),
    "/me/attendance/sign": ("/me/attendance/sign", [("405", None)] * 6),  # POST only: see test_rollcall
    "/cohorts/<int:cohort_id>/attendance": ("/cohorts/{cohort}/attendance?month=2026-11", STAFF),
    "/cohorts/<int:cohort_id>/attendance/export.csv": ("/cohorts/{cohort}/attendance/export.csv?month=2026-11", STAFF),
    "/cohorts/<int:cohort_id>/attendance/export.xlsx": (
        "/cohorts/{cohort}/attendance/export.xlsx?month=2026-11",
        STAFF,
    ),
    "/me/attendance": (
        "/me/attendance",
        [LOGIN, ("200", None), ("200", None), ("404", None), ("404", None), ("404", None)],
    ),
    "/cohorts/<int:cohort_id>/absences": ("/cohorts/{cohort}/absences?month=2026-11", STAFF),
    "/cohorts/<int:cohort_id>/absences/<int:record_id>/decision": (
        "/cohorts/{cohort}/absences/{record}/decision",
        [("405", None)] * 6,  # POST only: see test_absences
    ),
    "/cohorts/<int:cohort_id>/absences/<int:record_id>/proof": (
        "/cohorts/{cohort}/absences/{record}/proof",
        [("405", None)] * 6,  # POST only: see test_absences
    ),
    "/me/attendance/<int:record_id>/justification": (
        "/me/attendance/{record}/justification",
        [("405", None)] * 6,  # POST only: see test_absences
    ),
    "/attendance/records/<int:record_id>/proof": (  # the world's absence has no proof: test_absences gives one
        "/attendance/records/{record}/proof",
        [LOGIN, ("404", None), ("404", None), ("404", None), ("404", None), ("404", None)],
    ),
    "/vendor/plotly.min.js": ("/vendor/plotly.min.js", [("200", None)] * 6),
    "/vendor/plotly.css": ("/vendor/plotly.css", [("200", None)] * 6),
    "/admin/users/": ("/admin/users/", ADMIN),
    "/admin/users/<int:user_id>": ("/admin/users/{user}", ADMIN),
    "/admin/users/<int:user_id>/password-link": ("/admin/users/{user}/password-link", [("405", None)] * 6),
    "/admin/users/cohort-accounts": ("/admin/users/cohort-accounts", [("405", None)] * 6),  # POST only
    "/password/<token>": ("/password/not-a-token", [("404", None)] * 6),
    "/password": ("/password", [("404", None)] * 6),  # the form of a link opened in this session: none here
    "/static/<path:filename>": ("/static/css/app.css", [("200", None)] * 6),
    "/cohorts/<int:cohort_id>/calendar": ("/cohorts/{cohort}/calendar", STAFF),
    "/cohorts/<int:cohort_id>/readiness": ("/cohorts/{cohort}/readiness", STAFF),
    "/cohorts/<int:cohort_id>/calendar/pattern": ("/cohorts/{cohort}/calendar/pattern", MANAGER),
    "/closures/": ("/closures/", MANAGER),
    "/closures/<int:closure_id>/delete": ("/closures/1/delete", [("405", None)] * 6),  # POST only
    "/exams/": ("/exams/", MANAGER),
    "/exams/new": ("/exams/new", MANAGER),
    "/exams/<int:session_id>": ("/exams/{exam}", MANAGER),
    "/exams/<int:session_id>/edit": ("/exams/{exam}/edit", MANAGER),
    "/exams/<int:session_id>/candidates": ("/exams/{exam}/candidates", [("405", None)] * 6),  # POST only
    "/exams/<int:session_id>/candidates/<int:candidate_id>/delete": (
        "/exams/{exam}/candidates/{candidate}/delete",
        [("405", None)] * 6,  # POST only: see test_exams
    ),
    "/exams/<int:session_id>/results": ("/exams/{exam}/results", [("405", None)] * 6),  # POST only
    "/forgot-password": (
        "/forgot-password",
        [
            ("200", None),
            ("302", "/me"),
            ("302", "/me"),
            ("302", "/cohorts/"),
            ("302", "/insertion"),
            ("302", "/admin/users/"),
        ],
    ),
    "/admin/users/<int:user_id>/mail-link": ("/admin/users/{user}/mail-link", [("405", None)] * 6),  # POST only
    "/followup/<token>": ("/followup/not-a-token", [("404", None)] * 6),  # a dead link: test_followup_page
    "/followup": ("/followup", [("404", None)] * 6),  # the page of a link opened in this session: none here
    "/unsubscribe/<token>": ("/unsubscribe/not-a-token", [("404", None)] * 6),
    "/unsubscribe": ("/unsubscribe", [("404", None)] * 6),  # the same: no unsubscribe link opened here
    "/outcomes/<int:enrolment_id>/<int:point>/confirm": (  # POST only: see test_followups
        "/outcomes/{leaver_enrolment}/0/confirm",
        [("405", None)] * 6,
    ),
    "/me/contact": ("/me/contact", [LOGIN, ("200", None), ("404", None), ("404", None), ("404", None), ("404", None)]),
    "/learners/<int:learner_id>/contact": ("/learners/{learner}/contact", MANAGER),
    "/admin/outbox": ("/admin/outbox", ADMIN),
    "/admin/outbox/<int:message_id>": ("/admin/outbox/{message}", ADMIN),
    "/admin/outbox/<int:message_id>/html": ("/admin/outbox/{message}/html", ADMIN),
    "/admin/outbox/<int:message_id>/resend": ("/admin/outbox/{message}/resend", [("405", None)] * 6),  # POST only
    "/satisfaction": ("/satisfaction", MANAGER),
    "/satisfaction/export.csv": ("/satisfaction/export.csv?by=gender&kind=hot", MANAGER),
    "/surveys/": ("/surveys/", MANAGER),
    "/surveys/statements/<int:programme_id>/<any(hot, cold):kind>": ("/surveys/statements/1/hot", MANAGER),
    "/surveys/open": ("/surveys/open", [("405", None)] * 6),  # POST only: see test_surveys
    "/surveys/<int:campaign_id>": ("/surveys/{campaign}", STAFF),
    "/surveys/cohorts/<int:cohort_id>": ("/surveys/cohorts/{cohort}", STAFF),
    "/survey/<token>": ("/survey/not-a-token", [("404", None)] * 6),  # a bad link: the plain « lien plus valable »
    "/survey": ("/survey", [("404", None)] * 6),  # no link opened in this session
    "/projects/<int:project_id>/hand-ins": ("/projects/{project}/hand-ins", STAFF),
    "/me/projects/<int:project_id>/hand-in": ("/me/projects/{project}/hand-in", [("405", None)] * 6),  # POST only
    "/cohorts/<int:cohort_id>/placements": ("/cohorts/{cohort}/placements", STAFF),
    "/cohorts/<int:cohort_id>/placements/new": ("/cohorts/{cohort}/placements/new?enrolment={enrolment}", STAFF),
    "/placements/<int:placement_id>": ("/placements/{placement}", PLACEMENT_SEEN),
    "/placements/<int:placement_id>/agreement": ("/placements/{placement}/agreement", PLACEMENT_SEEN),
    "/placements/<int:placement_id>/edit": ("/placements/{placement}/edit", STAFF),
    "/placements/<int:placement_id>/delete": ("/placements/{placement}/delete", [("405", None)] * 6),  # POST only
    "/me/placement": ("/me/placement", LEARNER),
    "/tutor/<token>": ("/tutor/not-a-token", [("404", None)] * 6),  # a dead link: the plain page (test_tutor_link)
    "/tutor": ("/tutor", [("404", None)] * 6),  # the page of a tutor's link opened in this session: none here
    "/placements/<int:placement_id>/reviews/<any(mid, end):stage>/send": (  # POST only: see test_tutor_sending
        "/placements/{placement}/reviews/{stage}/send",
        [("405", None)] * 6,
    ),
    "/cohorts/<int:cohort_id>/competencies/<int:learner_id>/<int:competency_id>/confirm": (
        "/cohorts/{cohort}/competencies/{learner}/{competency}/confirm",
        [("405", None)] * 6,  # POST only: « Confirmer le niveau proposé » on the cell page
    ),
    "/placements": ("/placements", MANAGER),
    "/placements/export.csv": ("/placements/export.csv?by=gender", MANAGER),
    # issue 19: the programmes' public pages and their open data, for everyone, logged in or not (literal paths:
    # the world's published page is "dwwm", a site of it "mende"), and the managers' editing
    "/p/": ("/p/", OPEN),
    "/p/<slug>": ("/p/dwwm", OPEN),
    "/p/<slug>/<site_slug>": ("/p/dwwm/mende", OPEN),
    "/p/<slug>/embed": ("/p/dwwm/embed", OPEN),
    "/p/schema.json": ("/p/schema.json", OPEN),
    "/p/<slug>.json": ("/p/dwwm.json", OPEN),
    "/p/<slug>.csv": ("/p/dwwm.csv", OPEN),
    "/programmes/pages": ("/programmes/pages", MANAGER),
    "/programmes/<int:programme_id>/page": ("/programmes/{programme}/page", MANAGER),
    "/programmes/<int:programme_id>/page/preview": ("/programmes/{programme}/page/preview", MANAGER),
}
# Every POST route, with what a valid form would change, for the CSRF and scope tests.
POSTS = [
    "/cohorts/{cohort}/enrolments/{enrolment}",
    "/cohorts/{cohort}/finish",
    "/cohorts/{cohort}/enrolments/{enrolment}/resume",
    "/cohorts/{cohort}/competencies",
    "/cohorts/{cohort}/competencies/{learner}/{competency}",
    "/cohorts/{cohort}/projects",
    "/projects/{project}",
    "/projects/{project}/grades",
    "/outcomes/{leaver_enrolment}/6",
    "/admin/users/",
    "/admin/users/{user}",
    "/cohorts/new",
    "/cohorts/{cohort}/edit",
    "/cohorts/{cohort}/import",
    "/outcomes/import",
    "/admin/users/{user}/password-link",
    "/admin/users/cohort-accounts",
    "/learners/{learner}/erase",
    "/sites/",
    "/sites/{site}/edit",
    "/cohorts/{cohort}/attendance/{day}/{half_day}",
    "/me/attendance/sign",
    "/me/attendance/{record}/justification",
    "/me/dp",
    "/me/dp/{example}",
    "/me/dp/{example}/delete",
    "/learners/{learner}/dp/{example}",
    "/learners/{learner}/ecf/situations",
    "/learners/{learner}/ecf/situations/{situation}",
    "/learners/{learner}/ecf/situations/{situation}/delete",
    "/learners/{learner}/ecf/blocks/1",
    "/cohorts/{cohort}/absences/{record}/decision",
    "/cohorts/{cohort}/absences/{record}/proof",
    "/cohorts/{cohort}/calendar",
    "/cohorts/{cohort}/calendar/pattern",
    "/closures/",
    "/closures/1/delete",
    "/exams/new",
    "/exams/{exam}/edit",
    "/exams/{exam}/candidates",
    "/exams/{exam}/candidates/{candidate}/delete",
    "/exams/{exam}/results",
    "/admin/users/{user}/mail-link",
    "/followup",
    "/unsubscribe",
    "/outcomes/{leaver_enrolment}/0/confirm",
    "/me/contact",
    "/learners/{learner}/contact",
    "/admin/outbox/{message}/resend",
    "/surveys/statements/1/hot",
    "/surveys/open",
    "/survey",
    "/me/projects/{project}/hand-in",
    "/cohorts/{cohort}/placements/new?enrolment={enrolment}",
    "/placements/{placement}/edit",
    "/placements/{placement}/delete",
    "/placements/{placement}/reviews/{stage}/send",
    "/tutor",
    "/cohorts/{cohort}/competencies/{learner}/{competency}/confirm",
    "/programmes/{programme}/page",
]


def test_matrix_covers_every_route(app: Flask) -> None:
    """A new route must be added to the matrix, with what each role gets."""
    assert {rule.rule for rule in app.url_map.iter_rules()} == set(MATRIX)
    posts = {rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    # + login, logout, « mot de passe oublié », changing one's password, choosing one from a link, the language:
    # test_auth, test_password_reset, test_users and test_i18n
    assert len(posts) == len(POSTS) + 6


@pytest.mark.parametrize("rule", list(MATRIX))
def test_route_answers_each_role(app: Flask, world, rule: str) -> None:
    """Each role in turn, on the same data (a client of its own each): what it gets on the route."""
    path, expected = MATRIX[rule]
    got = []
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            assert AuthActions(client).login(world.emails[role]).status_code == 302
        with client.get(path.format(**world.paths())) as response:
            location = response.headers.get("Location")
            got.append((str(response.status_code), location.split("?")[0] if location else None))
    # A redirect's target is checked where the matrix names one
    wanted = [(status, got[index][1] if target is None else target) for index, (status, target) in enumerate(expected)]
    assert dict(zip(ROLES, got)) == dict(zip(ROLES, wanted))


def _audit_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("path", [path for path, _ in MATRIX.values() if "{" in path] + POSTS)
def test_trainer_gets_404_in_other_cohorts(app: Flask, client, auth: AuthActions, world, path: str) -> None:
    auth.login("trainer@example.org")
    url = path.format(**world.paths(mine=False))
    assert client.get(url).status_code in (404, 405)
    if path in POSTS:
        token = csrf_token(client, "/cohorts/")
        before = _audit_count(app)
        response = client.post(
            url,
            data={
                "csrf_token": token,
                "exit_date": "2027-01-01",
                "status": "finished",
                "version": "1",
                "title": "x",
                "due_date": "2027-01-01",
                "level": "2",
                "snapshot": "0",
            },
        )
        assert response.status_code == 404
        assert _audit_count(app) == before


@pytest.mark.parametrize("path", POSTS)
def test_posts_without_csrf_token_are_refused(app: Flask, client, auth: AuthActions, world, path: str) -> None:
    auth.login("trainer@example.org")
    before = _audit_count(app)
    response = client.post(path.format(**world.paths()), data={"exit_date": "2027-01-01", "title": "x", "level": "2"})
    assert response.status_code == 400
    assert _audit_count(app) == before


def _user(email: str) -> User:
    return db.session.scalars(sa.select(User).where(User.email == email)).one()


@pytest.mark.parametrize(
    "role,cohorts,learners",
    [
        ("trainer", {"mine"}, {"mine"}),
        ("manager", {"mine", "theirs"}, {"mine", "theirs"}),
        ("learner", set(), {"mine"}),
        ("unlinked", set(), set()),
        ("admin", set(), set()),
    ],
)
def test_scopes(app: Flask, world, role: str, cohorts: set[str], learners: set[str]) -> None:
    names = {world.cohort_id: "mine", world.other_cohort_id: "theirs"}
    learner_names = {world.learner_id: "mine", world.other_learner_id: "theirs"}
    with app.test_request_context():
        user = _user(world.emails[role])
        seen = db.session.scalars(access.visible_cohorts(user)).all()
        assert {names[c.id] for c in seen} == cohorts
        seen_learners = db.session.scalars(access.visible_learners(user)).all()
        assert {learner_names[item.id] for item in seen_learners} == learners


@pytest.mark.parametrize("role", ["trainer", "learner", "admin"])
def test_out_of_scope_records_answer_404(app: Flask, world, role: str) -> None:
    with app.test_request_context():
        user = _user(world.emails[role])
        with pytest.raises(NotFound):
            access.get_cohort_or_404(world.other_cohort_id, user)
        with pytest.raises(NotFound):
            access.get_learner_or_404(world.other_learner_id, user)


def test_in_scope_records_are_returned(app: Flask, world) -> None:
    with app.test_request_context():
        trainer = _user(world.emails["trainer"])
        assert access.get_cohort_or_404(world.cohort_id, trainer).id == world.cohort_id
        assert access.get_learner_or_404(world.learner_id, trainer).id == world.learner_id
        learner = _user(world.emails["learner"])
        assert access.get_learner_or_404(world.learner_id, learner).id == world.learner_id


def test_sensitive_fields_are_for_managers_only(app: Flask, world) -> None:
    with app.test_request_context():
        allowed = {role for role in ROLES[1:] if access.can_see_sensitive(_user(world.emails[role]))}
    assert allowed == {"manager"}


# The one table of what each role may do (access.PERMISSIONS): routes, navigation and templates read it.


def test_navigation_links_only_to_pages_the_role_may_open(app: Flask) -> None:
    """Each role's navigation comes from the table, and every link leads to a route that lets the role in."""
    shown = {role.value: [endpoint for endpoint, _text in links] for role, links in NAVIGATION.items()}
    assert shown == {
        "learner": ["learners.me"],
        "trainer": ["cohorts.index"],
        "manager": [
            "reports.dashboard",
            "outcomes.due",
            "cohorts.index",
            "timetable.closures",
            "exams.index",
            "satisfaction.index",
            "public_pages.index",
            "auditlog.index",
        ],
        "admin": ["users.index", "auditlog.index", "mail.index"],
    }
    assert [str(text) for _endpoint, text in NAVIGATION[Role.TRAINER]] == ["Mes promotions"]
    for role, links in NAVIGATION.items():
        for endpoint, _text in links:
            assert role in access.PERMISSIONS[app.view_functions[endpoint].action], (role, endpoint)


def test_every_action_has_its_roles_and_a_misspelt_one_fails_at_once() -> None:
    assert set(access.PERMISSIONS) == set(access.Action)
    with pytest.raises(ValueError):
        access.role_required("manage_everything")


def test_templates_ask_what_a_person_may_do_not_their_role() -> None:
    """`can("action")` in templates, never `current_user.role == ...`: the rule stays in access.py."""
    templates = Path(access.__file__).parent / "templates"
    deciding = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if re.search(r"current_user\.role\s*(==|!=|\bin\b|\bnot\b)", path.read_text(encoding="utf-8"))
    ]
    assert not deciding


@pytest.mark.parametrize(
    "email,path",
    [
        ("trainer@example.org", "/cohorts/{cohort}/competencies/{other_learner}/{competency}"),  # not in the cohort
        ("manager@example.org", "/outcomes/{enrolment}/6"),  # still in training: no follow-up yet
    ],
)
def test_records_out_of_reach_are_refused_and_logged(client, auth: AuthActions, world, caplog, email, path) -> None:
    auth.login(email)
    paths = {**world.paths(), "other_learner": str(world.other_learner_id)}
    with caplog.at_level(logging.INFO):
        assert client.get(path.format(**paths)).status_code == 404
    assert [record for record in caplog.records if record.getMessage().startswith("access refused")]


def test_leaver_enrolments_and_cohort_members(app: Flask, world) -> None:
    with app.test_request_context():
        manager, trainer = _user(world.emails["manager"]), _user(world.emails["trainer"])
        assert access.get_leaver_enrolment_or_404(world.other_enrolment_id, manager).id == world.other_enrolment_id
        for enrolment_id, user in [(world.other_enrolment_id, trainer), (world.enrolment_id, manager)]:
            with pytest.raises(NotFound):
                access.get_leaver_enrolment_or_404(enrolment_id, user)
        cohort = access.get_cohort_or_404(world.cohort_id, trainer)
        learner, competency = access.get_learner_and_competency_or_404(cohort, world.learner_id, world.competency_id)
        assert (learner.id, competency.id) == (world.learner_id, world.competency_id)
        with pytest.raises(NotFound):
            access.get_learner_and_competency_or_404(cohort, world.other_learner_id, world.competency_id)
