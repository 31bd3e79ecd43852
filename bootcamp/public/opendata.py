"""A published programme's figures as open data: the JSON document (described by public/schema.json) and the CSV.

Both are made from the one `figures.Results` the page shows, so that a figure is the same wherever it is read; the
web answers (/p/<slug>.json, .csv) and `flask export public` call the same functions, hence the same bytes. Labels
and definitions follow the request's language (French unless `?lang=en`); codes, statuses and the CSV's header are
the machine's and never change once published (docs/public-data.md).
"""

import json
from functools import cache
from importlib import resources
from typing import Any

from flask import current_app

from ..indicators import SMALL_GROUP
from ..labels import label
from ..links import external_url
from ..models import Licence, Site
from ..models.public import INFORMATION_FIELDS, ProgrammePage
from ..reports.export import csv_line
from . import figures
from .figures import PERCENT, Figure, Results
from .slugs import slugify

LICENCE_URLS = {
    Licence.ETALAB_2_0: "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    Licence.ODBL_1_0: "https://opendatacommons.org/licenses/odbl/1-0/",
    Licence.CC_BY_4_0: "https://creativecommons.org/licenses/by/4.0/",
}
# The period's meaning: the cohorts that started between its first and last day (the dashboard's « année d'entrée »).
BASIS = "cohort_start"
# The CSV's header: the machine format (English names, codes), one row per figure; never changes once published.
CSV_COLUMNS = (
    "programme",
    "rncp_code",
    "site",
    "year",
    "period_start",
    "period_end",
    "computed_on",
    "indicator",
    "block",
    "unit",
    "status",
    "value",
    "numerator",
    "denominator",
    "people",
    "label",
    "definition",
    "licence",
)


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the document, as shipped in the package (its `$id` relative)."""
    return json.loads(resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8"))


def schema_url() -> str:
    """The schema's address under BASE_URL (the same in a request and on the command line)."""
    return external_url("public_data.schema")


def page_url(page: ProgrammePage, site: Site | None = None) -> str:
    """The public page's absolute address, /p/<slug>[/<site-slug>] under BASE_URL: built from the path, which is
    the published address whatever the view that serves it."""
    path = f"/p/{page.slug}" + (f"/{slugify(site.name)}" if site is not None else "")
    return current_app.config["BASE_URL"] + path


def value(figure: Figure) -> int | float | None:
    """The published value: a rate rounded to one decimal (as the dashboard shows it), a count as a whole number."""
    if figure.value is None:
        return None
    return round(figure.value, 1) if figure.unit == PERCENT else int(figure.value)


def _figures(results: Results) -> list[dict[str, Any]]:
    """Each figure with its label and definition in the request's language, in the page's order."""
    names, meanings, titles = figures.names(), figures.meanings(), dict(results.blocks)
    return [
        {
            "indicator": figure.code,
            "block": figure.block,
            "block_title": None if figure.block is None else titles.get(figure.block, ""),
            "label": names[figure.code],
            "unit": figure.unit,
            "status": figure.status,
            "value": value(figure),
            "numerator": figure.numerator,
            "denominator": figure.denominator,
            "people": figure.people,
            "definition": meanings[figure.code],
        }
        for figure in results.figures
    ]


def _programme(page: ProgrammePage) -> dict[str, Any]:
    programme = page.programme
    registered = page.registration_date
    return {
        "slug": page.slug,
        "title": programme.title,
        "rncp_code": programme.rncp_code,
        "level": programme.level,
        "certifier": page.certifier,
        "registration_date": registered.isoformat() if registered else None,
        "url": page_url(page),
    }


def as_json(page: ProgrammePage, site: Site | None, results: Results, years: list[int]) -> dict[str, Any]:
    """The document of /p/<slug>.json (public/schema.json): the page's information and the year's figures."""
    return {
        "schema": schema_url(),
        "licence": {"id": page.licence.value, "name": label(page.licence), "url": LICENCE_URLS[page.licence]},
        "publisher": {"name": current_app.config["ORGANISATION_NAME"]},
        "programme": _programme(page),
        "site": None if site is None else {"slug": slugify(site.name), "name": site.name, "url": page_url(page, site)},
        "information": {name: getattr(page, name) or "" for name in ("summary", *INFORMATION_FIELDS)},
        "year": results.year,
        "period": {"start": results.period_start.isoformat(), "end": results.period_end.isoformat(), "basis": BASIS},
        "computed_on": results.as_of.isoformat(),
        "follow_up_months": figures.POINT,
        "small_group": SMALL_GROUP,
        "years": list(years),
        "figures": _figures(results),
    }


def json_text(document: dict[str, Any]) -> str:
    """The document as the web and the command line write it: UTF-8 text, indented, keys in the schema's order."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def as_csv(page: ProgrammePage, site: Site | None, results: Results) -> str:
    """The CSV of /p/<slug>.csv: a header (CSV_COLUMNS), then one row per figure, the JSON's values; the project's
    CSV writer (reports/export.py: comma, decimal point, no formula)."""
    start, end, day = (day.isoformat() for day in (results.period_start, results.period_end, results.as_of))
    where = slugify(site.name) if site is not None else ""
    lines = [csv_line(CSV_COLUMNS)]
    for item in _figures(results):
        cells = [page.slug, page.programme.rncp_code, where, results.year, start, end, day, item["indicator"]]
        cells += [item[name] for name in ("block", "unit", "status", "value", "numerator", "denominator", "people")]
        lines.append(csv_line([*cells, item["label"], item["definition"], page.licence.value]))
    return "".join(lines)


def filename(page: ProgrammePage, site: Site | None, year: int, extension: str) -> str:
    """The download's name: <slug>[-<site>]-<year>.<extension>."""
    where = f"-{slugify(site.name)}" if site is not None else ""
    return f"{page.slug}{where}-{year}.{extension}"
