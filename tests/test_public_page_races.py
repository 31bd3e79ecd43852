"""Races for real on a programme's public page (issue 19): managers save the page's form at once against gunicorn
with several workers, on SQLite and on PostgreSQL (the harness of tests/races.py, as tests/test_races.py uses it).

Nobody silently overwrites anybody: of saves made from the same loaded version, one is kept and the others are
refused with a 409 saying who changed the page and when; the page, its version and its journal hold the one kept;
the first save of a page that does not exist yet creates one row and one « create » event; no server error.
"""

from collections.abc import Callable
from html import unescape
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import AuditEvent, User
from bootcamp.models.public import ProgrammePage
from bootcamp.public import pages

from . import races
from .test_public_editing import _page

AT_ONCE = 20
WORKERS = 6


def _check(tally: races.Tally, server: races.Server) -> None:
    """No save lost (races._saves), and what _answered checks."""
    _answered(tally, server)
    assert tally.lost == 0


def _answered(tally: races.Tally, server: races.Server) -> None:
    """Every request answered, none refused for another reason than a conflict, no server error, nothing in the
    server's log that says a write failed."""
    print(races.HEADER, tally.row(), sep="\n")
    assert not tally.other, tally.other[:3]
    assert tally.server_errors == tally.unanswered == 0
    errors = server.errors()
    assert "database is locked" not in errors and "Traceback" not in errors, errors[-3000:]


def _conflict_messages(who: str) -> tuple[str, str]:
    """The two parts of the « changed since you loaded the form » message that surround its date (who and when)."""
    before, _when, after = (str(pages.STALE) % {"who": who, "when": "\0"}).partition("\0")
    return before, after


def _says_who_and_when(page: str, who: str) -> bool:
    """Whether a 409's page is the version conflict's, naming who saved the page and when."""
    text = unescape(page)
    before, after = _conflict_messages(who)
    if before not in text:
        return False
    when = text[text.index(before) + len(before) :]
    return when[:1].isdigit() and after in when


def _is_refused(status: int, page: str, who: str) -> bool:
    """Whether an answer is a conflict a manager can act on: the page's own (who saved it and when, or created
    meanwhile), or the app's « Modification simultanée » (tests/races.py's words)."""
    return status == 409 and (
        _says_who_and_when(page, who)
        or str(pages.CREATED_MEANWHILE) in unescape(page)
        or races._is_conflict(status, page)
    )


def _saves(tally: races.Tally, answers: list[tuple[int, str]], stored: int, who: str) -> races.Tally:
    """races._saves with the page's conflict answers as refusals (its 409 is the form again, with the message): of
    saves made from one version, of which the database holds `stored`, any stored beyond the first overwrote one it
    had not seen (lost), and so did an accepted save that is not stored."""
    for status, page in answers:
        tally.statuses[status] += 1
        if status == 302:
            tally.saved += 1
        elif _is_refused(status, page, who):
            tally.refused += 1
        else:
            tally.other.append(f"{status}: {page[:300]}")
    tally.lost = max(0, stored - 1) + max(0, tally.saved - stored)
    return tally


def page_saves(base: str, email: str, who: str, programme_id: int, count: int,
               change: Callable[[int, dict[str, str]], dict[str, str]], saved_in_database: Callable[[], int]
               ) -> tuple[races.Tally, list[tuple[int, str]], list[races.Browser]]:
    """`count` managers (the account `email`, named `who`) load the programme's page form, then all press
    « Enregistrer » at once, person n sending `change(n, form as loaded)`: the tally (_saves), each answer and each
    person's browser, in order."""
    tally = races.Tally(f"public page: {count} saves, same version")
    path = f"/programmes/{programme_id}/page"
    people, forms = races._people_on(base, email, path, count)

    def save(number: int) -> tuple[int, str]:
        return people[number].request(path, change(number, forms[number]) | {"save": "1"})

    answers = races._all_at_once(count, save)
    return _saves(tally, answers, saved_in_database(), who), answers, people


def _the_winner(answers: list[tuple[int, str]]) -> int:
    """The one save that was kept (a redirect)."""
    kept = [number for number, (status, _page) in enumerate(answers) if status == 302]
    assert len(kept) == 1, [status for status, _page in answers]
    return kept[0]


def _objectives(text: Callable[[int], str]) -> Callable[[int, dict[str, str]], dict[str, str]]:
    """Person n's change: the objectives' text becomes text(n), the rest as loaded."""
    return lambda number, form: form | {"objectives": text(number)}


def _events_since(app: Flask, snapshot: int) -> list[tuple[str, int | None, dict | None, dict | None]]:
    """The journal's page events after event `snapshot`: (action, page id, before, after), in order."""
    with app.app_context():
        return [
            (event.action, event.entity_id, event.before, event.after)
            for event in db.session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.entity == pages.ENTITY, AuditEvent.id > snapshot)
                .order_by(AuditEvent.id)
            )
        ]


def _start(app: Flask, email: str) -> tuple[str, int, str]:
    """The database's address, the journal's last event (the snapshot) and the name of the manager's account."""
    with app.app_context():
        snapshot = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0)))
        who = db.session.scalar(sa.select(User.name).where(User.email == email))
        return app.config["SQLALCHEMY_DATABASE_URI"], snapshot, who


def test_one_save_of_the_page_kept_from_one_version(app: Flask, world, tmp_path: Path) -> None:
    """20 managers change the objectives from the same version, each to their own text: one kept, 19 told who
    changed the page and when; the page, its version and its journal hold the one kept."""
    email, programme_id = world.emails["manager"], world.programme_id
    uri, snapshot, who = _start(app, email)
    before = _page(app, programme_id)

    def saved() -> int:
        return _page(app, programme_id).version - before.version

    def objectives(number: int) -> str:
        return f"Objectifs écrits par la personne {number}."

    with races.Server(uri, tmp_path, workers=WORKERS) as server:
        tally, answers, _people = page_saves(
            server.base, email, who, programme_id, AT_ONCE, _objectives(objectives), saved
        )
    _check(tally, server)
    assert (tally.saved, tally.refused) == (1, AT_ONCE - 1)
    assert all(status == 409 and _says_who_and_when(page, who) for status, page in answers if status != 302)
    winner = objectives(_the_winner(answers))
    after = _page(app, programme_id)
    assert (after.objectives, after.version) == (winner, before.version + 1)
    [(action, page_id, old, new)] = _events_since(app, snapshot)
    assert (action, page_id, old["objectives"], new["objectives"]) == ("update", after.id, before.objectives, winner)


def test_first_save_of_a_page_creates_it_once(app: Flask, world, tmp_path: Path) -> None:
    """A programme without a page yet: 20 managers save its first version at once, each with their own objectives:
    one page, one « create » event, the others refused (409), never a server error."""
    email, programme_id = world.emails["manager"], world.programme_id
    with app.app_context():
        db.session.execute(sa.delete(ProgrammePage).where(ProgrammePage.programme_id == programme_id))
        db.session.commit()
    uri, snapshot, who = _start(app, email)

    def saved() -> int:
        page = _page(app, programme_id)
        return 0 if page is None else page.version

    def objectives(number: int) -> str:
        return f"Premiers objectifs, personne {number}."

    with races.Server(uri, tmp_path, workers=WORKERS) as server:
        tally, answers, _people = page_saves(
            server.base, email, who, programme_id, AT_ONCE, _objectives(objectives), saved
        )
    _check(tally, server)
    assert (tally.saved, tally.refused) == (1, AT_ONCE - 1)
    meanwhile = str(pages.CREATED_MEANWHILE)
    assert all(
        status == 409 and (_says_who_and_when(page, who) or meanwhile in unescape(page))
        for status, page in answers
        if status != 302
    )
    winner = objectives(_the_winner(answers))
    with app.app_context():
        rows = db.session.scalar(sa.select(sa.func.count()).where(ProgrammePage.programme_id == programme_id))
    page = _page(app, programme_id)
    assert (rows, page.objectives, page.version) == (1, winner, 1)
    [(action, page_id, old, new)] = _events_since(app, snapshot)
    assert (action, page_id, old, new["objectives"]) == ("create", page.id, None, winner)


def _public_answer(base: str, summary: str) -> int:
    """The public page's status for anyone (200 or 404); when 200, it shows `summary`."""
    status, text = races.Browser(base).request("/p/dwwm")
    assert status in (200, 404), (status, text[:300])
    assert status == 404 or summary in unescape(text)
    return status


def _published(form: dict[str, str], published: bool) -> dict[str, str]:
    """The form as a browser sends it with the « Publier la page » box ticked or not (an unticked box is not sent)."""
    data = {name: value for name, value in form.items() if name != "published"}
    return data | {"published": "y"} if published else data


def test_publish_and_unpublish_at_once(app: Flask, world, tmp_path: Path) -> None:
    """From the same loaded version of the published page, one manager unpublishes it and another keeps it
    published, each with a summary of their own (so that both are changes): one kept, the other 409 saying who
    and when; /p/dwwm answers as the one kept says (200 with its summary, or 404)."""
    email, programme_id = world.emails["manager"], world.programme_id
    uri, snapshot, who = _start(app, email)
    before = _page(app, programme_id)
    assert before.published
    summaries = ("Résumé de la personne qui retire la page.", "Résumé de la personne qui la garde publiée.")

    def saved() -> int:
        return _page(app, programme_id).version - before.version

    def change(number: int, form: dict[str, str]) -> dict[str, str]:
        return _published(form, published=number == 1) | {"summary": summaries[number]}

    with races.Server(uri, tmp_path, workers=WORKERS) as server:
        tally, answers, _people = page_saves(server.base, email, who, programme_id, 2, change, saved)
        winner = _the_winner(answers)
        public = _public_answer(server.base, summaries[winner])
    _check(tally, server)
    assert (tally.saved, tally.refused) == (1, 1)
    assert all(status == 409 and _says_who_and_when(page, who) for status, page in answers if status != 302)
    published, after = winner == 1, _page(app, programme_id)
    assert (after.published, after.summary, after.version) == (published, summaries[winner], before.version + 1)
    assert public == (200 if published else 404)
    [(action, _id, old, new)] = _events_since(app, snapshot)
    assert (action, old["published"], new["published"], new["summary"]) == (
        "update", True, published, summaries[winner]
    )
