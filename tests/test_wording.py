"""French on screen: « d'Étienne » but « de Marc », plurals by the French rule (0 and 1: singular), and links
whose accessible name starts with the text they show (WCAG 2.5.3)."""

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask_babel import force_locale, ngettext

from bootcamp.extensions import db
from bootcamp.models import Cohort, Learner
from bootcamp.wording import elides, french_plural, of_name

from . import factories
from .conftest import AuthActions


@pytest.mark.parametrize(
    ("name", "elided"),
    [
        ("Étienne", True),
        ("étienne", True),
        ("Alfred", True),
        ("Irène", True),
        ("Ouria", True),
        ("Ulysse", True),
        ("Œdipe", True),
        ("Émilie Durand", True),
        ("Yves", True),
        ("Ysaline", True),
        ("Marc", False),
        ("Yann", False),  # a Y heard as a consonant
        ("Yacine", False),
        ("Y", False),
        ("Hélène", False),  # no elision before H: mute or aspirated depends on the name (wording.py)
        ("Hugues", False),
        ("", False),
        ("  Anne", True),
        ("42", False),
    ],
)
def test_de_elides_before_a_vowel_sound(name: str, elided: bool) -> None:
    assert elides(name) is elided


def test_of_name_in_french_and_in_english(sqlite_app: Flask) -> None:
    with sqlite_app.test_request_context():
        with force_locale("fr"):
            assert [of_name(name) for name in ("Étienne Berger", "Marc Petit", "Yves Roy", "Yann Le Gall")] == [
                "d'Étienne Berger",
                "de Marc Petit",
                "d'Yves Roy",
                "de Yann Le Gall",
            ]
        with force_locale("en"):
            assert of_name("Étienne Berger") == "of Étienne Berger" and of_name("Marc") == "of Marc"


def test_french_plural_rule() -> None:
    assert [french_plural(count) for count in (0, 1, 2, 10)] == [0, 0, 1, 1]


def test_untranslated_messages_take_the_french_plural(sqlite_app: Flask) -> None:
    singular, plural = "%(num)d chose jamais traduite", "%(num)d choses jamais traduites"  # in no catalogue
    with sqlite_app.test_request_context():
        for locale in ("fr", "en"):
            with force_locale(locale):
                assert [ngettext(singular, plural, count) for count in (0, 1, 2)] == [
                    "0 chose jamais traduite",
                    "1 chose jamais traduite",
                    "2 choses jamais traduites",
                ]
        with force_locale("en"):  # a translated message keeps the English rule: 0 is plural
            assert ngettext("%(num)d compte", "%(num)d comptes", 0) == "0 accounts"
            assert ngettext("%(num)d compte", "%(num)d comptes", 1) == "1 account"
        with force_locale("fr"):
            assert ngettext("%(num)d compte", "%(num)d comptes", 0) == "0 compte"


def _learner_of(app: Flask, cohort_id: int, first_name: str, last_name: str) -> tuple[int, int]:
    with app.app_context():
        learner = factories.learner(db.session.get(Cohort, cohort_id), first_name=first_name, last_name=last_name)
        db.session.commit()
        return learner.id, learner.enrolments[0].id


def test_pages_write_d_before_a_vowel(app: Flask, client, auth: AuthActions, world) -> None:
    learner_id, enrolment_id = _learner_of(app, world.cohort_id, "Étienne", "Berger")
    auth.login(world.emails["trainer"])
    enrolment = client.get(f"/cohorts/{world.cohort_id}/enrolments/{enrolment_id}").text
    assert "Situation d&#39;Étienne Berger" in enrolment and "de Étienne" not in enrolment
    luc = client.get(f"/cohorts/{world.cohort_id}/enrolments/{world.enrolment_id}").text
    assert "Situation de Luc Lefèvre" in luc
    cell = client.get(f"/cohorts/{world.cohort_id}/competencies/{learner_id}/{world.competency_id}").text
    assert 'aria-label="Compétences d&#39;Étienne Berger"' in cell
    sheet = client.get(f"/projects/{world.project_id}/grades").text
    assert "Note sur 20 d'Étienne Berger" in sheet and "Motif de la dispense d'Étienne Berger" in sheet
    assert "Note sur 20 de Luc Lefèvre" in sheet


def test_counts_take_the_french_plural_on_the_roster(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        trainer = db.session.get(Cohort, world.cohort_id).trainers[0]
        lone = factories.cohort("Promotion d'une personne", trainers=(trainer,))
        factories.learner(lone)
        db.session.commit()
        lone_id = lone.id
    auth.login(world.emails["trainer"])
    roster = client.get(f"/cohorts/{lone_id}").text
    assert "1 apprenant·e · 0 projet ·" in roster


class _Links(HTMLParser):
    """Each link's visible text and accessible name (aria-label, else all its text, visually hidden included)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._link: dict | None = None
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a":
            self._link = {"label": a.get("aria-label"), "visible": "", "all": ""}
        elif self._link is not None and tag == "span":
            hidden = "visually-hidden" in (a.get("class") or "").split()
            self._hidden_depth += 1 if hidden or self._hidden_depth else 0

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            name = self._link["label"] if self._link["label"] is not None else self._link["all"]
            self.links.append((_squeeze(self._link["visible"]), _squeeze(name)))
            self._link = None
        elif tag == "span" and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._link["all"] += data
            if not self._hidden_depth:
                self._link["visible"] += data


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", unescape(text)).strip()


def test_grid_links_are_named_by_their_visible_text_first(app: Flask, client, auth: AuthActions, world) -> None:
    _learner_of(app, world.cohort_id, "Étienne", "Berger")
    auth.login(world.emails["trainer"])
    parser = _Links()
    parser.feed(client.get(f"/cohorts/{world.cohort_id}/competencies").text)
    assert parser.links
    for visible, name in parser.links:
        assert name.lower().startswith(visible.lower()), (visible, name)
    assert ("Berger Étienne", "Berger Étienne — historique des niveaux") in parser.links
    with app.app_context():
        assert db.session.get(Learner, world.learner_id).full_name == "Luc Lefèvre"
    assert ("Lefèvre Luc", "Lefèvre Luc — historique des niveaux") in parser.links
