"""Limits where data enters: text lengths from the model's columns, dates within bootcamp/dates.py's bounds."""

from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask
from wtforms.validators import Length

from bootcamp.cohorts.forms import CohortForm
from bootcamp.dates import EARLIEST, add_months, latest
from bootcamp.extensions import db
from bootcamp.forms import column_length
from bootcamp.importing import learners as learner_import
from bootcamp.importing import outcomes as outcome_import
from bootcamp.models import Cohort, Enrolment, EnrolmentStatus, Learner, Outcome, Project, Site
from bootcamp.outcomes.forms import OutcomeForm
from bootcamp.projects.forms import ProjectForm
from bootcamp.sites.forms import SiteForm

from .conftest import AuthActions, audit_events, page_form
from .test_imports import HEADER, _import

# Every text a form stores, and the column it goes to.
FORM_COLUMNS = [
    (CohortForm, "name", Cohort.name),
    (SiteForm, "name", Site.name),
    (OutcomeForm, "employer", Outcome.employer),
    (OutcomeForm, "job_title", Outcome.job_title),
    (ProjectForm, "title", Project.title),
]
LEARNER = {
    "email": "zoe@example.net",
    "first_name": "Zoé",
    "last_name": "Zeller",
    "gender": "female",
    "birth_date": "2000-01-01",
    "postal_code": "48000",
}


def _learner_row(**cells: str) -> str:
    values = LEARNER | cells
    names = HEADER.strip().split(",")
    names += [name for name in cells if name not in names]  # an optional column HEADER lacks (phone)
    return ",".join(names) + "\n" + ",".join(values.get(name, "") for name in names) + "\n"


def _too_long(attribute) -> str:
    length = column_length(attribute)
    if attribute is Learner.email:
        return "z" * (length - 11) + "@example.net"  # a well-formed address, one character too long
    return "é" * (length + 1)


def test_every_form_text_is_limited_by_its_column() -> None:
    for form, name, column in FORM_COLUMNS:
        [length] = [v for v in getattr(form, name).kwargs["validators"] if isinstance(v, Length)]
        assert length.max == column_length(column), (form.__name__, name)


# Text columns no import writes: the personal email is the learner's to give (/me) or a manager's (the learner's
# contact form), the city is asked by the follow-up link and the follow-up form.
NOT_IMPORTED = {"personal_email", "city", "employer_key"}  # employer_key: the employer's, derived (compare_key)


def test_every_text_column_an_import_writes_is_checked() -> None:
    """The text (String, not code) columns of what each import writes are those it checks: none is forgotten."""
    for module, model in ((learner_import, Learner), (outcome_import, Outcome)):
        columns = sa.inspect(model).columns
        texts = {c.key for c in columns if isinstance(c.type, sa.String) and not isinstance(c.type, sa.Enum)}
        texts -= NOT_IMPORTED
        checked = {attribute.key for attribute in module.TEXT_COLUMNS.values() if attribute.class_ is model}
        assert texts == checked, model


@pytest.mark.parametrize("column", list(learner_import.TEXT_COLUMNS))
def test_an_imported_learner_text_over_its_column_is_refused(app: Flask, world, tmp_path, column: str) -> None:
    attribute = learner_import.TEXT_COLUMNS[column]
    value = _too_long(attribute)
    result = _import(app, tmp_path, _learner_row(**{column: value}))
    limit = column_length(attribute)
    assert result.exit_code == 1, result.output
    assert f"line 2, column {column}: text too long: {len(value)} characters, {limit} at most" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Learner)) == 2


def test_an_imported_learner_text_at_its_column_length_is_stored(app: Flask, world, tmp_path) -> None:
    longest = {name: "é" * column_length(learner_import.TEXT_COLUMNS[name]) for name in ("first_name", "last_name")}
    result = _import(app, tmp_path, _learner_row(postal_code="4" * column_length(Learner.postal_code), **longest))
    assert result.exit_code == 0, result.output
    with app.app_context():
        zoe = db.session.scalars(sa.select(Learner).where(Learner.email == "zoe@example.net")).one()
        assert (zoe.first_name, len(zoe.postal_code)) == (longest["first_name"], 10)


@pytest.mark.parametrize("column", ["employer", "job_title"])
def test_an_imported_outcome_text_over_its_column_is_refused(app: Flask, world, tmp_path, column: str) -> None:
    with app.app_context():
        db.session.execute(sa.update(Learner).where(Learner.first_name == "Rose").values(email="rose@example.net"))
        db.session.commit()
    cells = {"employer": "", "job_title": "", column: "x" * 201}
    text = "email,point,situation,employer,job_title\nrose@example.net,0,cdi,{employer},{job_title}\n".format(**cells)
    result = _import(app, tmp_path, text, kind="outcomes")
    assert result.exit_code == 1, result.output
    assert f"line 2, column {column}: text too long: 201 characters, 200 at most" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Outcome)) == 0


def test_a_form_text_over_its_column_comes_back_with_its_limit(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    form = page_form(client, "/cohorts/new")
    form.update(name="N" * 121, site="Mende", start_date="2027-02-01", end_date="2027-11-19")
    response = client.post("/cohorts/new", data=form)
    assert response.status_code == 200 and "Texte trop long : 121 caractères, 120 au plus." in response.text
    assert audit_events(app, "cohort") == []


def test_add_months_stays_within_what_a_date_holds() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(9999, 12, 31), 12) == date.max
    assert add_months(date(1, 1, 1), -1) == date.min
    assert latest(date(2026, 2, 28)) == date(2031, 2, 28)


def test_a_learner_with_an_exit_at_the_end_of_time_still_shows(app: Flask, client, auth: AuthActions, world) -> None:
    """Stored before dates were bounded (or by hand): the pages that compute follow-up dates must not fail."""
    with app.app_context():
        enrolment = db.session.get(Enrolment, world.other_enrolment_id)
        enrolment.exit_date = date(9999, 12, 31)
        db.session.commit()
    auth.login("manager@example.org")
    assert client.get(f"/learners/{world.other_learner_id}").status_code == 200
    assert client.get("/outcomes/due").status_code == 200


@pytest.mark.parametrize("typed", ["31/12/9999", "2206-01-15", "1899-12-31"])
def test_a_date_out_of_bounds_is_refused_by_the_forms(app: Flask, client, auth: AuthActions, world, typed) -> None:
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/enrolments/{world.enrolment_id}"
    form = page_form(client, url)
    form.update(status="finished", exit_date=typed)
    response = client.post(url, data=form)
    assert response.status_code == 200 and "Date hors limites : entre le 01/01/1900 et le " in response.text
    with app.app_context():
        assert db.session.get(Enrolment, world.enrolment_id).status == EnrolmentStatus.IN_TRAINING
    assert audit_events(app) == []


def test_a_date_out_of_bounds_is_refused_by_the_imports(app: Flask, world, tmp_path) -> None:
    result = _import(app, tmp_path, _learner_row(status="finished", exit_date="9999-12-31"))
    assert result.exit_code == 1
    assert "line 2, column exit_date: “9999-12-31”: date out of range: between 01/01/1900" in result.output
    with app.app_context():
        db.session.execute(sa.update(Learner).where(Learner.first_name == "Rose").values(email="rose@example.net"))
        db.session.commit()
    text = f"email,point,situation,start_date\nrose@example.net,0,cdi,{EARLIEST.replace(year=1899):%d/%m/%Y}\n"
    result = _import(app, tmp_path, text, kind="outcomes")
    assert result.exit_code == 1 and "line 2, column start_date: “01/01/1899”: date out of range" in result.output
