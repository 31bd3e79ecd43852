"""« Mot de passe oublié »: a one-hour link by email, the same answer whatever the address, throttled."""

import logging
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import tokens
from bootcamp.extensions import db
from bootcamp.models import MessageKind, OneTimeToken, OutboxMessage, User, utcnow

from .conftest import PASSWORD, AuthActions, csrf_token, page_form

ANSWER = "Si un compte correspond à cette adresse, un lien pour choisir un mot de passe vient d&#39;y être envoyé."


def _ask(client, email: str, **kwargs):
    return client.post("/forgot-password", data={"email": email, "csrf_token": csrf_token(client)}, **kwargs)


def _resets(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        query = sa.select(OutboxMessage).where(OutboxMessage.kind == MessageKind.PASSWORD_RESET)
        messages = list(db.session.scalars(query.order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return messages


def _link(message: OutboxMessage) -> str:
    match = re.search(r"http://127\.0\.0\.1:5000(/password/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def _deactivate(app: Flask, email: str) -> None:
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == email).values(active=False))
        db.session.commit()


def test_the_login_page_links_to_the_form(client) -> None:
    assert 'href="/forgot-password">Mot de passe oublié ?</a>' in client.get("/login").text
    page = client.get("/forgot-password").text
    assert '<label for="email">' in page and 'name="csrf_token"' in page and "<h1>Mot de passe oublié</h1>" in page


def test_the_same_answer_whatever_the_address(app: Flask, client, world, caplog) -> None:
    _deactivate(app, "unlinked@example.org")
    caplog.set_level(logging.INFO)
    answers = []
    for email in ("Trainer@Example.org ", "nobody@example.org", "unlinked@example.org"):
        response = _ask(client, email)
        answers.append((response.status_code, response.headers["Location"], response.get_data()))
        assert ANSWER in client.get("/login").text  # told on the login page, once
    assert answers[0] == answers[1] == answers[2] and answers[0][:2] == (302, "/login")
    (message,) = _resets(app)  # the active account's only
    assert message.recipient == "trainer@example.org" and message.locale == "fr"
    assert "example.org" not in caplog.text and "password reset asked" in caplog.text  # the logs name nobody
    assert not re.search(r"/password/[A-Za-z0-9_-]{20}", caplog.text)


def test_the_work_does_not_tell_whether_the_account_exists(app: Flask, client, world, count_queries) -> None:
    """The same statements either way (an unknown address's are rolled back), so no timing tells them apart."""
    tokens_before = _tokens(app)
    seen = {}
    for email in ("trainer@example.org", "nobody@example.org"):
        token = csrf_token(client, "/forgot-password")
        with count_queries() as counter:
            _ask_with(client, email, token)
        seen[email] = [_shape(statement) for statement in counter.statements]
    assert seen["trainer@example.org"] == seen["nobody@example.org"] and len(seen["nobody@example.org"]) <= 16
    assert _tokens(app) == tokens_before + 1 and len(_resets(app)) == 1  # nothing kept for the unknown address


def _shape(statement: str) -> str:
    """A statement without its conditions; the savepoint's end, kept or rolled back, is the same work."""
    shape = re.sub(r"\s+", " ", statement.split(" WHERE ")[0])
    return re.sub(r"^(RELEASE|ROLLBACK TO) SAVEPOINT", "END SAVEPOINT", shape)


def _ask_with(client, email: str, token: str):
    return client.post("/forgot-password", data={"email": email, "csrf_token": token})


def _tokens(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(OneTimeToken))


def test_the_link_chooses_a_password_once(app: Flask, client, auth: AuthActions, world) -> None:
    _ask(client, "trainer@example.org")
    (message,) = _resets(app)
    assert message.subject == "Mot de passe oublié : votre lien"
    assert "Bonjour Thomas Formateur" in message.body_text and "trainer@example.org" in message.body_text
    assert "une heure" in message.body_text and "ignorez ce message" in message.body_text
    assert app.config["ORGANISATION_NAME"] in message.body_text and "<img" not in message.body_html
    link = _link(message)
    assert f'<a href="http://127.0.0.1:5000{link}"' in message.body_html
    opened = client.get(link)
    assert opened.status_code == 302 and opened.headers["Location"] == "/password"
    form = page_form(client, "/password") | {"password": "une phrase toute neuve", "confirm": "une phrase toute neuve"}
    assert client.post("/password", data=form).headers["Location"] == "/login"
    assert auth.login("trainer@example.org").status_code == 200  # the old password no longer works
    assert auth.login("trainer@example.org", "une phrase toute neuve").headers["Location"] == "/cohorts/"
    auth.logout()
    gone = client.get(link)
    assert gone.status_code == 404 and "il a déjà servi" in gone.text  # used once


def test_a_newer_request_voids_the_older_link(app: Flask, client, world) -> None:
    _ask(client, "trainer@example.org")
    _ask(client, "trainer@example.org")
    first, second = _resets(app)
    assert client.get(_link(first)).status_code == 404 and client.get(_link(second)).status_code == 302


@pytest.mark.parametrize("minutes,status", [(59, 302), (61, 404)])
def test_the_link_lasts_one_hour(app: Flask, client, world, monkeypatch, minutes: int, status: int) -> None:
    _ask(client, "trainer@example.org")
    (message,) = _resets(app)
    later = utcnow() + timedelta(minutes=minutes)
    monkeypatch.setattr(tokens, "utcnow", lambda: later)
    response = client.get(_link(message))
    assert response.status_code == status
    if status == 404:
        assert "il a expiré" in response.text and "une heure" in response.text


def _refused(response) -> bool:
    return response.status_code == 429 and "Trop de demandes" in response.text


def test_throttled_per_address_asked_the_same_for_known_and_unknown(app: Flask, client, world) -> None:
    bodies = []
    for email in ("trainer@example.org", "nobody@example.org"):
        assert all(_ask(client, email).status_code == 302 for _ in range(3))  # three asks in 15 minutes
        refused = _ask(client, email)
        assert _refused(refused)
        bodies.append(re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", refused.text.replace(email, "@")))
    assert bodies[0] == bodies[1]
    assert len(_resets(app)) == 3  # the refused ask queued nothing
    elsewhere = _ask(client, "trainer@example.org", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert elsewhere.status_code == 302 and len(_resets(app)) == 4  # another client address is counted apart


def test_throttled_per_client_address_whatever_the_addresses(app: Flask, client, world) -> None:
    token = csrf_token(client, "/forgot-password")
    assert all(_ask_with(client, f"n{number}@example.org", token).status_code == 302 for number in range(20))
    assert _refused(_ask_with(client, "trainer@example.org", token))
    assert _resets(app) == []
    login = {"email": "trainer@example.org", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=login).status_code == 302  # logging in is another door, counted apart


def test_refused_without_csrf_token_or_with_a_bad_address(app: Flask, client, world) -> None:
    assert client.post("/forgot-password", data={"email": "trainer@example.org"}).status_code == 400
    page = _ask(client, "not an address")
    assert page.status_code == 200 and "Adresse e-mail invalide" in page.text
    assert _ask(client, "x" * 250 + "@example.org").status_code == 200
    assert _resets(app) == [] and _tokens(app) == 0


def test_a_logged_in_person_goes_home(client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    assert client.get("/forgot-password").headers["Location"] == "/cohorts/"


def test_an_english_user_gets_the_email_in_english(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    assert client.post("/language", data={"csrf_token": csrf_token(client, "/"), "locale": "en"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User.locale).where(User.email == "trainer@example.org")) == "en"
    _ask(app.test_client(), "trainer@example.org", headers={"Accept-Language": "fr"})  # asked from a French page
    (message,) = _resets(app)
    assert message.locale == "en" and '<html lang="en">' in message.body_html
    assert "Hello Thomas Formateur" in message.body_text and "Bonjour" not in message.body_text
    assert "Mot de passe" not in message.subject
