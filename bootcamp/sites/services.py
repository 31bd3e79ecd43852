"""The list of sites: its choices, a site found by any spelling, a cohort filter by site, adding and renaming
(audited; the caller commits)."""

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit import record
from ..extensions import db
from ..forms import column_length
from ..models import Cohort, Site, site_key


def site_choices() -> list[tuple[int, str]]:
    """(id, name) of every site, once each, in alphabetical order whatever the case and accents."""
    return [(site_id, name) for site_id, name in db.session.execute(sa.select(Site.id, Site.name).order_by(Site.key))]


def find_site(name: str) -> Site | None:
    """The site `name` spells, whatever its case, accents and spaces (« mende » finds « Mende »); None if unknown."""
    return db.session.scalar(sa.select(Site).where(Site.key == site_key(name)))


def cohort_site_filter(site: int | str) -> sa.ColumnElement[bool]:
    """A condition on Cohort: held at this site, given by its id or by its name (spelt any way)."""
    if isinstance(site, int):
        return Cohort.site_id == site
    return Cohort.site_id == sa.select(Site.id).where(Site.key == site_key(site)).scalar_subquery()


class SiteError(ValueError):
    """A site name that cannot be saved, with a message for the person who typed it."""


def _checked_name(name: str, current: Site | None) -> str:
    name = " ".join(name.split())
    if not name:
        raise SiteError(_("Indiquez le nom du site."))
    if len(name) > (limit := column_length(Site.name)):
        raise SiteError(_("texte trop long : %(length)d caractères, %(max)d au plus", length=len(name), max=limit))
    clash = find_site(name)
    if clash is not None and clash is not current:
        raise SiteError(
            _("Le site « %(name)s » existe déjà (majuscules, accents et espaces ne comptent pas).", name=clash.name)
        )
    return name


def add_site(name: str) -> Site:
    """Add a site to the list; refused when one is spelt the same whatever the case and accents. Audited; the
    caller commits."""
    site = Site(name=_checked_name(name, None))
    db.session.add(site)
    db.session.flush()
    record("site", site.id, "create", None, {"name": site.name})
    return site


def rename_site(site: Site, name: str) -> bool:
    """Rename a site (its cohorts follow); True if the name changed. Audited; the caller commits."""
    name = _checked_name(name, site)
    if name == site.name:
        return False
    before = {"name": site.name}
    site.name = name
    record("site", site.id, "update", before, {"name": name})
    return True
