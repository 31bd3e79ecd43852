"""The figures as open data: /p/schema.json, /p/<slug>.json and .csv, and `flask export public`."""

import csv
import io
import json
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale
from jsonschema import Draft202012Validator, ValidationError

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.models import DropoutReason, EnrolmentStatus, Licence, ProgrammePage, Site
from bootcamp.public import figures, opendata

from . import factories

TODAY = date(2027, 3, 1)  # the last complete year is 2026, when the world's two cohorts started


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    monkeypatch.setattr(dates, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def year_2025(app: Flask, world) -> None:
    """A Mende cohort that started in 2025: 6 entrants, 4 finished on 31 October 2025 (their +6 months are due by
    TODAY, nobody answered), 2 dropped."""
    with app.app_context():
        mende = db.session.scalars(sa.select(Site).where(Site.name == "Mende")).one()
        cohort = factories.cohort("Mende 2025", at=mende, start=date(2025, 1, 6), end=date(2025, 10, 31))
        for n in range(6):
            enrolment = factories.learner(cohort).enrolments[0]
            enrolment.status = EnrolmentStatus.FINISHED if n < 4 else EnrolmentStatus.DROPPED
            enrolment.exit_date = date(2025, 10, 31) if n < 4 else date(2025, 3, 14)
            enrolment.dropout_reason = None if n < 4 else DropoutReason.JOB
        db.session.commit()


def _validator() -> Draft202012Validator:
    return Draft202012Validator(opendata.schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def _document(client, query: str = "") -> dict:
    response = client.get(f"/p/dwwm.json{query}")
    assert response.status_code == 200, response.text
    return response.get_json()


def _figure(document: dict, code: str) -> dict:
    return next(item for item in document["figures"] if item["indicator"] == code)


def _export(app: Flask, *options: str):
    return app.test_cli_runner().invoke(args=["export", "public", *options])


def test_the_schema_is_a_valid_draft_2020_12_schema_served_with_its_address(app: Flask, client) -> None:
    Draft202012Validator.check_schema(opendata.schema())
    response = client.get("/p/schema.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    served = response.get_json()
    Draft202012Validator.check_schema(served)
    assert served["$id"] == app.config["BASE_URL"] + "/p/schema.json"
    assert served["properties"] == opendata.schema()["properties"]


@pytest.mark.parametrize("query", ["?year=2025", "?year=2025&site=mende", "", "?site=rodez", "?lang=en&year=2025"])
def test_the_json_validates_against_its_schema(app: Flask, client, world, year_2025, query: str) -> None:
    document = _document(client, query)
    _validator().validate(document)
    assert document["schema"] == app.config["BASE_URL"] + "/p/schema.json"
    assert document["programme"]["url"] == app.config["BASE_URL"] + "/p/dwwm"
    assert document["programme"]["rncp_code"] == "RNCP37674"
    assert document["programme"]["registration_date"] == "2023-07-21"
    assert document["information"]["prerequisites"] == "Aucun diplôme exigé."
    assert document["computed_on"] == "2027-03-01"
    assert document["years"] == ([2026] if "rodez" in query else [2026, 2025])  # Rodez had no cohort in 2025
    assert [item["indicator"] for item in document["figures"]][:4] == list(figures.CODES[:4])


def test_a_year_with_few_people_hides_its_figures_and_says_what_was_not_measured(client, world, year_2025) -> None:
    document = _document(client)  # 2026 by default: the world's two entrants
    assert document["year"] == 2026 and document["period"] == {
        "start": "2026-01-01", "end": "2026-12-31", "basis": "cohort_start"
    }
    assert {item["status"] for item in document["figures"]} == {"small_group"}
    assert all(item["value"] is None and item["people"] is None for item in document["figures"])
    measured = _document(client, "?year=2025")  # six entrants: shown, but nobody's situation known at +6 months
    assert {item["status"] for item in measured["figures"]} == {"shown", "not_measured"}
    assert _figure(measured, "employment_rate")["status"] == "not_measured"


def test_a_year_and_a_site_with_enough_people_show_their_figures(app: Flask, client, world, year_2025) -> None:
    for query in ("?year=2025", "?year=2025&site=mende"):
        document = _document(client, query)
        assert _figure(document, "entrants")["value"] == _figure(document, "entrants")["people"] == 6
        completion = _figure(document, "completion_rate")
        assert (completion["status"], completion["value"], completion["numerator"], completion["denominator"]) == (
            "shown", 66.7, 4, 6
        )
        assert _figure(document, "dropout_rate")["value"] == 33.3
        response = _figure(document, "follow_up_response_rate")  # the six leavers due at +6 months, none known
        assert (response["value"], response["numerator"], response["denominator"]) == (0.0, 0, 6)
        assert _figure(document, "employment_rate")["status"] == "not_measured"  # no situation known
        blocks = [item for item in document["figures"] if item["indicator"] == "block_pass_rate"]
        assert blocks and all(item["block"] and item["block_title"] for item in blocks)
    site = _document(client, "?year=2025&site=mende")["site"]
    assert site == {"slug": "mende", "name": "Mende", "url": app.config["BASE_URL"] + "/p/dwwm/mende"}
    assert _document(client, "?site=rodez")["years"] == [2026]  # Rodez had no cohort in 2025


@pytest.mark.parametrize(
    "change",
    [
        lambda doc: doc.pop("licence"),
        lambda doc: doc["figures"][0].pop("people"),
        lambda doc: doc["figures"][1].update(status="hidden"),
        lambda doc: doc["figures"][1].update(status="small_group"),  # a value with a hidden status
        lambda doc: doc["figures"][1].update(value=None),  # shown without a value
        lambda doc: doc["programme"].update(extra="x"),
        lambda doc: doc.update(computed_on="01/03/2027"),
        lambda doc: doc["licence"].update(id="cc0"),
    ],
)
def test_the_schema_refuses_a_wrong_document(client, world, year_2025, change) -> None:
    document = _document(client, "?year=2025")
    _validator().validate(document)
    change(document)
    with pytest.raises(ValidationError):
        _validator().validate(document)


def test_the_csv_has_one_row_per_figure_with_the_json_values(client, world, year_2025) -> None:
    for query in ("?year=2025", "?year=2025&site=mende", "?lang=en"):
        document = _document(client, query)
        response = client.get(f"/p/dwwm.csv{query}")
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert list(rows[0]) == list(opendata.CSV_COLUMNS)
        assert len(rows) == len(document["figures"])
        for row, item in zip(rows, document["figures"], strict=True):
            assert row["programme"] == "dwwm" and row["rncp_code"] == "RNCP37674" and row["licence"] == "etalab-2.0"
            assert row["site"] == (document["site"] or {}).get("slug", "")
            assert (row["year"], row["period_start"], row["computed_on"]) == (
                str(document["year"]), document["period"]["start"], "2027-03-01"
            )
            assert (row["indicator"], row["block"] or None, row["unit"], row["status"], row["label"]) == (
                item["indicator"], item["block"], item["unit"], item["status"], item["label"]
            )
            for name in ("value", "numerator", "denominator", "people"):
                assert (float(row[name]) if row[name] else None) == item[name], name
            assert row["definition"] == item["definition"]


def test_the_command_prints_the_bytes_of_the_web_answer(app: Flask, client, world, year_2025) -> None:
    cases = [((), ""), (("--year", "2025", "--site", "mende"), "?year=2025&site=mende"), (("--lang", "en"), "?lang=en")]
    for options, query in cases:
        result = _export(app, "--programme", "dwwm", *options)
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes == client.get(f"/p/dwwm.csv{query}").data
        result = _export(app, "--programme", "dwwm", "--format", "json", "--as-of", "2027-03-01", *options)
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == _document(client, query)
    earlier = json.loads(_export(app, "--programme", "dwwm", "--format", "json", "--as-of", "2026-06-01").output)
    assert earlier["year"] == 2025 and earlier["computed_on"] == "2026-06-01"


def test_an_unpublished_or_unknown_page_is_not_found(app: Flask, client, world) -> None:
    with app.app_context():
        db.session.scalars(sa.select(ProgrammePage)).one().published = False
        db.session.commit()
    for path in ("/p/dwwm.json", "/p/dwwm.csv", "/p/other.json", "/p/other.csv"):
        response = client.get(path)
        assert response.status_code == 404 and response.headers["Access-Control-Allow-Origin"] == "*"
    for slug in ("dwwm", "other"):
        result = _export(app, "--programme", slug)
        assert result.exit_code != 0
        assert result.output.strip().splitlines() == [f"Error: no published page at /p/{slug}"]


def test_a_wrong_year_or_site_is_refused(app: Flask, client, world) -> None:
    for query, status in [
        ("?year=2019", 404), ("?year=2027", 404), ("?year=abc", 400), ("?year=99999", 400), ("?year=-1", 400),
        ("?site=montpellier", 404), ("?site=" + "x" * 300, 400), ("?site=Mende", 404),
    ]:
        for extension in ("json", "csv"):
            assert client.get(f"/p/dwwm.{extension}{query}").status_code == status, (extension, query)
    for options, message in [
        (("--year", "2019"), "Error: no figures of 2019 for /p/dwwm: years 2026"),
        (("--site", "montpellier"), "Error: no site 'montpellier' for /p/dwwm"),
    ]:
        result = _export(app, "--programme", "dwwm", *options)
        assert result.exit_code != 0 and result.output.strip().splitlines() == [message]
    result = _export(app, "--programme", "dwwm", "--as-of", "27/11/2026")
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output


def test_the_licence_the_page_chose_is_stated(app: Flask, client, world) -> None:
    assert _document(client)["licence"]["id"] == "etalab-2.0"
    with app.app_context():
        db.session.scalars(sa.select(ProgrammePage)).one().licence = Licence.ODBL_1_0
        db.session.commit()
    assert _document(client)["licence"] == {
        "id": "odbl-1.0",
        "name": "Open Database License 1.0 (ODbL)",
        "url": "https://opendatacommons.org/licenses/odbl/1-0/",
    }
    rows = list(csv.DictReader(io.StringIO(client.get("/p/dwwm.csv").text)))
    assert {row["licence"] for row in rows} == {"odbl-1.0"}


def test_labels_and_definitions_follow_the_language_asked(app: Flask, client, world) -> None:
    french, english = _document(client), _document(client, "?lang=en")
    with app.test_request_context(), force_locale("en"):
        meanings = figures.meanings()
    assert _figure(english, "completion_rate")["definition"] == meanings["completion_rate"]
    assert _figure(english, "completion_rate")["definition"] != _figure(french, "completion_rate")["definition"]
    assert french["figures"][0]["label"] == "Personnes entrées en formation"


def test_the_headers_of_open_data(app: Flask, client, world, year_2025) -> None:
    answer = client.get("/p/dwwm.json")
    assert answer.mimetype == "application/json" and answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Link"] == f'<{app.config["BASE_URL"]}/p/schema.json>; rel="describedby"'
    assert answer.headers["Cache-Control"] == "public, max-age=600"
    assert "Set-Cookie" not in answer.headers
    download = client.get("/p/dwwm.csv?year=2025&site=mende")
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert download.headers["Content-Disposition"] == 'attachment; filename="dwwm-mende-2025.csv"'
    assert download.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/p/dwwm.csv").headers["Content-Disposition"] == 'attachment; filename="dwwm-2026.csv"'


def test_the_addresses_reach_the_open_data_and_not_a_page(app: Flask) -> None:
    """A slug never holds a dot: /p/dwwm.json is the data, whatever rule /p/<slug> the page has."""
    routes = app.url_map.bind("localhost")
    assert routes.match("/p/dwwm.json") == ("public_data.json_data", {"slug": "dwwm"})
    assert routes.match("/p/dwwm.csv") == ("public_data.csv_data", {"slug": "dwwm"})
    assert routes.match("/p/schema.json") == ("public_data.schema", {})


def test_the_answers_run_a_fixed_number_of_queries(app: Flask, client, world, year_2025, count_queries) -> None:
    with count_queries() as whole:
        client.get("/p/dwwm.json?year=2025")
    with count_queries() as site:
        client.get("/p/dwwm.csv?year=2025&site=mende")
    with app.app_context():
        mende = db.session.scalars(sa.select(Site).where(Site.name == "Mende")).one()
        for start in (date(2025, 3, 3), date(2024, 9, 2)):
            cohort = factories.cohort(f"Mende {start}", at=mende, start=start, end=date(2025, 12, 19))
            for _n in range(8):
                factories.learner(cohort)
        db.session.commit()
    with count_queries() as bigger:
        client.get("/p/dwwm.json?year=2025")
    with count_queries() as bigger_site:
        client.get("/p/dwwm.csv?year=2025&site=mende")
    # the page, the years offered, then figures.results' four queries; the site: its programme's sites too, and
    # their entrants (secondary suppression)
    assert whole.count == bigger.count == 6, bigger.statements
    assert site.count == bigger_site.count == 8, bigger_site.statements
