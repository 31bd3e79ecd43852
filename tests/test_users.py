"""Accounts for admins: create, assign cohorts, link a learner file, deactivate, one-time password links."""

import re

import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import User

from .conftest import AuthActions, audit_events, page_form


def _link(page: str) -> str:
    match = re.search(r"<code>http://localhost(/password/[^<]+)</code>", page)
    assert match, "no link on the page"
    return match.group(1)


def _user(app: Flask, email: str) -> User:
    with app.app_context():
        user = db.session.scalars(sa.select(User).where(User.email == email)).one()
        db.session.expunge(user)
        return user


def test_create_an_account_and_choose_its_password(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("admin@example.org")
    form = page_form(client, "/admin/users/")
    form.update(email="Nina@Example.org", name="Nina Formatrice", role="trainer")
    response = client.post("/admin/users/", data=form)
    assert response.status_code == 200 and "Compte créé" in response.text
    link = _link(response.text)
    assert _user(app, "nina@example.org").password_hash is None
    auth.logout()
    page = page_form(client, link)
    page.update(password="short", confirm="short")
    assert "au moins 12 caractères" in client.post(link, data=page).text
    page.update(password="une phrase de passe", confirm="une phrase de passe")
    assert client.post(link, data=page).headers["Location"] == "/login"
    assert auth.login("nina@example.org", "une phrase de passe").headers["Location"] == "/cohorts/"
    assert client.get(link).status_code == 404  # used once: no more
    assert [e.action for e in audit_events(app, "user")] == ["create", "password"]


def test_duplicate_email_is_refused(client, auth: AuthActions, world) -> None:
    auth.login("admin@example.org")
    form = page_form(client, "/admin/users/")
    form.update(email="TRAINER@example.org", name="Doublon", role="trainer")
    response = client.post("/admin/users/", data=form)
    assert response.status_code == 200 and "Un compte existe déjà" in response.text


def test_password_link_expires(app: Flask, client, auth: AuthActions, world, monkeypatch) -> None:
    auth.login("admin@example.org")
    trainer = _user(app, "trainer@example.org")
    form = page_form(client, f"/admin/users/{trainer.id}", index=-1)
    link = _link(client.post(f"/admin/users/{trainer.id}/password-link", data={"csrf_token": form["csrf_token"]}).text)
    assert client.get(link).status_code == 200
    monkeypatch.setattr("bootcamp.users.services.LINK_VALIDITY", -1)
    response = client.get(link)
    assert response.status_code == 404 and "plus de 24 heures" in response.text


def test_assign_cohorts_link_a_learner_and_deactivate(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("admin@example.org")
    trainer = _user(app, "trainer@example.org")
    url = f"/admin/users/{trainer.id}"
    form = page_form(client, url, index=-2)
    assert form["cohorts"] == str(world.cohort_id)
    client.post(url, data=form | {"cohorts": [str(world.cohort_id), str(world.other_cohort_id)]})
    trainer_client = app.test_client()
    AuthActions(trainer_client).login("trainer@example.org")
    assert "Rodez 2026 automne" in trainer_client.get("/cohorts/").text

    unlinked = _user(app, "unlinked@example.org")
    form = page_form(client, f"/admin/users/{unlinked.id}", index=-2)
    form["learner_email"] = "nobody@example.org"
    assert "Aucun dossier" in client.post(f"/admin/users/{unlinked.id}", data=form).text
    form["learner_email"] = "learner@example.org"
    assert "déjà relié au compte learner@example.org" in client.post(f"/admin/users/{unlinked.id}", data=form).text

    form = page_form(client, url, index=-2)
    form.pop("active")  # unchecked
    client.post(url, data=form)
    assert "Mes promotions" not in trainer_client.get("/cohorts/", follow_redirects=True).text  # logged out at once
    assert "incorrect" in AuthActions(app.test_client()).login("trainer@example.org").text
    events = audit_events(app, "user")
    assert events[0].before["cohorts"] == [world.cohort_id] and events[0].after["cohorts"] == sorted(
        [world.cohort_id, world.other_cohort_id]
    )
    assert events[-1].before["active"] is True and events[-1].after["active"] is False


def test_admin_cannot_lock_themselves_out(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("admin@example.org")
    admin = _user(app, "admin@example.org")
    form = page_form(client, f"/admin/users/{admin.id}", index=-2)
    form.pop("active")
    response = client.post(f"/admin/users/{admin.id}", data=form, follow_redirects=True)
    assert "votre propre compte" in response.text
    assert _user(app, "admin@example.org").active
