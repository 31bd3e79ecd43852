"""Logging in and out."""

import re

import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import User

from .conftest import PASSWORD, AuthActions, csrf_token, page_form

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


def _watch_password_work(monkeypatch) -> list[tuple[str, bool]]:
    """Record, for each password hash or check, whether a database transaction was open at that moment."""
    import bootcamp.auth.views
    import bootcamp.users.services

    seen: list[tuple[str, bool]] = []
    for module in (bootcamp.auth.views, bootcamp.users.services):
        for name in ("check_password", "hash_password"):
            original = getattr(module, name, None)
            if original is None:
                continue

            def watched(*args, _original=original, _name=name):
                seen.append((_name, db.session().in_transaction()))
                return _original(*args)

            monkeypatch.setattr(module, name, watched)
    return seen


def test_no_transaction_is_open_while_a_password_is_hashed(app: Flask, client, auth: AuthActions, world, monkeypatch):
    """Argon2 takes tens of milliseconds: holding SQLite's write lock meanwhile made concurrent logins fail."""
    seen = _watch_password_work(monkeypatch)
    assert auth.login("trainer@example.org", "wrong password!").status_code == 200  # a failure
    assert auth.login("nobody@example.org").status_code == 200  # an unknown account still costs a hash
    assert auth.login("trainer@example.org").status_code == 302  # a success
    form = page_form(client, "/account/password")
    new = "une phrase assez longue"
    response = client.post("/account/password", data=form | {"current": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 302
    auth.logout()
    auth.login("admin@example.org")
    with app.app_context():
        trainer_id = db.session.scalar(sa.select(User.id).where(User.email == "trainer@example.org"))
    token = csrf_token(client, f"/admin/users/{trainer_id}")
    page = client.post(f"/admin/users/{trainer_id}/password-link", data={"csrf_token": token}).text
    link = re.search(r"<code>https?://[^/<]+(/password/[^<]+)</code>", page).group(1)
    auth.logout()
    path = client.get(link).headers.get("Location", link)
    form = page_form(client, path)
    other = "encore une autre phrase"
    assert client.post(path, data=form | {"password": other, "confirm": other}).headers["Location"] == "/login"
    assert auth.login("trainer@example.org", other).status_code == 302
    names = [name for name, _open in seen]
    assert names.count("check_password") >= 5 and names.count("hash_password") >= 2, names
    assert not [name for name, open_ in seen if open_], seen
