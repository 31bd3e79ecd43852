"""What the pages keep between two writes: reused while nothing changed, never shown once something has."""

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from bootcamp import cache, dates
from bootcamp.extensions import db
from bootcamp.models import DataVersion, Grade, Learner
from bootcamp.personal_data import erase_learner

from .conftest import AuthActions, page_form


def _version(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(DataVersion.value))


def test_writes_raise_the_version_and_logins_do_not(app: Flask, client, auth: AuthActions, world) -> None:
    before = _version(app)
    auth.login("trainer@example.org")  # last login, session token, login attempts: nothing a page shows
    assert _version(app) == before
    form = page_form(client, f"/projects/{world.project_id}/grades")
    form[f"score_{world.learner_id}"] = "13"
    assert client.post(f"/projects/{world.project_id}/grades", data=form).status_code == 302
    assert _version(app) == before + 1  # one transaction, one step
    with app.app_context():
        learner = db.session.get(Learner, world.learner_id)
        erase_learner(learner)  # bulk UPDATEs too
        db.session.commit()
    assert _version(app) > before + 1


def _main(page: str) -> str:
    main = page[page.index("<main") : page.index("</main>")]
    return main[: main.index('name="csrf_token"')] if 'name="csrf_token"' in main else main


def test_a_page_is_reused_until_a_write_then_shows_the_change(app: Flask, client, auth, world, count_queries) -> None:
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}"
    first = _main(client.get(url).text)
    with count_queries() as again:
        assert _main(client.get(url).text) == first  # the same roster, and the finish form's own token
    assert again.count == 3, again.statements  # the user, the cohort (access check), the data version
    assert "13,00" not in first
    form = page_form(client, f"/projects/{world.project_id}/grades")
    form[f"score_{world.learner_id}"] = "13"
    client.post(f"/projects/{world.project_id}/grades", data=form)
    assert "13,0" in client.get(url).text  # the average moved: the old page was not served


def test_the_dashboard_follows_a_write_made_elsewhere(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    before = client.get("/insertion").text
    hits = cache.store.hits
    assert client.get("/insertion").text == before and cache.store.hits == hits + 1
    with app.app_context():  # a write by another process: the command line, another worker
        db.session.add(Grade(learner_id=world.learner_id, project_id=world.project_id, score_hundredths=1500))
        db.session.commit()
    client.get("/insertion")
    assert cache.store.hits == hits + 1  # computed anew


def test_the_store_keeps_its_size() -> None:
    store = cache.Store(size=3)
    for key in range(5):
        assert store.get_or_compute(key, 1, lambda key=key: key * 10) == key * 10
    assert list(store.entries) == [2, 3, 4]
    assert store.get_or_compute(4, 1, lambda: "new") == 40  # same version: kept
    assert store.get_or_compute(4, 2, lambda: "new") == "new"  # another version: computed


def test_a_new_day_computes_the_page_again(client, auth: AuthActions, world, monkeypatch) -> None:
    """What is late or due next changes at midnight, even with no write."""
    auth.login("learner@example.org")
    client.get("/me")
    misses = cache.store.misses
    client.get("/me")
    assert cache.store.misses == misses

    tomorrow = dates.today() + timedelta(days=1)
    monkeypatch.setattr(dates, "today", lambda: tomorrow)
    client.get("/me")
    assert cache.store.misses == misses + 1
