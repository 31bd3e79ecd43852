"""New accounts' one-time links sent by email: one account, a new link from a user's page, a whole cohort."""

import re

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import Cohort, Learner, MessageKind, OneTimeToken, OutboxMessage, Role, User
from bootcamp.users import services

from . import factories
from .conftest import AuthActions, csrf_token, page_form

BASE = "http://127.0.0.1:5000"  # BASE_URL's default


def _accounts_mail(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        query = sa.select(OutboxMessage).where(OutboxMessage.kind == MessageKind.ACCOUNT).order_by(OutboxMessage.id)
        messages = list(db.session.scalars(query))
        db.session.expunge_all()
        return messages[1:]  # the world's own message (an ACCOUNT one) is not ours


def _link(text: str) -> str:
    match = re.search(re.escape(BASE) + r"(/password/[A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)


def _choose_and_log_in(app: Flask, link: str, email: str) -> None:
    """Open the link in a browser of its own, choose a password, log in with it."""
    client = app.test_client()
    assert client.get(link).headers["Location"] == "/password"
    form = page_form(client, "/password") | {"password": "une phrase de passe", "confirm": "une phrase de passe"}
    assert client.post("/password", data=form).headers["Location"] == "/login"
    assert AuthActions(client).login(email, "une phrase de passe").status_code == 302


def _user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def test_a_new_account_gets_its_link_by_email(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("admin@example.org")
    form = page_form(client, "/admin/users/")
    assert form["send"] == "y"  # ticked by default
    new = {"email": "Nina@Example.org", "name": "Nina", "role": "trainer"}
    response = client.post("/admin/users/", data=form | new)
    assert response.status_code == 200 and "Le lien a été envoyé par e-mail à Nina (nina@example.org)" in response.text
    (message,) = _accounts_mail(app)
    assert message.recipient == "nina@example.org" and message.locale == "fr"
    assert message.subject == f"Bienvenue : votre compte {app.config['ORGANISATION_NAME']}"
    assert "Bienvenue !" in message.body_text and "24 heures" in message.body_text
    link = _link(message.body_text)
    assert link in response.text and f'href="{BASE}{link}"' in message.body_html  # the same link, to copy too
    _choose_and_log_in(app, link, "nina@example.org")


def test_unticked_nothing_is_sent_and_the_link_is_shown(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("admin@example.org")
    form = page_form(client, "/admin/users/")
    del form["send"]
    new = {"email": "nina@example.org", "name": "Nina", "role": "manager"}
    response = client.post("/admin/users/", data=form | new)
    assert "Transmettez ce lien à Nina" in response.text and _accounts_mail(app) == []
    _choose_and_log_in(app, _link(response.text), "nina@example.org")


def test_a_new_link_by_email_from_a_user_page(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("admin@example.org")
    trainer_id = _user_id(app, "trainer@example.org")
    form = page_form(client, f"/admin/users/{trainer_id}")
    copied = _link(client.post(f"/admin/users/{trainer_id}/password-link", data=form).text)
    response = client.post(f"/admin/users/{trainer_id}/mail-link", data=form)
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/users/{trainer_id}"
    assert "Un nouveau lien, valable 24 heures, a été envoyé par e-mail à trainer@example.org" in client.get(
        response.headers["Location"]
    ).text
    (message,) = _accounts_mail(app)
    assert message.recipient == "trainer@example.org" and message.subject == "Votre lien pour choisir un mot de passe"
    assert "Bienvenue" not in message.body_text and "nouveau lien" in message.body_text  # they had a password
    assert client.get(copied).status_code == 404  # the newer link voids the one copied before
    auth.logout()
    _choose_and_log_in(app, _link(message.body_text), "trainer@example.org")


def test_no_link_is_sent_to_a_deactivated_account(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == "unlinked@example.org").values(active=False))
        db.session.commit()
    auth.login("admin@example.org")
    user_id = _user_id(app, "unlinked@example.org")
    response = client.post(f"/admin/users/{user_id}/mail-link", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert "réactivez-le" in client.get(response.headers["Location"]).text and _accounts_mail(app) == []


@pytest.mark.parametrize("role", ["anonymous", "learner", "trainer", "manager"])
def test_only_admins_send_links(app: Flask, client, world, role: str) -> None:
    if role != "anonymous":
        AuthActions(client).login(world.emails[role])
    token = csrf_token(client, "/login" if role == "anonymous" else "/")
    user_id = _user_id(app, "trainer@example.org")
    response = client.post(f"/admin/users/{user_id}/mail-link", data={"csrf_token": token})
    assert response.status_code == (302 if role == "anonymous" else 404)
    assert client.get(f"/admin/users/{user_id}/mail-link").status_code == 405
    assert _accounts_mail(app) == []


def test_admin_errors_on_the_link_route(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("admin@example.org")
    assert client.post("/admin/users/999999/mail-link", data={"csrf_token": csrf_token(client, "/")}).status_code == 404
    assert client.post(f"/admin/users/{_user_id(app, 'trainer@example.org')}/mail-link").status_code == 400  # CSRF
    assert _accounts_mail(app) == []


def _add_learners(app: Flask, world) -> None:
    """Beside Luc (who has an account): Ana and Bea with an email, Cléo without."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        factories.learner(cohort, first_name="Ana", last_name="Arnaud", email="ana@example.net")
        factories.learner(cohort, first_name="Bea", last_name="Blanc", email="bea@example.net")
        factories.learner(cohort, first_name="Cléo", last_name="Colin", email=None)
        db.session.commit()


def _cohort_form(client, world, send: bool = True) -> dict:
    form = page_form(client, "/admin/users/", 0)
    assert form["accounts-send"] == "y"  # ticked by default
    if not send:
        del form["accounts-send"]
    return form | {"accounts-cohort": str(world.cohort_id)}


def test_a_cohort_gets_one_message_per_new_learner(app: Flask, client, auth: AuthActions, world, count_queries) -> None:
    _add_learners(app, world)
    auth.login("admin@example.org")
    form = _cohort_form(client, world)
    with count_queries() as counter:
        page = client.post("/admin/users/cohort-accounts", data=form).text
    assert "2 comptes créés." in page and "2 liens envoyés par e-mail" in page and "Cléo Colin" in page
    messages = _accounts_mail(app)
    assert counter.count <= 10 + 12 * len(messages)  # the page's few, then at most 12 for each account made
    assert sorted(message.recipient for message in messages) == ["ana@example.net", "bea@example.net"]
    assert all("7 jours" in message.body_text and "Bienvenue !" in message.body_text for message in messages)
    links = [_link(message.body_text) for message in messages]
    assert all(f"{BASE}{link}</code>" in page for link in links)  # the same links, still listed to print
    auth.logout()
    _choose_and_log_in(app, links[0], messages[0].recipient)


def test_a_cohort_unticked_sends_nothing(app: Flask, client, auth: AuthActions, world) -> None:
    _add_learners(app, world)
    auth.login("admin@example.org")
    page = client.post("/admin/users/cohort-accounts", data=_cohort_form(client, world, send=False)).text
    assert "2 comptes créés." in page and "envoyé" not in page and _accounts_mail(app) == []
    assert len(re.findall(r'<code class="link">', page)) == 2


def _learner_accounts(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.role == Role.LEARNER))


def test_accounts_and_messages_go_in_one_transaction(app: Flask, client, auth, world, monkeypatch) -> None:
    """The second message fails: neither the accounts, nor their links, nor the first message are kept."""
    _add_learners(app, world)
    queued = []
    queue = services.queue

    def failing(*args, **kwargs) -> OutboxMessage:
        if queued:
            raise RuntimeError("the template broke")
        queued.append(queue(*args, **kwargs))
        return queued[-1]

    monkeypatch.setattr(services, "queue", failing)
    auth.login("admin@example.org")
    form = _cohort_form(client, world)
    with pytest.raises(RuntimeError):
        client.post("/admin/users/cohort-accounts", data=form)
    assert len(queued) == 1 and _accounts_mail(app) == [] and _learner_accounts(app) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OneTimeToken)) == 0


def test_a_cohort_raced_by_another_admin_keeps_no_message(app: Flask, client, auth, world, monkeypatch) -> None:
    _add_learners(app, world)
    create_user = services.create_user

    def raced(email: str, name: str, role: Role, learner: Learner | None = None) -> User:
        db.session.add(User(email=email, name="L'autre admin", role=Role.LEARNER))  # same email, just before us
        return create_user(email, name, role, learner)

    monkeypatch.setattr(services, "create_user", raced)
    auth.login("admin@example.org")
    assert client.post("/admin/users/cohort-accounts", data=_cohort_form(client, world)).status_code == 409
    assert _accounts_mail(app) == [] and _learner_accounts(app) == 2
