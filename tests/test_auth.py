"""Logging in and out."""

import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import User

from .conftest import PASSWORD, AuthActions, csrf_token

GENERIC_ERROR = "Adresse e-mail ou mot de passe incorrect."


def test_login_page_has_labelled_fields(client) -> None:
    page = client.get("/login").text
    assert '<html lang="fr">' in page
    assert 'for="email"' in page and 'name="email"' in page
    assert 'for="password"' in page and 'name="password"' in page
    assert 'name="csrf_token"' in page


def test_login_lands_on_home_and_records_the_time(app: Flask, client, auth: AuthActions, world) -> None:
    response = auth.login("Trainer@Example.org ", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/cohorts/"
    assert "Mende 2026 automne" in client.get("/cohorts/").text
    with app.app_context():
        assert db.session.scalar(sa.select(User.last_login_at).where(User.email == "trainer@example.org"))


def test_wrong_password_and_unknown_email_get_the_same_message(client, auth: AuthActions, world) -> None:
    for email, password in [("trainer@example.org", "wrong password!"), ("nobody@example.org", PASSWORD)]:
        response = auth.login(email, password)
        assert response.status_code == 200
        assert GENERIC_ERROR in response.text
        assert client.get("/cohorts/").status_code == 302  # still anonymous


def test_empty_form_shows_errors_next_to_fields(client) -> None:
    response = client.post("/login", data={"email": "", "password": "", "csrf_token": csrf_token(client)})
    assert "Indiquez votre adresse e-mail." in response.text
    assert "Indiquez votre mot de passe." in response.text
    assert 'aria-invalid="true"' in response.text


def test_login_without_csrf_token_is_refused(client, world) -> None:
    response = client.post("/login", data={"email": "trainer@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.text
    assert client.get("/cohorts/").status_code == 302


def test_deactivated_account_cannot_log_in_and_is_logged_out(app: Flask, client, auth: AuthActions, world) -> None:
    assert auth.login("trainer@example.org").status_code == 302
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == "trainer@example.org").values(active=False))
        db.session.commit()
    assert client.get("/cohorts/").status_code == 302  # the open session stops working
    response = auth.login("trainer@example.org")
    assert GENERIC_ERROR in response.text


def test_logout_needs_post_and_csrf_token(client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    assert client.post("/logout").status_code == 400
    assert client.get("/cohorts/").status_code == 200  # still logged in
    response = auth.logout()
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/cohorts/").status_code == 302


def test_next_parameter_stays_on_site(client, world) -> None:
    assert client.get("/cohorts/").headers["Location"] == "/login?next=%2Fcohorts%2F"
    for target, expected in [
        ("/cohorts/", "/cohorts/"),
        ("https://evil.example/", "/cohorts/"),
        ("//evil.example/", "/cohorts/"),
    ]:
        client.get("/login")
        token = csrf_token(client)
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"email": "trainer@example.org", "password": PASSWORD, "csrf_token": token},
        )
        assert response.headers["Location"] == expected
        client.post("/logout", data={"csrf_token": csrf_token(client, "/cohorts/")})


def test_password_is_stored_as_argon2id(app: Flask, world) -> None:
    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash).where(User.email == "admin@example.org"))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_hash_is_upgraded_when_the_parameters_change(app: Flask, client, auth: AuthActions, world) -> None:
    app.config["PASSWORD_HASH_PROFILE"] = "RFC_9106_LOW_MEMORY"
    auth.login("admin@example.org")
    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash).where(User.email == "admin@example.org"))
    assert "m=65536" in stored
