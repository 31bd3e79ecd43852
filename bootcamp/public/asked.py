"""What a public address asks for, checked the same way by the pages, the embedded fragment and the open data:
`?year=` and `?site=`; and how long anyone may keep the answer."""

from flask import abort

from .. import dates, params
from ..access import get_public_site_or_404
from ..models import Site
from ..models.public import SLUG_LENGTH, ProgrammePage
from . import figures

LAST_YEAR = 9999
# Seconds a browser or a proxy may keep a public answer (page, fragment, open data): the figures change at most
# once a day or so.
MAX_AGE = 600


def year_asked() -> int | None:
    """The `year` of the address, None when absent: a whole number of four digits at most, else 400 (read before
    any query)."""
    return params.integer("year", None, 1, LAST_YEAR)


def site_asked(page: ProgrammePage) -> Site | None:
    """The site `?site=<site-slug>` names (404 if the programme has none of that name), None when absent."""
    site_slug = params.text("site", max_length=SLUG_LENGTH)
    return get_public_site_or_404(page, site_slug) if site_slug else None


def year_of(page: ProgrammePage, site: Site | None, asked: int | None) -> tuple[int, list[int]]:
    """The year shown (the last complete one unless asked), 404 when the page offers no such year, and the years it
    offers (one query)."""
    today = dates.today()
    offered = figures.years(page.programme_id, site.id if site is not None else None, today)
    year = figures.last_complete_year(today) if asked is None else asked
    if year not in offered:
        abort(404)
    return year, offered
