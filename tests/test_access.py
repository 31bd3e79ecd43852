"""The route x role matrix, and the scoping functions every route starts from."""

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.exceptions import NotFound

from bootcamp import access
from bootcamp.extensions import db
from bootcamp.models import User

from .conftest import AuthActions

ROLES = ["anonymous", "learner", "unlinked", "trainer", "manager", "admin"]

# path -> expected (status, redirect target or None) for each role, in ROLES order.
LOGIN = ("302", "/login")
MATRIX = {
    "/": [LOGIN, ("302", "/me"), ("302", "/me"), ("302", "/cohorts/"), ("302", "/cohorts/"), ("302", "/admin/users/")],
    "/login": [
        ("200", None),
        ("302", "/me"),
        ("302", "/me"),
        ("302", "/cohorts/"),
        ("302", "/cohorts/"),
        ("302", "/admin/users/"),
    ],
    "/logout": [("405", None)] * 6,  # POST only: see test_auth
    "/cohorts/": [LOGIN, ("404", None), ("404", None), ("200", None), ("200", None), ("404", None)],
    "/me": [LOGIN, ("200", None), ("200", None), ("404", None), ("404", None), ("404", None)],
    "/admin/users/": [LOGIN, ("404", None), ("404", None), ("404", None), ("404", None), ("200", None)],
    "/static/css/app.css": [("200", None)] * 6,
}


def test_matrix_covers_every_route(app: Flask) -> None:
    """A new route must be added to the matrix, with what each role gets."""
    rules = {rule.rule.replace("<path:filename>", "css/app.css") for rule in app.url_map.iter_rules()}
    assert rules == set(MATRIX)


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
@pytest.mark.parametrize("path", list(MATRIX))
def test_route_answers_each_role(client, auth: AuthActions, world, path: str, role_index: int, role: str) -> None:
    if role != "anonymous":
        assert auth.login(world.emails[role]).status_code == 302
    status, target = MATRIX[path][role_index]
    with client.get(path) as response:
        assert str(response.status_code) == status
        if target is not None:
            assert response.headers["Location"].split("?")[0] == target


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
