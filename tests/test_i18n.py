"""French and English: a complete catalogue, the language of the browser or of the footer's switch, dates
and numbers in the language, and no screen string left out of the catalogues."""

import re
import shutil
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import format_date

from bootcamp import i18n
from bootcamp.extensions import db
from bootcamp.importing.aliases import ALIASES
from bootcamp.models import Cohort
from bootcamp.satisfaction.statements import default_statements

from .conftest import AuthActions, csrf_token
from .test_access import MATRIX, ROLES

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "bootcamp" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")


def _catalogue(locale: str | None = None):
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale=locale)


def _source_messages() -> set:
    """Every msgid marked in the code and the templates, extracted as `make messages` does (babel.cfg)."""
    method_map = [("bootcamp/**.py", "python"), ("bootcamp/templates/**.html", "jinja2")]
    method_map.append(("bootcamp/templates/**.txt", "jinja2"))  # the emails' plain text
    keywords = {"_": None, "_l": None, "N_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    found = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=keywords, options_map={"**.html": {}, "**.txt": {}}
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_every_marked_string_has_an_english_translation() -> None:
    catalogue = _catalogue()
    translated = {}
    for message in catalogue:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else tuple(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(strings) and not message.fuzzy, f"untranslated: {message.id!r}"
        for string in strings:  # the same placeholders, so that formatting cannot fail in English
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            assert set(PLACEHOLDER.findall(string)) <= set(PLACEHOLDER.findall(" ".join(ids))), message.id
        translated[key] = strings
    missing = {message for message in _source_messages() if message not in translated}
    assert missing == set(), f"run `make messages` and translate: {sorted(map(str, missing))[:10]}"


def test_the_browser_language_is_used_then_the_switch_is_remembered(client, world) -> None:
    assert 'lang="fr"' in client.get("/login").text
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).text
    assert '<html lang="en">' in english and "Log in" in english and "Se connecter" not in english
    assert 'lang="fr"' in client.get("/login", headers={"Accept-Language": "de-DE"}).text  # default

    page = client.get("/login")
    assert '<button type="submit" name="locale" value="en" lang="en"' in page.text
    response = client.post(
        "/language", data={"csrf_token": csrf_token(client), "locale": "en", "next": "/login?next=%2Fme"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=%2Fme"
    assert "Email address" in client.get("/login", headers={"Accept-Language": "fr"}).text  # the choice wins
    AuthActions(client).login("learner@example.org")
    assert "My progress" in client.get("/me").text

    token = csrf_token(client, "/me")
    assert client.post("/language", data={"csrf_token": token, "locale": "de"}).status_code == 400
    elsewhere = client.post("/language", data={"csrf_token": token, "locale": "fr", "next": "//evil.example"})
    assert elsewhere.headers["Location"] == "/"  # never to another site
    assert "Ma progression" in client.get("/me").text
    assert client.post("/language", data={"locale": "en"}).status_code == 400  # CSRF


def test_dates_and_numbers_follow_the_language(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    with app.app_context():
        start = db.session.get(Cohort, world.cohort_id).start_date
    french = client.get(f"/cohorts/{world.cohort_id}").text
    client.post("/language", data={"csrf_token": csrf_token(client, "/cohorts/"), "locale": "en"})
    english = client.get(f"/cohorts/{world.cohort_id}").text
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert format_date(start) in french
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert format_date(start) in english and format_date(start) not in french
    assert "0 %" in french.replace("\u202f", " ").replace("\xa0", " ") and "0%" in english


def test_chart_months_are_named_in_the_language(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("learner@example.org")
    french = client.get("/me").text
    client.post("/language", data={"csrf_token": csrf_token(client, "/me"), "locale": "en"})
    english = client.get("/me").text
    september = date(2026, 9, 1)  # the world's cohorts start on 7 September 2026
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert f'"{format_date(september, "MMM y")}"' in french
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert '"Sep 2026"' == f'"{format_date(september, "MMM y")}"' and '"Sep 2026"' in english


class _ScreenText(HTMLParser):
    """The text a person sees or hears: text nodes (not scripts) and the labels of attributes."""

    ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self.parts += [value for name, value in attrs if name in self.ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data)


PSEUDO = "en_001"  # a locale of its own, so the marked catalogue never mixes with the real English one


@pytest.fixture
def marked_catalogue(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The English catalogue with every translation wrapped in ⟦ ⟧, served under its own locale."""
    catalogue = _catalogue(PSEUDO)
    for message in catalogue:
        if message.id:
            if isinstance(message.string, str):
                message.string = f"⟦{message.string}⟧"
            else:
                message.string = tuple(f"⟦{string}⟧" for string in message.string)
    folder = tmp_path / "translations" / PSEUDO / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, catalogue)
    monkeypatch.setitem(i18n.LANGUAGES, PSEUDO, "pseudo")
    settings = app.extensions["babel"]
    monkeypatch.setattr(settings, "translation_directories", [str(tmp_path / "translations")])
    yield
    shutil.rmtree(tmp_path / "translations")


def _data_words(app: Flask) -> set[str]:
    """Every word stored in the database (names, titles, codes...): data, not interface."""
    words: set[str] = set()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [column for column in table.columns if isinstance(column.type, (sa.String, sa.Text))]
            if not columns:
                continue
            for row in db.session.execute(sa.select(*columns)):
                for value in row:
                    words.update(re.findall(r"[^\W\d_]+", str(value or "")))
        for statement in default_statements():  # a questionnaire's content, in French whatever the reader's language
            words.update(re.findall(r"[^\W\d_]+", statement.text))
    locale = Locale.parse(PSEUDO)
    for names in (locale.months["format"], locale.days["format"]):
        for width in ("abbreviated", "wide"):
            words.update(word for name in names[width].values() for word in re.findall(r"[^\W\d_]+", name))
    words.update(word for name in locale.day_periods["format"]["abbreviated"].values() for word in name.split())
    for spellings in ALIASES.values():  # the codes and French spellings the learner import accepts: data
        texts = [text for code, values in spellings.items() for text in (code, *values)]
        words.update(word for text in texts for word in re.findall(r"[^\W\d_]+", text))
    for setting in ("ORGANISATION_NAME", "ORGANISATION_ADDRESS", "MAIL_DEFAULT_SENDER"):  # the school's: settings
        words.update(re.findall(r"[^\W\d_]+", str(app.config[setting])))
    return words | {"Bootcamp", "Français", "English", "pseudo"}


def test_no_string_on_screen_is_missing_from_the_catalogues(app: Flask, client, world, marked_catalogue) -> None:
    """Every page of the route matrix, for every role that may open it, with each translation marked: what is
    left outside the marks must be data from the database, or the text was not marked for translation."""
    allowed = _data_words(app)
    paths = world.paths()
    problems = []
    for role_index, role in enumerate(ROLES):
        client.delete_cookie("session")
        if role != "anonymous":
            AuthActions(client).login(world.emails[role])
        client.post("/language", data={"csrf_token": csrf_token(client, "/login"), "locale": PSEUDO})
        for rule, (path, expected) in MATRIX.items():
            if expected[role_index][0] != "200" or rule.startswith(("/vendor", "/static", "/healthz")):
                continue
            if rule.startswith("/p/"):  # the public pages: their language is in the address (i18n.PUBLIC_BLUEPRINTS)
                path += ("&" if "?" in path else "?") + f"lang={PSEUDO}"
            response = client.get(path.format(**paths))
            if response.mimetype != "text/html":
                continue
            parser = _ScreenText()
            parser.feed(response.text)
            for part in parser.parts:
                outside = part
                while "⟦" in outside:  # translations hold others: take the innermost out first
                    before, outside = outside, re.sub(r"⟦[^⟦⟧]*⟧", " ", outside)
                    if outside == before:
                        break
                for word in re.findall(r"[^\W\d_]{2,}", outside):
                    if word not in allowed:
                        problems.append(f"{role} {path}: {word!r} in {part.strip()[:80]!r}")
    assert problems == [], "\n".join(sorted(set(problems))[:40])
