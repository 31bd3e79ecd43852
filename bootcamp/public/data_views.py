"""A published programme's figures as open data: JSON (with its schema) and CSV, under the page's licence.

No login: anyone, any website (CORS `*`) may read them. `?year=` (default: the last complete year; one the page does
not offer is a 404, a malformed one a 400), `?site=<site-slug>` (a site's figures), `?lang=en` (English labels and
definitions). `flask export public` (public/commands.py) writes the same bytes.
"""

import json

from flask import Blueprint, Response

from .. import dates
from ..access import get_published_page_or_404
from ..models import Site
from ..models.public import ProgrammePage
from . import figures, opendata
from .asked import MAX_AGE, site_asked, year_asked, year_of
from .figures import Results

bp = Blueprint("public_data", __name__)


@bp.after_request
def _open(response: Response) -> Response:
    """Open data: readable from any website's script, errors included (a 404 says the same to everyone)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    if response.status_code == 200:
        response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
        response.headers["Link"] = f'<{opendata.schema_url()}>; rel="describedby"'
    return response


def _asked(slug: str) -> tuple[ProgrammePage, Site | None, Results, list[int]]:
    """The published page, the site asked for (`?site=`), the year's results (`?year=`) and the years offered."""
    asked = year_asked()
    page = get_published_page_or_404(slug)
    site = site_asked(page)
    year, offered = year_of(page, site, asked)
    return page, site, figures.results(page.programme_id, site.id if site else None, year, dates.today()), offered


@bp.get("/p/schema.json")
def schema() -> Response:
    """The JSON Schema (draft 2020-12) of /p/<slug>.json, its `$id` its own address."""
    document = {**opendata.schema(), "$id": opendata.schema_url()}
    return Response(json.dumps(document, ensure_ascii=False, indent=2) + "\n", mimetype="application/json")


@bp.get("/p/<slug>.json")
def json_data(slug: str) -> Response:
    """The page's information and the year's figures as JSON (public/schema.json)."""
    page, site, results, offered = _asked(slug)
    text = opendata.json_text(opendata.as_json(page, site, results, offered))
    return Response(text, mimetype="application/json")


@bp.get("/p/<slug>.csv")
def csv_data(slug: str) -> Response:
    """The year's figures as CSV, one row per figure, downloaded as <slug>[-<site>]-<year>.csv."""
    page, site, results, _offered = _asked(slug)
    name = opendata.filename(page, site, results.year, "csv")
    return Response(
        opendata.as_csv(page, site, results),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
