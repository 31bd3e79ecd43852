"""OWASP ASVS-style checks: throttling, session tokens and timeouts, passwords, headers, CSRF, errors, uploads."""

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import LoginAttempt, User

from .conftest import PASSWORD, AuthActions, csrf_token, make_app, page_form
from .test_access import MATRIX


def test_sixth_failure_in_fifteen_minutes_answers_429(app: Flask, client, auth: AuthActions, world) -> None:
    for _ in range(5):
        assert auth.login("trainer@example.org", "wrong password!").status_code == 200
    refused = auth.login("trainer@example.org", PASSWORD)  # even the right password waits
    assert refused.status_code == 429 and "réessayez dans 15 minutes" in refused.text
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    # The real person, from another address, is not locked out by someone guessing elsewhere
    assert AuthActions(other_address).login("trainer@example.org").status_code == 302
    assert auth.login("manager@example.org", PASSWORD).status_code == 302  # another account from the same address
    auth.logout()
    with app.app_context():
        db.session.execute(
            sa.update(LoginAttempt).values(attempted_at=LoginAttempt.attempted_at - timedelta(minutes=16))
        )
        db.session.commit()
    assert auth.login("trainer@example.org", PASSWORD).status_code == 302


def test_one_address_guessing_many_accounts_is_throttled(app: Flask, client, auth: AuthActions, world) -> None:
    from bootcamp.auth.throttle import ALLOWED_ADDRESS_FAILURES
    from bootcamp.models import utcnow

    def guesses(count: int) -> None:
        with app.app_context():
            db.session.add_all(
                LoginAttempt(email=f"guess{n}@example.org", address="127.0.0.1", succeeded=False, attempted_at=utcnow())
                for n in range(count)
            )
            db.session.commit()

    guesses(ALLOWED_ADDRESS_FAILURES - 2)  # a school's shared address: others' mistakes do not lock anyone out
    assert auth.login("trainer@example.org", PASSWORD).status_code == 302
    auth.logout()
    guesses(2)
    refused = auth.login("trainer@example.org", PASSWORD)  # password spraying: the address's limit reached
    assert refused.status_code == 429 and "réessayez dans 15 minutes" in refused.text
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert AuthActions(other_address).login("trainer@example.org").status_code == 302


def test_concurrent_guesses_cannot_pass_the_limit(app: Flask, world, monkeypatch) -> None:
    """Two guesses at once after 4 failures: counting before recording let both through (6 guesses); the
    attempt is now recorded and committed first, then counted, so the later one sees both and stops."""
    import threading

    import bootcamp.auth.views

    for _ in range(4):
        assert AuthActions(app.test_client()).login("trainer@example.org", "wrong password!").status_code == 200
    original, checks, finished = bootcamp.auth.views.check_password, [], []
    condition = threading.Condition()

    def slow_check(*args):  # each guess waits inside the check until the other one checks too, or has answered
        with condition:
            checks.append(1)
            condition.notify_all()
            condition.wait_for(lambda: len(checks) >= 6 or finished, timeout=5)
        return original(*args)

    monkeypatch.setattr(bootcamp.auth.views, "check_password", slow_check)
    clients = [app.test_client() for _ in range(2)]
    tokens = [csrf_token(each) for each in clients]
    statuses = []

    def guess(each, token) -> None:
        data = {"email": "trainer@example.org", "password": "wrong password!", "csrf_token": token}
        status = each.post("/login", data=data).status_code
        with condition:
            statuses.append(status)
            finished.append(1)
            condition.notify_all()

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 5 guesses in all, never 6; on a busy machine (tests in parallel) both may be recorded before either counts:
    # then both are refused, which is as safe
    assert (len(checks), sorted(statuses)) in ((1, [200, 429]), (0, [429, 429]))


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
            # the one page other sites may frame: its own sources (test_public_pages), every other none
            framed = "frame-ancestors *" if path.endswith("/embed") else "frame-ancestors 'none'"
            for directive in ("object-src 'none'", "base-uri 'none'", framed):
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
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)  # raw bytes: the test client would spool a big form to a file
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


def test_base_url_is_required_in_production_and_sets_the_trusted_hosts(tmp_path, monkeypatch) -> None:
    from bootcamp import config

    for name in ("BASE_URL", "BOOTCAMP_SETTINGS", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    app = Flask("probe", instance_path=str(tmp_path), instance_relative_config=True)
    app.config.from_object(config.Config)
    with pytest.raises(config.ConfigError, match="BASE_URL") as refused:
        config.load_overrides(app)
    assert "\n" not in str(refused.value)  # one line that says what to do
    monkeypatch.setenv("BASE_URL", "bootcamp.example.org")
    with pytest.raises(config.ConfigError, match="BASE_URL"):
        config.load_overrides(app)
    monkeypatch.setenv("BASE_URL", "https://bootcamp.example.org/")
    config.load_overrides(app)
    config.finalise(app)
    assert app.config["BASE_URL"] == "https://bootcamp.example.org"
    assert sorted(app.config["TRUSTED_HOSTS"]) == ["127.0.0.1", "bootcamp.example.org", "localhost"]
    testing = Flask("probe", instance_path=str(tmp_path))
    testing.config.update(TESTING=True)
    config.finalise(testing)  # tests and the debugger get the address `make run` serves
    assert testing.config["BASE_URL"] == "http://127.0.0.1:5000"


def test_an_unknown_host_gets_400(client, world) -> None:
    assert client.get("/login", headers={"Host": "127.0.0.1:5000"}).status_code == 200
    for host in ("evil.example", "bootcamp.example.org.evil.example"):
        response = client.get("/login", headers={"Host": host})
        assert response.status_code == 400 and host not in response.text
        assert response.headers["X-Content-Type-Options"] == "nosniff"


WERKZEUG_LINE = '%s - - [%s] "%s" %s %s'


def test_one_time_tokens_are_redacted_from_access_logs(app: Flask) -> None:
    import logging
    import runpy
    from datetime import timedelta as duration
    from pathlib import Path
    from types import SimpleNamespace

    from gunicorn.config import Config

    from bootcamp.tokens import redact

    token = "Xq3_k9-LmZ0aBcDeFgHiJkLmNoPqRsTuVwXyZ012345"
    assert redact(f"GET /password/{token} HTTP/1.1") == "GET /password/[redacted] HTTP/1.1"
    assert redact("POST /admin/users/3/password-link") == "POST /admin/users/3/password-link"

    # The development server (werkzeug's logger)
    werkzeug = logging.getLogger("werkzeug")
    request_line = f"GET /password/{token} HTTP/1.1"
    arguments = ("127.0.0.1", "now", request_line, "302", "-")
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, WERKZEUG_LINE, arguments, None)
    for log_filter in werkzeug.filters:
        log_filter.filter(record)
    assert token not in record.getMessage() and "/password/[redacted]" in record.getMessage()

    # gunicorn's access log
    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    config = Config()
    config.set("logger_class", settings["logger_class"])
    logger = config.logger_class(config)
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": f"/password/{token}", "PATH_INFO": f"/password/{token}",
        "SERVER_PROTOCOL": "HTTP/1.1", "QUERY_STRING": "", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://bootcamp.example.org/password/{token}",
    }
    response = SimpleNamespace(status="302 FOUND", sent=0, headers=[("X-Request-Id", "abc")])
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, duration(milliseconds=3))
    line = settings["access_log_format"] % logger.atoms_wrapper_class(atoms) + " " + atoms["r"] + atoms["f"]
    assert token not in line and "/password/[redacted]" in line
