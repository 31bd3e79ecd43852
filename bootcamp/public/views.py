"""The public pages, for anyone without a login: /p/ (the published programmes), a programme's page and its sites'
variants, and the fragment other websites embed."""

from flask import Blueprint, current_app, make_response
from werkzeug.wrappers import Response

from .. import security
from ..access import get_public_site_or_404, get_published_page_or_404
from .asked import MAX_AGE, site_asked, year_asked, year_of
from .rendering import render_embed, render_index, render_page

bp = Blueprint("public", __name__)


def _public(html: str, status: int = 200) -> Response:
    """An answer anyone may keep for MAX_AGE seconds (security.py makes it no-store for a logged-in user)."""
    response = make_response(html, status)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


@bp.get("/p/")
def index() -> Response:
    """The published programmes, with links to their pages and their sites' variants."""
    return _public(render_index())


@bp.get("/p/<slug>")
def page(slug: str) -> Response:
    """A programme's public page: its indicator-1 information and its results of a year."""
    asked = year_asked()
    shown = get_published_page_or_404(slug)
    year, available = year_of(shown, None, asked)
    return _public(render_page(shown, None, year, available=available))


@bp.get("/p/<slug>/<site_slug>")
def site_page(slug: str, site_slug: str) -> Response:
    """A site's variant of a programme's page: the same information, the results of that site's cohorts."""
    asked = year_asked()
    shown = get_published_page_or_404(slug)
    site = get_public_site_or_404(shown, site_slug)
    year, available = year_of(shown, site, asked)
    return _public(render_page(shown, site, year, available=available))


@bp.get("/p/<slug>/embed")
def embed(slug: str) -> Response:
    """The headline figures as a small document for another website's iframe: the only page that may be framed,
    by the sites PUBLIC_EMBED_FRAME_ANCESTORS names (security.EMBEDDABLE drops X-Frame-Options for it)."""
    asked = year_asked()
    shown = get_published_page_or_404(slug)
    site = site_asked(shown)
    year, _available = year_of(shown, site, asked)
    response = _public(render_embed(shown, site, year))
    ancestors = current_app.config["PUBLIC_EMBED_FRAME_ANCESTORS"]
    response.headers["Content-Security-Policy"] = security.CSP.replace(
        "frame-ancestors 'none'", f"frame-ancestors {ancestors}"
    )
    return response
