"""`flask users create` and `flask frameworks load`."""

import json

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.frameworks import CDA
from bootcamp.models import Block, Cohort, Competency, Programme, Role, User

from .conftest import AuthActions


def _user(app: Flask, email: str) -> User | None:
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.email == email))


def test_create_user_then_log_in(app: Flask, runner, client, auth: AuthActions) -> None:
    result = runner.invoke(
        args=["users", "create", "Nadia@Example.org", "--role", "trainer", "--password", "a long passphrase"]
    )
    assert result.exit_code == 0, result.output
    user = _user(app, "nadia@example.org")
    assert user is not None and user.role == Role.TRAINER and user.name == "nadia"
    assert auth.login("nadia@example.org", "a long passphrase").headers["Location"] == "/cohorts/"


def test_create_user_prompts_for_the_password(app: Flask, runner) -> None:
    result = runner.invoke(
        args=["users", "create", "paul@example.org", "--role", "manager", "--name", "Paul M."],
        input="another passphrase\nanother passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "another passphrase" not in result.output
    assert _user(app, "paul@example.org").name == "Paul M."


def test_duplicate_email_is_refused_whatever_the_case(app: Flask, runner) -> None:
    runner.invoke(args=["users", "create", "sam@example.org", "--role", "admin", "--password", "a long passphrase"])
    result = runner.invoke(
        args=["users", "create", "SAM@example.org", "--role", "trainer", "--password", "a long passphrase"]
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert _user(app, "sam@example.org").role == Role.ADMIN


def test_bad_role_short_password_and_bad_email_are_refused(app: Flask, runner) -> None:
    assert (
        runner.invoke(
            args=["users", "create", "a@example.org", "--role", "boss", "--password", "a long passphrase"]
        ).exit_code
        == 2
    )
    result = runner.invoke(args=["users", "create", "a@example.org", "--role", "admin", "--password", "short"])
    assert result.exit_code == 1 and "au moins 12 caractères" in result.output
    result = runner.invoke(args=["users", "create", "a@example.org", "--role", "admin", "--password", "qwerty123456"])
    assert result.exit_code == 1 and "plus courants" in result.output
    assert (
        runner.invoke(
            args=["users", "create", "not-an-email", "--role", "admin", "--password", "a long passphrase"]
        ).exit_code
        == 2
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_load_the_cda_framework(app: Flask, runner) -> None:
    result = runner.invoke(args=["frameworks", "load", str(CDA)])
    assert result.exit_code == 0, result.output
    assert "3 blocks, 11 competencies" in result.output
    with app.app_context():
        programme = db.session.scalars(sa.select(Programme).where(Programme.rncp_code == "RNCP37873")).one()
        assert [len(block.competencies) for block in programme.blocks] == [4, 4, 3]
        assert (
            programme.blocks[2].competencies[2].title == "Contribuer à la mise en production dans une démarche DevOps"
        )
    again = runner.invoke(args=["frameworks", "load", str(CDA)])
    assert again.exit_code == 1 and "already loaded" in again.output


def test_a_malformed_framework_loads_nothing(app: Flask, runner, tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "rncp_code": "RNCP1",
                "short_name": "X",
                "title": "X",
                "blocks": [
                    {"code": "B1", "title": "ok", "competencies": [{"code": "C1", "title": "one"}]},
                    {"code": "B2", "title": "dup", "competencies": [{"code": "C1", "title": "again"}]},
                ],
            }
        )
    )
    result = runner.invoke(args=["frameworks", "load", str(bad)])
    assert result.exit_code == 1 and "C1 appears twice" in result.output
    bad.write_text("{not json")
    assert "cannot read" in runner.invoke(args=["frameworks", "load", str(bad)]).output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Block)) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Competency)) == 8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2026-09-01", "--end", "9999-12-31"], "date hors limites"),
        (["--start", "1850-09-01", "--end", "2026-12-31"], "date hors limites"),
        (["--start", "2026-09-01", "--end", "2027-06-30", "--site", "M" * 300], "texte trop long"),
    ],
)
def test_create_cohort_checks_dates_and_lengths(app: Flask, runner, args: list[str], message: str) -> None:
    options = {"--site": "Mende"} | dict(zip(args[::2], args[1::2]))
    result = runner.invoke(args=["cohorts", "create", "Promo", *[part for pair in options.items() for part in pair]])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == 0


def test_create_user_refuses_a_name_too_long(app: Flask, runner) -> None:
    too_long = ["--name", "n" * 500, "--password", "long passphrase"]
    result = runner.invoke(args=["users", "create", "a@example.org", "--role", "admin", *too_long])
    assert result.exit_code == 2 and "too long" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(User.id).where(User.email == "a@example.org")) is None
