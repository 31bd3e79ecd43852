"""Accounts for admins: create, assign cohorts, link a learner file, deactivate, one-time password links."""

import re
from datetime import date
from html.parser import HTMLParser

import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import Cohort, Site, User, utcnow

from . import factories
from .conftest import AuthActions, audit_events, csrf_token, page_form


def _link(page: str) -> str:
    match = re.search(r"<code>http://127\.0\.0\.1:5000(/password/[^<]+)</code>", page)  # BASE_URL's default
    assert match, "no link on the page"
    return match.group(1)


def _new_link(client, user_id: int) -> str:
    token = csrf_token(client, f"/admin/users/{user_id}")
    return _link(client.post(f"/admin/users/{user_id}/password-link", data={"csrf_token": token}).text)


def _choose(client, link: str, password: str):
    """Open the link (it leads to the token-less form), then send the new password."""
    opened = client.get(link)
    if opened.status_code != 302:
        return opened
    form = page_form(client, opened.headers["Location"])
    return client.post(opened.headers["Location"], data=form | {"password": password, "confirm": password})


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
    opened = client.get(link)
    assert opened.status_code == 302 and opened.headers["Location"] == "/password"  # the token leaves the URL
    page = page_form(client, "/password")
    page.update(password="short", confirm="short")
    assert "au moins 12 caractères" in client.post("/password", data=page).text
    page.update(password="une phrase de passe", confirm="une phrase de passe")
    assert client.post("/password", data=page).headers["Location"] == "/login"
    assert client.get("/password").status_code == 404
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
    assert client.get(link).status_code == 302
    with app.app_context():
        db.session.execute(sa.text("UPDATE one_time_tokens SET expires_at = :past"), {"past": utcnow()})
        db.session.commit()
    response = client.get(link)
    assert response.status_code == 404 and "il a expiré" in response.text
    assert client.get("/password").status_code == 404  # opened before it expired: refused all the same


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


def test_password_tokens_are_random_stored_hashed_and_used_once(app: Flask, client, auth: AuthActions, world) -> None:
    import hashlib

    auth.login("admin@example.org")
    trainer = _user(app, "trainer@example.org")
    first = _new_link(client, trainer.id)
    token = first.removeprefix("/password/")
    assert len(token) >= 43 and trainer.password_hash[-16:] not in token  # nothing of the hash travels
    with app.app_context():
        stored = db.session.execute(sa.text("SELECT purpose, user_id, token_hash FROM one_time_tokens")).all()
    assert stored == [("password", trainer.id, hashlib.sha256(token.encode()).hexdigest())]  # never in clear
    second = _new_link(client, trainer.id)
    assert client.get(first).status_code == 404  # replaced by a newer link
    auth.logout()
    assert _choose(client, second, "une phrase de passe").headers["Location"] == "/login"
    assert _choose(client, second, "encore une autre phrase").status_code == 404  # used
    assert auth.login("trainer@example.org", "une phrase de passe").status_code == 302


def test_a_password_change_voids_open_links(app: Flask, client, auth: AuthActions, world) -> None:
    from .conftest import PASSWORD

    auth.login("admin@example.org")
    trainer = _user(app, "trainer@example.org")
    link = _new_link(client, trainer.id)
    auth.logout()
    auth.login("trainer@example.org")
    form = page_form(client, "/account/password")
    new = "une phrase assez longue"
    client.post("/account/password", data=form | {"current": PASSWORD, "password": new, "confirm": new})
    auth.logout()
    assert _choose(app.test_client(), link, "quelqu'un d'autre ici").status_code == 404


def test_old_signed_links_are_refused(app: Flask, client, world) -> None:
    from itsdangerous import URLSafeTimedSerializer

    with app.app_context():
        trainer = db.session.scalars(sa.select(User).where(User.email == "trainer@example.org")).one()
        old = URLSafeTimedSerializer("test-secret", salt="password-link").dumps(
            {"user": trainer.id, "hash": trainer.password_hash[-16:]}
        )
    response = client.get(f"/password/{old}")
    assert response.status_code == 404 and "plus valable" in response.text


def test_links_are_built_on_base_url_whatever_the_host(app: Flask, client, auth: AuthActions, world) -> None:
    app.config["BASE_URL"] = "https://bootcamp.example.org/ecole"
    auth.login("admin@example.org")
    trainer = _user(app, "trainer@example.org")
    token = csrf_token(client, f"/admin/users/{trainer.id}")
    page = client.post(f"/admin/users/{trainer.id}/password-link", data={"csrf_token": token}).text
    assert re.search(r"<code>https://bootcamp\.example\.org/ecole/password/[\w-]+</code>", page)
    evil = client.post(
        f"/admin/users/{trainer.id}/password-link", data={"csrf_token": token}, headers={"Host": "evil.example"}
    )
    assert evil.status_code == 400 and "evil.example" not in evil.text


class _Controls(HTMLParser):
    """The ids, the labels' targets and the form controls of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if "id" in found:
            self.ids.append(found["id"])
        if tag == "label" and "for" in found:
            self.label_for.add(found["for"])
        if tag in ("input", "select", "textarea") and found.get("type") not in ("hidden", "submit"):
            self.controls.append(found)


def test_account_list_ids_are_unique_and_every_control_is_labelled(client, auth: AuthActions, world) -> None:
    auth.login("admin@example.org")
    controls = _Controls()
    controls.feed(client.get("/admin/users/").text)
    assert len(controls.ids) == len(set(controls.ids)), sorted(controls.ids)  # was: two id="role"
    unlabelled = [c for c in controls.controls if c.get("id") not in controls.label_for and "aria-label" not in c]
    assert unlabelled == []
    assert controls.ids.count("role-filter") == 1 and "role-filter" in controls.label_for


def test_cohorts_to_assign_are_grouped_by_site_and_year(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        mende = db.session.scalars(sa.select(Site).where(Site.name == "Mende")).one()
        factories.cohort("Mende 2025 automne", at=mende, start=date(2025, 9, 1), end=date(2026, 7, 1))
        db.session.commit()
    auth.login("admin@example.org")
    trainer = _user(app, "trainer@example.org")
    page = client.get(f"/admin/users/{trainer.id}").text
    legends = re.findall(r"<legend>([^<]+)</legend>", page)
    assert legends[1:] == ["Mende · 2026", "Mende · 2025", "Rodez · 2026"]
    mende_group = page[page.index("<summary>Mende") : page.index("<summary>Rodez")]
    assert mende_group.count('type="checkbox"') == 2 and "1 cochée" in mende_group
    assert re.search(r"<details open>\s*<summary>Mende", page) and re.search(r"<details>\s*<summary>Rodez", page)
    form = page_form(client, f"/admin/users/{trainer.id}", index=-2)
    assert form["cohorts"] == str(world.cohort_id)  # still one list of checkboxes for the form


def test_a_deactivated_trainer_is_not_named_on_the_cohort(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        other = db.session.scalars(sa.select(User).where(User.email == "other.trainer@example.org")).one()
        cohort.trainers.append(other)
        db.session.commit()
    auth.login("manager@example.org")
    assert "Olga Formatrice, Thomas Formateur" in client.get(f"/cohorts/{world.cohort_id}").text.replace("\n", "")
    auth.logout()
    auth.login("admin@example.org")
    other = _user(app, "other.trainer@example.org")
    form = page_form(client, f"/admin/users/{other.id}", index=-2)
    form.pop("active")
    client.post(f"/admin/users/{other.id}", data=form)
    auth.logout()
    auth.login("manager@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}").text
    assert "Olga Formatrice" not in page and "Thomas Formateur" in page
    assert "aucun·e formateur·rice" not in page
    auth.logout()
    auth.login("admin@example.org")
    thomas = _user(app, "trainer@example.org")
    form = page_form(client, f"/admin/users/{thomas.id}", index=-2)
    form.pop("active")
    client.post(f"/admin/users/{thomas.id}", data=form)
    auth.logout()
    auth.login("manager@example.org")
    assert "aucun·e formateur·rice" in client.get(f"/cohorts/{world.cohort_id}").text  # said, not left blank
