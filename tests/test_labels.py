"""The glossary: every code of every enumeration has its own words in French and in English, found by its kind
and its value (the `other` of a gender, a referrer and a dropout reason are three different words)."""

import enum

import pytest
from flask import Flask
from flask_babel import force_locale

from bootcamp import models
from bootcamp.extensions import db
from bootcamp.labels import GLOSSARY, LABELS, choices, label
from bootcamp.models import DropoutReason, Gender, Referrer

from . import factories
from .conftest import AuthActions

ENUMERATIONS = [
    value
    for value in vars(models).values()
    if isinstance(value, type) and issubclass(value, enum.StrEnum) and value is not enum.StrEnum
]
# The enumerations of the models whose codes are never shown on screen (none today): every other one has labels.
UNLABELLED: set[type] = set()
# The `other` of each kind, per language: keyed by the kind (keyed by the code, the three would be one key).
EXPECTED = {
    "fr": {Gender: "autre", Referrer: "autre prescripteur", DropoutReason: "autre raison"},
    "en": {Gender: "other", Referrer: "other referrer", DropoutReason: "other reason"},
}
# Words that are the same in French and in English: names of bodies, and cognates.
SAME_IN_BOTH = {"bac+2", "Mission locale", "France Travail", "Cap emploi", "motivation", "exclusion",
                # licences keep their own names
                "Open Database License 1.0 (ODbL)", "Creative Commons Attribution 4.0 (CC BY 4.0)"}


def test_every_enumeration_of_the_models_has_a_glossary() -> None:
    assert len(ENUMERATIONS) >= 11
    assert set(GLOSSARY) == set(ENUMERATIONS) - UNLABELLED


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("kind", ENUMERATIONS, ids=lambda kind: kind.__name__)
def test_every_member_has_its_own_label_in_both_languages(sqlite_app: Flask, locale: str, kind: type) -> None:
    with sqlite_app.test_request_context(), force_locale(locale):
        words = [label(member) for member in kind]
        assert all(word.strip() for word in words)
        assert len(set(words)) == len(words), words  # distinct within the kind
        for member in kind:
            assert label(member.value, kind) == label(member) == str(LABELS[member])
        assert [str(choice.label) for choice in choices(kind)] == words
    if locale == "en":  # translated: each English word differs from the French one, but for names and cognates
        with sqlite_app.test_request_context(), force_locale("fr"):
            french = [label(member) for member in kind]
        assert [word for word, same in zip(words, french) if word == same and word not in SAME_IN_BOTH] == []


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_three_others_differ(sqlite_app: Flask, locale: str) -> None:
    with sqlite_app.test_request_context(), force_locale(locale):
        others = {kind: label(kind.OTHER) for kind in (Gender, Referrer, DropoutReason)}
        assert others == EXPECTED[locale]
        assert label("other", Gender) == EXPECTED[locale][Gender]
        assert label("other", Referrer) == EXPECTED[locale][Referrer]


def test_a_plain_code_needs_its_kind(sqlite_app: Flask) -> None:
    with sqlite_app.test_request_context():
        assert label(None) == ""
        with pytest.raises(TypeError):
            label("other")
        with pytest.raises(ValueError):
            label("planet", Gender)


def test_a_learner_of_gender_other_reads_autre(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        cohort = db.session.get(models.Cohort, world.cohort_id)
        learner = factories.learner(cohort, gender=Gender.OTHER, referrer=Referrer.OTHER)
        db.session.commit()
        learner_id = learner.id
    auth.login(world.emails["manager"])
    page = client.get(f"/learners/{learner_id}").text
    assert "<dd>autre</dd>" in page and "autre prescripteur" in page and "autre raison" not in page
    publics = client.get("/insertion?view=publics").text
    assert '<th scope="row">autre</th>' in publics and "autre raison" not in publics
    assert '<option value="other">autre</option>' in publics  # the gender filter


def test_the_exports_name_each_other_by_its_kind(sqlite_app: Flask) -> None:
    """The dashboard's tables, the XLSX and the CSV for Excel name the groups by reports.views.group_names."""
    from bootcamp.reports.views import group_names

    with sqlite_app.test_request_context():
        assert group_names("gender")["other"] == "autre"
        assert group_names("referrer")["other"] == "autre prescripteur"
        assert group_names("gender")["undeclared"] == "non renseigné"
