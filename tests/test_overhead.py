"""What every request pays (issue 13): the health check and public files read no session and no user, pages
still get every security header, and `make bench` compares each page with a bare Flask app."""

import pytest
from flask import Flask

from .conftest import AuthActions, csrf_token

HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "X-Request-Id")


@pytest.mark.parametrize("path", ["/healthz", "/static/css/app.css"])
def test_health_check_and_static_files_run_no_query_even_logged_in(
    app: Flask, client, auth: AuthActions, world, count_queries, path: str
) -> None:
    auth.login(world.emails["trainer"])
    with count_queries() as counter, client.get(path) as response:
        assert response.status_code == 200 and counter.count == 0, counter.statements  # no user looked up
        assert all(response.headers.get(name) for name in HEADERS)
        assert "Set-Cookie" not in response.headers
        if path == "/healthz":
            assert response.text == "ok" and response.headers["Cache-Control"] == "no-store"


def test_health_check_answers_anonymous_callers_uncached(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_a_logged_in_page_still_loads_the_user_and_ends_an_idle_session(
    app: Flask, client, auth: AuthActions, world
) -> None:
    auth.login(world.emails["trainer"])
    assert client.get("/healthz").status_code == 200
    with client.session_transaction() as session:
        session["seen"] = 0
    assert client.get("/healthz").status_code == 200  # the health check does not look at the session
    response = client.get(f"/cohorts/{world.cohort_id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("where", ["query", "form", "multipart"])
def test_a_null_character_is_refused_in_the_query_and_in_any_form_body(client, world, where: str) -> None:
    token = csrf_token(client)
    data = {"email": "a\x00@example.org", "password": "x", "csrf_token": token}
    if where == "query":
        response = client.get("/login?next=%00")
    elif where == "form":
        response = client.post("/login", data=data)
    else:
        response = client.post("/login", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "caractère nul" in response.text


def test_the_benchmark_floor_is_a_bare_flask_app() -> None:
    from bench.bare import app as bare

    response = bare.test_client().get("/")
    assert response.status_code == 200 and response.text == "ok"
    assert not bare.before_request_funcs and not bare.after_request_funcs  # nothing of the app's own


def test_the_benchmark_table_gives_each_page_its_share_of_the_floor_and_its_goal() -> None:
    from bench import run

    page = run.InProcess(cold_ms=10, cold_queries=5, warm_queries=2, html_bytes=1000, compressed_bytes=300)
    rows = [(run.FLOOR, 3000, 2, 5, 1, 2), ("/healthz", 2500, 3, 6, 1, 2), ("/me", 250, 30, 60, 9, 20)]
    lines = run.table(rows, {"/healthz": page, "/me": page})
    assert lines[2].startswith(f"| {run.FLOOR}") and "| 3000 | 1.000 |" in lines[2]
    assert "| `/healthz` | 2500 | 0.833 | met (0.8) |" in lines[3]
    assert "| `/me` | 250 | 0.083 | MISSED (0.1) |" in lines[4]
