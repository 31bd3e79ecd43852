"""A cohort's learner accounts created in one step, with their one-time links as a list to print."""

import re

import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import Cohort, Learner, OneTimeToken, Role, User
from bootcamp.users import services

from . import factories
from .conftest import AuthActions, audit_events, page_form


def _add_learners(app: Flask, world) -> None:
    """Beside Luc (who has an account): Ana and Bea with an email, Cléo without, Dan whose email an unlinked
    account already uses."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        factories.learner(cohort, first_name="Ana", last_name="Arnaud", email="ana@example.net")
        factories.learner(cohort, first_name="Bea", last_name="Blanc", email="bea@example.net")
        factories.learner(cohort, first_name="Cléo", last_name="Colin", email=None)
        factories.learner(cohort, first_name="Dan", last_name="Dupuis", email="unlinked@example.org")
        db.session.commit()


def _run(client, world):
    form = page_form(client, "/admin/users/", 0)
    form["accounts-cohort"] = str(world.cohort_id)
    return client.post("/admin/users/cohort-accounts", data=form)


def _learner_accounts(app: Flask) -> dict[str, str | None]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(User.email, Learner.last_name).outerjoin(Learner).where(User.role == Role.LEARNER)
        )
        return {email: name for email, name in rows}


def test_create_the_accounts_of_a_cohort_in_one_step(app: Flask, client, auth: AuthActions, world) -> None:
    _add_learners(app, world)
    auth.login("admin@example.org")
    response = _run(client, world)
    assert response.status_code == 200
    page = response.text
    assert "2 comptes créés." in page and "1 apprenant·e avait déjà un compte" in page
    links = re.findall(r'<code class="link">http://127\.0\.0\.1:5000(/password/[^<]+)</code>', page)
    assert len(links) == 2 and page.index("Ana Arnaud") < page.index("Bea Blanc")  # by name
    assert "ana@example.net" in page and "Valable jusqu" in page and "@media print" not in page
    assert "Cléo Colin" in page[page.index("pas d'adresse e-mail") :]  # said, not made
    assert "Dan Dupuis (unlinked@example.org)" in page  # the address is another account's: an admin decides
    accounts = _learner_accounts(app)
    assert accounts["ana@example.net"] == "Arnaud" and accounts["bea@example.net"] == "Blanc"  # linked to the file
    assert accounts["unlinked@example.org"] is None and len(accounts) == 4
    created = [event for event in audit_events(app, "user") if event.action == "create"]
    assert len(created) == 2 and all(event.learner_id and event.after["role"] == "learner" for event in created)
    auth.logout()
    assert client.get(links[0]).headers["Location"] == "/password"  # each link opens the password form


def test_a_second_run_creates_nothing_twice(app: Flask, client, auth: AuthActions, world) -> None:
    _add_learners(app, world)
    auth.login("admin@example.org")
    assert "2 comptes créés." in _run(client, world).text
    again = _run(client, world).text
    assert "0 compte créé." in again and "3 apprenant·es avaient déjà un compte" in again
    assert '<code class="link">' not in again  # the printed links stay the valid ones
    assert len(_learner_accounts(app)) == 4
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OneTimeToken)) == 2


def test_two_admins_at_once_get_a_conflict_not_an_error(app: Flask, client, auth, world, monkeypatch) -> None:
    """The other admin's accounts land between our read and our write (on PostgreSQL; SQLite's write lock
    makes the second wait instead): a unique key refuses ours, the page is the 409, nothing of ours is kept."""
    _add_learners(app, world)
    create_user = services.create_user

    def raced(email: str, name: str, role: Role, learner: Learner | None = None) -> User:
        db.session.add(User(email=email, name="L'autre admin", role=Role.LEARNER))  # same email, just before us
        return create_user(email, name, role, learner)

    monkeypatch.setattr(services, "create_user", raced)
    auth.login("admin@example.org")
    response = _run(client, world)
    assert response.status_code == 409 and "Modification simultanée" in response.text
    assert len(_learner_accounts(app)) == 2 and audit_events(app, "user") == []


def test_a_cohort_that_does_not_exist_is_refused_clearly(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("admin@example.org")
    form = page_form(client, "/admin/users/", 0)
    form["accounts-cohort"] = "999999"
    response = client.post("/admin/users/cohort-accounts", data=form)
    assert response.status_code == 200 and "Rien n'a été créé" in response.text
    form["accounts-cohort"] = "abc"
    assert client.post("/admin/users/cohort-accounts", data=form).status_code < 500
    assert len(_learner_accounts(app)) == 2
