"""Managers write, preview and publish the programmes' public pages (/programmes/pages): every save audited, the
preview writes nothing, a stale form answers 409, wrong addresses and texts are refused beside their fields."""

import re
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import Conflict, NotFound

from bootcamp import access
from bootcamp.auditlog.words import field_label, readable
from bootcamp.demo_public import SLUG, TEXTS, add_public_page
from bootcamp.extensions import db
from bootcamp.models import AuditEvent, Programme, Role
from bootcamp.models.public import INFORMATION_FIELDS, SUMMARY_LENGTH, TEXT_LENGTH, ProgrammePage
from bootcamp.public import pages

from . import factories
from .conftest import PASSWORD, AuthActions, audit_events, csrf_token, form_from, page_form

NEW_TITLE = "Administrateur systèmes DevOps"


def _new_programme(app: Flask) -> int:
    """A second programme, without a page yet."""
    with app.app_context():
        programme = Programme(rncp_code="RNCP37873", title=NEW_TITLE, short_name="CDA", level=6)
        db.session.add(programme)
        db.session.commit()
        return programme.id


def _page(app: Flask, programme_id: int) -> ProgrammePage | None:
    with app.app_context():
        page = db.session.scalar(sa.select(ProgrammePage).where(ProgrammePage.programme_id == programme_id))
        if page is not None:
            db.session.expunge(page)
        return page


def _counts(app: Flask) -> tuple[int, int]:
    """Pages and audit events in the database."""
    with app.app_context():
        count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
        return count(ProgrammePage), count(AuditEvent)


def _filled(client: FlaskClient, programme_id: int, **changes: str) -> dict:
    """The edit form as the page gives it, with `changes`; a text for each indicator-1 field."""
    fields = page_form(client, f"/programmes/{programme_id}/page")
    fields |= {name: f"Texte « {name} »\nsur deux lignes." for name in INFORMATION_FIELDS}
    fields |= {"summary": "Devenir concepteur·rice d'applications.", "certifier": "Ministère du Travail"}
    return fields | changes


def _unticked(fields: dict) -> dict:
    return {key: value for key, value in fields.items() if key != "published"}


def test_manager_creates_edits_publishes_and_unpublishes_each_audited(app: Flask, client, auth, world) -> None:
    programme_id = _new_programme(app)
    auth.login("manager@example.org")
    listing = client.get("/programmes/pages").text
    assert NEW_TITLE in listing and "pas encore écrite" in listing
    form = page_form(client, f"/programmes/{programme_id}/page")
    assert (form["slug"], form["licence"], form["version"], "published" in form) == ("cda", "etalab-2.0", "0", False)
    fields = _filled(client, programme_id, registration_date="21/07/2023")
    response = client.post(f"/programmes/{programme_id}/page", data=_unticked(fields))
    assert response.status_code == 302 and response.headers["Location"] == "/programmes/pages"
    page = _page(app, programme_id)
    assert page.slug == "cda" and not page.published and page.version == 1 and page.objectives.startswith("Texte")
    assert "non publiée" in client.get("/programmes/pages").text
    assert client.get("/p/cda").status_code == 404
    fields = page_form(client, f"/programmes/{programme_id}/page")
    assert fields["version"] == "1" and fields["objectives"] == "Texte « objectives »\nsur deux lignes."
    client.post(f"/programmes/{programme_id}/page", data=fields | {"published": "y", "licence": "odbl-1.0"})
    assert client.get("/p/cda").status_code == 200
    fields = page_form(client, f"/programmes/{programme_id}/page")
    client.post(f"/programmes/{programme_id}/page", data=_unticked(fields))
    assert client.get("/p/cda").status_code == 404
    fields = page_form(client, f"/programmes/{programme_id}/page")
    assert unescape(client.post(f"/programmes/{programme_id}/page", data=fields, follow_redirects=True).text).count(
        "Rien n'a changé.") == 1
    events = audit_events(app, "programme_page")
    assert [(event.action, event.actor.email) for event in events] == [("create", "manager@example.org")] + [
        ("update", "manager@example.org")
    ] * 2
    create, publish, unpublish = events
    assert create.before is None and create.after["published"] is False
    assert create.after["registration_date"] == "2023-07-21" and create.after["licence"] == "etalab-2.0"
    assert set(create.after) == set(pages.FIELDS)
    assert (publish.before["published"], publish.after["published"]) == (False, True)
    assert (publish.before["licence"], publish.after["licence"]) == ("etalab-2.0", "odbl-1.0")
    assert (unpublish.before["published"], unpublish.after["published"]) == (True, False)
    assert _page(app, programme_id).version == 3
    assert "Dernière modification\">manager, le " in client.get("/programmes/pages").text  # who changed it last


@pytest.mark.parametrize("role", ["anonymous", "learner", "unlinked", "trainer", "admin"])
def test_only_managers_reach_the_pages(app: Flask, world, role: str) -> None:
    client = app.test_client()
    if role != "anonymous":
        AuthActions(client).login(world.emails[role])
    before = _counts(app)
    for path in ("/programmes/pages", f"/programmes/{world.programme_id}/page",
                 f"/programmes/{world.programme_id}/page/preview"):
        response = client.get(path)
        assert (response.status_code, response.headers.get("Location", "").split("?")[0]) == (
            (302, "/login") if role == "anonymous" else (404, "")
        ), path
    if role != "anonymous":
        token = csrf_token(client, "/account/password")
        for button in ("save", "preview"):
            data = {"csrf_token": token, "version": "1", "slug": "autre", "summary": "x", "licence": "etalab-2.0",
                    "published": "y", button: "1"}
            assert client.post(f"/programmes/{world.programme_id}/page", data=data).status_code == 404
    assert _counts(app) == before


def test_navigation_shows_the_pages_to_managers(client, auth, world) -> None:
    auth.login("manager@example.org")
    assert re.search(r'href="/programmes/pages"[^>]*>Pages publiques</a>', client.get("/exams/").text)


def test_preview_of_a_new_page_writes_nothing_and_comes_back_to_the_form(app: Flask, client, auth, world) -> None:
    programme_id = _new_programme(app)
    auth.login("manager@example.org")
    before = _counts(app)
    fields = _filled(client, programme_id, summary="Un résumé jamais enregistré.", preview="1", published="y")
    response = client.post(f"/programmes/{programme_id}/page", data=fields)
    assert response.status_code == 200
    assert "Aperçu : rien n'est encore enregistré." in unescape(response.text)
    assert '<meta name="robots" content="noindex, nofollow">' in response.text
    assert "Un résumé jamais enregistré." in response.text and NEW_TITLE in response.text
    assert _counts(app) == before and _page(app, programme_id) is None
    back = form_from(response.text)
    assert back["summary"] == "Un résumé jamais enregistré." and back["published"] == "y"
    assert back["objectives"] == "Texte « objectives »\nsur deux lignes."
    returned = client.post(f"/programmes/{programme_id}/page", data=back | {"back": "1"})
    assert returned.status_code == 200 and _counts(app) == before
    again = form_from(returned.text)
    assert again["summary"] == "Un résumé jamais enregistré." and again["published"] == "y"
    assert again["objectives"] == "Texte « objectives »\nsur deux lignes." and again["version"] == "0"
    assert client.post(f"/programmes/{programme_id}/page", data=again).status_code == 302  # then saved as written
    assert _page(app, programme_id).summary == "Un résumé jamais enregistré."


def test_preview_of_a_saved_page_changes_nothing(app: Flask, client, auth, world) -> None:
    auth.login("manager@example.org")
    saved = _page(app, world.programme_id)
    before = _counts(app)
    fields = page_form(client, f"/programmes/{world.programme_id}/page")
    response = client.post(f"/programmes/{world.programme_id}/page",
                           data=_unticked(fields) | {"summary": "Autre résumé", "slug": "autre", "preview": "1"})
    assert response.status_code == 200 and "Autre résumé" in response.text
    assert _counts(app) == before
    page = _page(app, world.programme_id)
    assert (page.summary, page.slug, page.published, page.version) == (saved.summary, "dwwm", True, saved.version)


def test_saved_preview_shows_an_unpublished_page(app: Flask, client, auth, world) -> None:
    with app.app_context():
        db.session.execute(sa.update(ProgrammePage).values(published=False))
        db.session.commit()
    programme_id = _new_programme(app)
    auth.login("manager@example.org")
    assert client.get("/p/dwwm").status_code == 404
    response = client.get(f"/programmes/{world.programme_id}/page/preview")
    assert response.status_code == 200
    assert "Aperçu de la page enregistrée — non publiée" in response.text
    assert "Concevoir et développer des applications web." in response.text
    assert f'href="/programmes/{world.programme_id}/page"' in response.text
    assert client.get(f"/programmes/{programme_id}/page/preview").status_code == 404  # no page yet
    assert client.get("/programmes/999999/page/preview").status_code == 404
    assert client.get("/programmes/999999/page").status_code == 404


@pytest.mark.parametrize(
    "slug,error",
    [
        ("dwwm", "Cette adresse est déjà celle d'une autre page"),
        ("pas un slug !", "Adresse invalide"),
        ("-cda", "Adresse invalide"),
        ("c" * 61, "Adresse invalide"),
        ("schema", "Cette adresse est réservée"),
        ("embed", "Cette adresse est réservée"),
        ("", "Indiquez l'adresse de la page."),
    ],
)
def test_wrong_addresses_are_refused_beside_the_field(app: Flask, client, auth, world, slug: str, error: str) -> None:
    programme_id = _new_programme(app)
    auth.login("manager@example.org")
    before = _counts(app)
    for button in ("save", "preview"):
        fields = _filled(client, programme_id, slug=slug, **{button: "1"})
        response = client.post(f"/programmes/{programme_id}/page", data=fields)
        assert response.status_code == 400
        text = unescape(response.text)
        assert re.search(r'<p class="error" id="slug-error">' + re.escape(error), text), text
        assert 'aria-invalid="true"' in text and "Rien n'a été enregistré" in text
    assert _counts(app) == before


@pytest.mark.parametrize(
    "name,length",
    [("summary", SUMMARY_LENGTH + 1), ("objectives", TEXT_LENGTH + 1), ("accessibility", TEXT_LENGTH + 1),
     ("certifier", 201)],
)
def test_over_long_texts_are_refused(app: Flask, client, auth, world, name: str, length: int) -> None:
    auth.login("manager@example.org")
    before = _counts(app)
    fields = page_form(client, f"/programmes/{world.programme_id}/page") | {name: "x" * length}
    response = client.post(f"/programmes/{world.programme_id}/page", data=fields)
    assert response.status_code == 400
    assert f'id="{name}-error">Texte trop long : {length} caractères' in response.text
    assert _counts(app) == before


def test_bad_licence_and_date_are_refused(app: Flask, client, auth, world) -> None:
    auth.login("manager@example.org")
    fields = page_form(client, f"/programmes/{world.programme_id}/page")
    for wrong in ({"licence": "proprietary"}, {"registration_date": "31/02/2023"}, {"version": "x"}):
        assert client.post(f"/programmes/{world.programme_id}/page", data=fields | wrong).status_code == 400, wrong


def test_a_stale_form_answers_409_and_writes_nothing(app: Flask, client, auth, world) -> None:
    with app.app_context():
        factories.user("second.manager@example.org", Role.MANAGER, PASSWORD, name="Paul Second")
        db.session.commit()
    auth.login("manager@example.org")
    mine = page_form(client, f"/programmes/{world.programme_id}/page")
    other = app.test_client()
    AuthActions(other).login("second.manager@example.org")
    theirs = page_form(other, f"/programmes/{world.programme_id}/page")
    assert other.post(f"/programmes/{world.programme_id}/page", data=theirs | {"summary": "Le sien"}).status_code == 302
    before = _counts(app)
    response = client.post(f"/programmes/{world.programme_id}/page", data=mine | {"summary": "Le mien"})
    assert response.status_code == 409
    assert "Paul Second a modifié cette page le" in response.text
    assert _counts(app) == before and _page(app, world.programme_id).summary == "Le sien"
    # the form comes back with the manager's text and the saved version: saving again replaces it, knowingly
    again = form_from(response.text)
    assert again["summary"] == "Le mien" and again["version"] == str(_page(app, world.programme_id).version)
    assert client.post(f"/programmes/{world.programme_id}/page", data=again).status_code == 302
    assert _page(app, world.programme_id).summary == "Le mien"


def test_line_endings_are_a_browsers_and_change_nothing(app: Flask, client, auth, world) -> None:
    """A browser posts CRLF: stored as plain newlines, so that saving an unchanged text journals nothing and a text
    the textarea's maxlength let through (a line break is one character) is not refused for its CRs."""
    auth.login("manager@example.org")
    fields = page_form(client, f"/programmes/{world.programme_id}/page")
    lines = "Première ligne.\nDeuxième ligne."
    assert client.post(f"/programmes/{world.programme_id}/page", data=fields | {"price": lines}).status_code == 302
    fields = page_form(client, f"/programmes/{world.programme_id}/page")
    before = _counts(app)
    crlf = {"price": lines.replace("\n", "\r\n"), "summary": ("x" * 49 + "\r\n") * 6}
    assert client.post(f"/programmes/{world.programme_id}/page", data=fields | crlf).status_code == 302
    page = _page(app, world.programme_id)
    assert page.price == lines and "\r" not in page.summary and len(page.summary) == 299
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert set(event.after) - {key for key in event.after if event.after[key] == event.before[key]} == {"summary"}
    assert _counts(app) != before


def test_a_page_created_meanwhile_answers_409(app: Flask, client, auth, world) -> None:
    """Two managers create the same page: the second's form (version 0) meets the first's page; and when both
    inserts race past that check (PostgreSQL), the unique programme answers 409, nothing written."""
    programme_id = _new_programme(app)
    auth.login("manager@example.org")
    mine = _filled(client, programme_id)
    other = app.test_client()
    AuthActions(other).login("manager@example.org")
    assert other.post(f"/programmes/{programme_id}/page", data=_filled(other, programme_id)).status_code == 302
    before = _counts(app)
    assert client.post(f"/programmes/{programme_id}/page", data=mine | {"summary": "Le mien"}).status_code == 409
    assert _counts(app) == before
    with app.test_request_context():
        programme = db.session.get(Programme, programme_id)
        values = {"slug": "cda-bis", "published": False}
        with pytest.raises(Conflict):
            pages.save_page(programme, None, values)
    assert _counts(app) == before


def test_published_page_is_public(app: Flask, client, auth, world) -> None:
    programme_id = _new_programme(app)
    auth.login("manager@example.org")
    client.post(f"/programmes/{programme_id}/page", data=_filled(client, programme_id, slug="cda-mende",
                                                                 published="y"))
    assert "/p/cda-mende" in client.get("/programmes/pages").text
    anonymous = app.test_client()
    assert anonymous.get("/p/cda-mende").status_code == 200
    with app.test_request_context():
        assert access.get_published_page_or_404("cda-mende").programme_id == programme_id


def test_list_and_form_run_a_fixed_number_of_queries(app: Flask, client, auth, world, count_queries) -> None:
    auth.login("manager@example.org")
    with count_queries() as listing:
        assert client.get("/programmes/pages").status_code == 200
    with count_queries() as form:
        assert client.get(f"/programmes/{world.programme_id}/page").status_code == 200
    for short_name in ("CDA", "AIS", "TSSR"):
        programme_id = _new_programme_named(app, short_name)
        client.post(f"/programmes/{programme_id}/page", data=_filled(client, programme_id))
    with count_queries() as more:
        text = client.get("/programmes/pages").text
    assert text.count("\">non publiée</td>") == 3
    # the session's user, the programmes with their pages, their last changes (with their authors)
    assert listing.count == more.count == 3, more.statements
    # the session's user, the programme, its page, its last change (with its author)
    assert form.count == 4, form.statements


def _new_programme_named(app: Flask, short_name: str) -> int:
    with app.app_context():
        programme = Programme(rncp_code=f"RNCP-{short_name}", title=f"Titre {short_name}", short_name=short_name)
        db.session.add(programme)
        db.session.commit()
        return programme.id


def test_the_journal_names_the_page_fields(app: Flask) -> None:
    with app.test_request_context():
        assert field_label("programme_page", "slug") == "adresse de la page"
        assert field_label("programme_page", "accessibility") == "accessibilité aux personnes en situation de handicap"
        assert readable("programme_page", "licence", "etalab-2.0") == "Licence Ouverte 2.0 (Etalab)"
        assert readable("programme_page", "registration_date", "2023-07-21") == "21 juillet 2023"
        assert readable("programme_page", "published", True) == "oui"
        for name in set(pages.FIELDS) - {"contacts"}:  # « contacts » is the same word
            assert field_label("programme_page", name) != name


def test_demo_publishes_the_dwwm_page(app: Flask) -> None:
    with app.app_context():
        manager = factories.user("demo.manager@example.org", Role.MANAGER, PASSWORD)
        db.session.flush()
        programme = factories.dwwm()
        add_public_page(programme, manager.id)
        db.session.commit()
        page = access.get_published_page_or_404(SLUG)
        assert page.certifier == "Ministère du Travail, du Plein emploi et de l'Insertion"
        assert page.registration_date.isoformat() == "2023-07-21" and page.licence.value == "etalab-2.0"
        assert len(TEXTS["summary"]) <= SUMMARY_LENGTH and all(len(text) <= TEXT_LENGTH for text in TEXTS.values())
        assert all(getattr(page, name) for name in INFORMATION_FIELDS)
        assert "référent·e handicap" in page.accessibility and "example.org" in page.contacts
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity == "programme_page")).one()
        assert event.actor_id == manager.id and event.after["slug"] == SLUG
    assert app.test_client().get(f"/p/{SLUG}").status_code == 200
    with app.test_request_context(), pytest.raises(NotFound):
        access.get_published_page_or_404("cda")
