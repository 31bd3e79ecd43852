"""A programme's public page as HTML: what the public views answer, and what managers preview before publishing.

The page reads only the ProgrammePage's own attributes and its programme, so that a page not saved yet (the
managers' form values) renders the same way as a published one. Its results are figures.py's `Results`, rendered
once per (slug, programme, site, year), language, day and data version (cache.cached_fragment): the rest of the
page (links, the year selector) depends on the address and is rendered each time.
"""

from datetime import date

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from .. import dates
from ..access import programme_sites
from ..cache import cached_fragment
from ..extensions import db
from ..indicators import SMALL_GROUP
from ..models import Cohort, Programme, Site
from ..models.public import INFORMATION_FIELDS, Licence, ProgrammePage
from . import figures
from .slugs import slugify

# The figures the embedded fragment shows, in its order: a school's website has room for a few.
HEADLINE = ("entrants", "completion_rate", "pass_rate", "employment_rate", "positive_exit_rate")
ENGLISH = "en"


def headings() -> dict[str, str]:
    """Each indicator-1 text's heading on the page (Qualiopi's own words), in INFORMATION_FIELDS order."""
    words = {
        "objectives": _("Objectifs"),
        "prerequisites": _("Prérequis"),
        "duration": _("Durée"),
        "admission": _("Modalités et délais d'accès"),
        "price": _("Tarif"),
        "contacts": _("Contacts"),
        "methods": _("Méthodes mobilisées"),
        "assessment": _("Modalités d'évaluation"),
        "accessibility": _("Accessibilité aux personnes en situation de handicap"),
    }
    return {field: words[field] for field in INFORMATION_FIELDS}


def is_english() -> bool:
    """Whether the page is shown in English (managers' texts then stay French: marked lang="fr")."""
    return str(get_locale()) == ENGLISH


def programme_of(page: ProgrammePage) -> Programme:
    """The page's programme, also for a page not saved yet that only knows its programme's id."""
    return page.programme or db.session.get(Programme, page.programme_id)


def page_path(slug: str, site: Site | None = None, *, keep_language: bool = True, **query: object) -> str:
    """The path of a programme's page (or a site's variant) with the query given (None values left out); the
    language is kept when the page is in English, unless `keep_language` is False."""
    if keep_language and is_english():
        query.setdefault("lang", ENGLISH)
    if site is None:
        return url_for("public.page", slug=slug, **query)
    return url_for("public.site_page", slug=slug, site_slug=site_slug(site), **query)


def site_slug(site: Site) -> str:
    """A site's part of a public address (/p/<slug>/<site-slug>)."""
    return slugify(site.name)


def absolute(path: str) -> str:
    """The address people use (BASE_URL) for a path of the app: canonical and Open Graph URLs, printed links."""
    return current_app.config["BASE_URL"] + path


def data_addresses(slug: str, site: Site | None, year: int | None) -> dict[str, str]:
    """The open data of what the page shows (public/data_views.py): JSON and CSV of the same site and year (None:
    the default one), absolute (a printed page shows them)."""
    query = {"site": site_slug(site) if site is not None else None, "year": year}
    if is_english():
        query["lang"] = ENGLISH
    return {
        "json": absolute(url_for("public_data.json_data", slug=slug, **query)),
        "csv": absolute(url_for("public_data.csv_data", slug=slug, **query)),
    }


def choices(page: ProgrammePage, programme_id: int, site: Site | None, years: list[int], default: int) -> dict:
    """The links of the year selector (this page, each year: (year, path)) and of the sites' variants ((name,
    path, whether it is this page), the whole programme first)."""
    year_links = [(other, page_path(page.slug, site, year=None if other == default else other)) for other in years]
    site_links = [(_("Toute la formation"), page_path(page.slug), site is None)]
    for other in programme_sites(programme_id):
        site_links.append((other.name, page_path(page.slug, other), site is not None and other.id == site.id))
    return {"year_links": year_links, "site_links": site_links}


def alternates(slug: str, site: Site | None, year: int | None) -> dict[str, str]:
    """The page's absolute address in each language (French: no `lang`), its year when not the default one: the
    hreflang links, the canonical and Open Graph URLs, the footer's language link."""
    return {
        "fr": absolute(page_path(slug, site, keep_language=False, year=year)),
        "en": absolute(page_path(slug, site, keep_language=False, year=year, lang=ENGLISH)),
    }


def figures_fragment(page: ProgrammePage, programme: Programme, site: Site | None, year: int, today: date) -> Markup:
    """The results of the year as HTML, kept while the data, the language and the day are the same."""
    site_id = site.id if site is not None else None

    def context() -> dict:
        results = figures.results(programme.id, site_id, year, today)
        return {
            "results": results,
            "names": figures.names(),
            "meanings": figures.meanings(),
            "block_titles": dict(results.blocks),
            "small_group": SMALL_GROUP,
            "point": figures.POINT,
            "mark_french": is_english(),
        }

    return cached_fragment("public/_figures.html", ("page", page.slug, programme.id, site_id, year), context)


def description(page: ProgrammePage, programme: Programme, year: int) -> str:
    """The meta description: the managers' summary, else a sentence saying what the page holds."""
    if page.summary:
        return page.summary
    return _(
        "%(title)s (%(organisation)s) : objectifs, prérequis, durée, accès, tarif, accessibilité et résultats "
        "%(year)d (réussite, insertion, satisfaction).",
        title=programme.title,
        organisation=current_app.config["ORGANISATION_NAME"],
        year=year,
    )


def render_page(
    page: ProgrammePage,
    site: Site | None,
    year: int,
    *,
    preview: Markup | None = None,
    available: list[int] | None = None,
) -> str:
    """The whole public page of `page` (a site's variant when `site` is given) with the results of `year`.

    `preview`: a banner put at the top of <main>, for managers looking at a page before publishing it (the page is
    then neither indexed nor followed by search engines). `available`: the years of the selector, when the caller
    has read them already (figures.years)."""
    today = dates.today()
    programme = programme_of(page)
    site_id = site.id if site is not None else None
    years = available if available is not None else figures.years(programme.id, site_id, today)
    default = figures.last_complete_year(today)
    asked = year if year != default else None
    addresses = alternates(page.slug, site, asked)
    return render_template(
        "public/page.html",
        page=page,
        programme=programme,
        site=site,
        year=year,
        asked=asked,
        years=years,
        **choices(page, programme.id, site, years, default),
        figures_html=figures_fragment(page, programme, site, year, today),
        headings=headings(),
        description=description(page, programme, year),
        canonical=addresses[ENGLISH if is_english() else "fr"],
        addresses=addresses,
        data=data_addresses(page.slug, site, asked),
        licence=page.licence or Licence.ETALAB_2_0,
        preview=preview,
        mark_french=is_english(),
    )


def published_pages() -> list[tuple[ProgrammePage, list[Site]]]:
    """The published pages, by their programme's title, each with the sites that hold or held a cohort of it (the
    rule of access.programme_sites, for every programme at once: two queries whatever their number)."""
    pages = list(
        db.session.scalars(
            sa.select(ProgrammePage)
            .join(ProgrammePage.programme)
            .options(sa.orm.contains_eager(ProgrammePage.programme))
            .where(ProgrammePage.published)
            .order_by(Programme.title, ProgrammePage.slug)
        )
    )
    held = (
        sa.select(Cohort.programme_id, Cohort.site_id)
        .where(Cohort.programme_id.in_([page.programme_id for page in pages]))
        .distinct()
        .subquery()
    )
    rows = db.session.execute(
        sa.select(held.c.programme_id, Site).join(Site, Site.id == held.c.site_id).order_by(Site.name)
    )
    sites: dict[int, list[Site]] = {}
    for programme_id, site in rows:
        sites.setdefault(programme_id, []).append(site)
    return [(page, sites.get(page.programme_id, [])) for page in pages]


def render_embed(page: ProgrammePage, site: Site | None, year: int) -> str:
    """The small document a school's website shows in an iframe: the year's headline figures, its period, N, the
    day they were computed, the licence and a link to the whole page."""
    today = dates.today()
    site_id = site.id if site is not None else None

    def context() -> dict:
        results = figures.results(page.programme_id, site_id, year, today)
        shown = [figure for figure in results.figures if figure.code in HEADLINE]
        return {"results": results, "shown": shown, "names": figures.names(), "small_group": SMALL_GROUP}

    key = ("embed", page.slug, page.programme_id, site_id, year)
    body = cached_fragment("public/_embed_figures.html", key, context)
    query = {"year": year if year != figures.last_complete_year(today) else None}
    return render_template(
        "public/embed.html",
        page=page,
        programme=page.programme,
        site=site,
        year=year,
        figures_html=body,
        full_page=absolute(page_path(page.slug, site, **query)),
        licence=page.licence or Licence.ETALAB_2_0,
    )


def render_index() -> str:
    """/p/: the published programmes, with links to their pages and their sites' variants."""
    addresses = {
        "fr": absolute(url_for("public.index")),
        ENGLISH: absolute(url_for("public.index", lang=ENGLISH)),
    }
    return render_template(
        "public/index.html",
        pages=published_pages(),
        page_path=page_path,
        description=_(
            "%(organisation)s : ses formations, leurs informations (Qualiopi) et leurs résultats.",
            organisation=current_app.config["ORGANISATION_NAME"],
        ),
        canonical=addresses[ENGLISH if is_english() else "fr"],
        addresses=addresses,
    )
