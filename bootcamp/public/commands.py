"""`flask export public`: a published programme's figures of a year, the same bytes as /p/<slug>.csv or .json."""

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from werkzeug.exceptions import NotFound

from .. import dates
from ..access import get_public_site_or_404, get_published_page_or_404
from ..i18n import LANGUAGES
from . import figures, opendata


@click.command("public")
@with_appcontext
@click.option("--programme", "slug", required=True, help="The published page's address: /p/<slug>.")
@click.option("--year", type=int, help="Cohorts that started this year (default: the last complete year).")
@click.option("--site", "site_slug", help="Only this site's cohorts: its slug, as in /p/<slug>/<site-slug>.")
@click.option(
    "--format", "form", default="csv", show_default=True, type=click.Choice(["csv", "json"]), help="The format."
)
@click.option("--as-of", "as_of", help="Computed as of this day (YYYY-MM-DD; default: today).")
@click.option(
    "--lang", default="fr", show_default=True, type=click.Choice(list(LANGUAGES)), help="Labels' language (?lang=)."
)
def export_public(slug: str, year: int | None, site_slug: str | None, form: str, as_of: str | None, lang: str) -> None:
    """Print a published programme's figures of a year as CSV or JSON: the same as /p/<slug>.csv or .json asked
    with ?year=, ?site= and ?lang= on the day --as-of."""
    day = dates.command_day(as_of, "--as-of")
    try:
        page = get_published_page_or_404(slug)
    except NotFound:
        raise click.ClickException(f"no published page at /p/{slug}") from None
    try:
        site = get_public_site_or_404(page, site_slug) if site_slug else None
    except NotFound:
        raise click.ClickException(f"no site '{site_slug}' for /p/{slug}") from None
    offered = figures.years(page.programme_id, site.id if site else None, day)
    year = offered[0] if year is None else year
    if year not in offered:
        raise click.ClickException(f"no figures of {year} for /p/{slug}: years {', '.join(map(str, offered))}")
    results = figures.results(page.programme_id, site.id if site else None, year, day)
    with force_locale(lang):
        if form == "json":
            text = opendata.json_text(opendata.as_json(page, site, results, offered))
        else:
            text = opendata.as_csv(page, site, results)
    click.echo(text, nl=False)
