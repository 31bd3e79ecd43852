"""OWASP ASVS-style checks: throttling, session tokens and timeouts, passwords, headers, CSRF, errors, uploads."""

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import LoginAttempt, User

from .conftest import PASSWORD, AuthActions, make_app, page_form
from .test_access import MATRIX


def test_sixth_failure_in_fifteen_minutes_answers_429(app: Flask, client, auth: AuthActions, world) -> None:
    for _ in range(5):
        assert auth.login("trainer@example.org", "wrong password!").status_code == 200
    refused = auth.login("trainer@example.org", PASSWORD)  # even the right password waits
    assert refused.status_code == 429 and "réessayez dans 15 minutes" in refused.text
    assert auth.login("manager@example.org", PASSWORD).status_code == 429  # the same address is throttled too
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert AuthActions(other_address).login("manager@example.org").status_code == 302  # another account, elsewhere
    with app.app_context():
        db.session.execute(
            sa.update(LoginAttempt).values(attempted_at=LoginAttempt.attempted_at - timedelta(minutes=16))
        )
        db.session.commit()
    assert auth.login("trainer@example.org", PASSWORD).status_code == 302


def test_a_copied_cookie_stops_working_after_logout(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    cookie = client.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value)
    assert thief.get("/cohorts/").status_code == 200
    auth.logout()
    assert thief.get("/cohorts/").status_code == 302


def test_idle_and_absolute_timeouts(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    with client.session_transaction() as session:
        session["seen"] = time.time() - 2 * 3600 - 5
    response = client.get("/cohorts/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "session a expiré" in client.get("/login").text
    auth.login("manager@example.org")
    with client.session_transaction() as session:
        session["since"] = time.time() - 12 * 3600 - 5
    assert client.get("/cohorts/").status_code == 302


def test_change_my_password(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    other_session = app.test_client()
    AuthActions(other_session).login("trainer@example.org")
    form = page_form(client, "/account/password")
    for current, new, message in [
        ("nope", "une phrase assez longue", "pas votre mot de passe actuel"),
        (PASSWORD, "QazWsxEdcRfv", "plus courants"),
        (PASSWORD, "court", "au moins 12 caractères"),
    ]:
        response = client.post("/account/password", data=form | {"current": current, "password": new, "confirm": new})
        assert response.status_code == 200 and message in response.text
    new = "une phrase assez longue"
    assert (
        client.post("/account/password", data=form | {"current": PASSWORD, "password": new, "confirm": new}).status_code
        == 302
    )
    assert client.get("/cohorts/").status_code == 200  # this session goes on
    assert other_session.get("/cohorts/").status_code == 302  # the other one ended
    assert AuthActions(app.test_client()).login("trainer@example.org", new).status_code == 302


def test_passwords_accept_128_characters_and_no_more(app: Flask, world) -> None:
    from bootcamp.passwords import password_problem

    assert password_problem("été à Mende " * 10 + "Lozère!!") is None  # 128 characters
    assert "au plus 128" in password_problem("é" * 129)


@pytest.mark.parametrize("role", ["anonymous", "manager", "trainer", "learner", "admin"])
def test_security_headers_on_every_route(client, auth: AuthActions, world, role: str) -> None:
    if role != "anonymous":
        auth.login(world.emails[role])
    for path, _expected in MATRIX.values():
        with client.get(path.format(**world.paths())) as response:
            csp = response.headers["Content-Security-Policy"]
            script = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
            assert "default-src 'self'" in csp and "unsafe-inline" not in script and "unsafe-eval" not in script
            for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
                assert directive in csp
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Referrer-Policy"] and response.headers["Permissions-Policy"]
            assert response.headers["X-Request-Id"]
            if role != "anonymous" and not path.startswith(("/static", "/vendor")):
                assert response.headers["Cache-Control"] == "no-store", path
            assert "Strict-Transport-Security" not in response.headers


def test_https_deployment_settings(migrated_database, tmp_path) -> None:
    import shutil

    shutil.copy(migrated_database, tmp_path / "db.sqlite")
    app = make_app(tmp_path / "db.sqlite", HTTPS=True, PROXY_HOPS=1)
    client = app.test_client()
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers["Set-Cookie"]
    assert (
        cookie.startswith("__Host-session=")
        and "Secure" in cookie
        and "HttpOnly" in cookie
        and "SameSite=Lax" in cookie
    )


@pytest.mark.parametrize("path", ["/login", "/logout", "/account/password"])
def test_the_other_posts_need_a_csrf_token(client, auth: AuthActions, world, path: str) -> None:
    if path != "/login":
        auth.login("manager@example.org")
    assert client.post(path, data={"email": "manager@example.org", "password": PASSWORD}).status_code == 400
    if path != "/login":
        assert client.get("/cohorts/").status_code == 200  # still logged in, nothing changed


def test_server_error_shows_a_request_id_and_no_detail(migrated_database, tmp_path, caplog) -> None:
    import shutil

    shutil.copy(migrated_database, tmp_path / "db.sqlite")
    app = make_app(tmp_path / "db.sqlite", TESTING=False)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("SELECT secret FROM somewhere")

    response = app.test_client().get("/boom")
    request_id = response.headers["X-Request-Id"]
    assert response.status_code == 500 and request_id in response.text
    assert "SELECT" not in response.text and "Traceback" not in response.text
    assert any(getattr(record, "request_id", None) == request_id for record in caplog.records)


def test_uploads_are_limited_in_size(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    body = b"x" * (5 * 1024 * 1024 + 1)  # raw bytes: the test client would spool a form this big to a file
    response = client.post(
        f"/cohorts/{world.cohort_id}/import", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 413 and "taille autorisée" in response.text


def test_deactivation_ends_open_sessions(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    with app.app_context():
        before = db.session.scalar(sa.select(User.session_token).where(User.email == "trainer@example.org"))
    admin = app.test_client()
    AuthActions(admin).login("admin@example.org")
    with app.app_context():
        trainer_id = db.session.scalar(sa.select(User.id).where(User.email == "trainer@example.org"))
    form = page_form(admin, f"/admin/users/{trainer_id}", index=-2)
    form.pop("active")
    admin.post(f"/admin/users/{trainer_id}", data=form)
    with app.app_context():
        assert db.session.scalar(sa.select(User.session_token).where(User.email == "trainer@example.org")) != before
    assert client.get("/cohorts/").status_code == 302


def test_refused_accesses_are_logged_without_personal_data(client, auth: AuthActions, world, caplog) -> None:
    import logging

    caplog.set_level(logging.INFO, logger="bootcamp")
    auth.login("trainer@example.org")
    client.get(f"/cohorts/{world.other_cohort_id}")
    client.get("/insertion")
    refusals = [record.getMessage() for record in caplog.records if "access refused" in record.getMessage()]
    assert len(refusals) == 2 and all("user=" in line for line in refusals)
    assert not any("@" in record.getMessage() for record in caplog.records)


def test_pages_do_not_rewrite_the_session_cookie_on_every_request(client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    client.get("/cohorts/")
    assert "Set-Cookie" not in client.get("/cohorts/").headers  # lighter responses; the idle clock still runs
    with client.session_transaction() as session:
        session["seen"] -= 120
    assert "Set-Cookie" in client.get("/cohorts/").headers
