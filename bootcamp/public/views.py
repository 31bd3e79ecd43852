"""The public pages, for anyone without a login: /p/ (the published programmes), a programme's page and its sites'
variants, and the fragment other websites embed."""

from flask import Blueprint, abort, current_app, make_response
from werkzeug.wrappers import Response

from .. import dates, params, security
from ..access import get_public_site_or_404, get_published_page_or_404
from ..models import Site
from ..models.public import SLUG_LENGTH, ProgrammePage
from . import figures
from .rendering import render_embed, render_index, render_page

bp = Blueprint("public", __name__)

MAX_AGE = 600  # seconds a browser or a proxy may keep an answer: the figures change at most once a day or so
LAST_YEAR = 9999


def _public(html: str, status: int = 200) -> Response:
    """An answer anyone may keep for MAX_AGE seconds (security.py makes it no-store for a logged-in user)."""
    response = make_response(html, status)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


def _year(page: ProgrammePage, site: Site | None, asked: int | None) -> tuple[int, list[int]]:
    """The year asked (the last complete one by default), 404 when no page of that year exists, and the years of
    the selector (one query)."""
    today = dates.today()
    available = figures.years(page.programme_id, site.id if site is not None else None, today)
    year = figures.last_complete_year(today) if asked is None else asked
    if year not in available:
        abort(404)
    return year, available


def _asked_year() -> int | None:
    """The `year` of the address: a whole number of four digits at most, else 400 (before any query)."""
    return params.integer("year", None, 1, LAST_YEAR)


@bp.get("/p/")
def index() -> Response:
    """The published programmes, with links to their pages and their sites' variants."""
    return _public(render_index())


@bp.get("/p/<slug>")
def page(slug: str) -> Response:
    """A programme's public page: its indicator-1 information and its results of a year."""
    asked = _asked_year()
    shown = get_published_page_or_404(slug)
    year, available = _year(shown, None, asked)
    return _public(render_page(shown, None, year, available=available))


@bp.get("/p/<slug>/<site_slug>")
def site_page(slug: str, site_slug: str) -> Response:
    """A site's variant of a programme's page: the same information, the results of that site's cohorts."""
    asked = _asked_year()
    shown = get_published_page_or_404(slug)
    site = get_public_site_or_404(shown, site_slug)
    year, available = _year(shown, site, asked)
    return _public(render_page(shown, site, year, available=available))


@bp.get("/p/<slug>/embed")
def embed(slug: str) -> Response:
    """The headline figures as a small document for another website's iframe: the only page that may be framed,
    by the sites PUBLIC_EMBED_FRAME_ANCESTORS names (security.EMBEDDABLE drops X-Frame-Options for it)."""
    asked, site_slug = _asked_year(), params.text("site", max_length=SLUG_LENGTH)
    shown = get_published_page_or_404(slug)
    site = get_public_site_or_404(shown, site_slug) if site_slug else None
    year, _available = _year(shown, site, asked)
    response = _public(render_embed(shown, site, year))
    ancestors = current_app.config["PUBLIC_EMBED_FRAME_ANCESTORS"]
    response.headers["Content-Security-Policy"] = security.CSP.replace(
        "frame-ancestors 'none'", f"frame-ancestors {ancestors}"
    )
    return response
