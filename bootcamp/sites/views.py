"""The list of sites, kept by managers: add one, rename one."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..access import role_required
from ..extensions import db
from ..models import Cohort, Site
from .forms import SiteForm
from .services import SiteError, add_site, rename_site

bp = Blueprint("sites", __name__, url_prefix="/sites")


def _render_index(form: SiteForm) -> str:
    sites = db.session.execute(
        sa.select(Site.id, Site.name, sa.func.count(Cohort.id))
        .outerjoin(Cohort, Cohort.site_id == Site.id)
        .group_by(Site.id, Site.name, Site.key)
        .order_by(Site.key)
    ).all()
    return render_template("sites/index.html", sites=sites, form=form)


@bp.route("/", methods=["GET", "POST"])
@role_required("manage_cohorts")
def index() -> Response | str:
    """Every site with its number of cohorts, and the form that adds one."""
    form = SiteForm()
    if form.validate_on_submit():
        try:
            site = add_site(form.name.data)
        except SiteError as refused:
            db.session.rollback()
            form.name.errors = [str(refused)]
        else:
            db.session.commit()
            flash(_("Site « %(name)s » ajouté.", name=site.name), "success")
            return redirect(url_for("sites.index"))
    return _render_index(form)


@bp.route("/<int:site_id>/edit", methods=["GET", "POST"])
@role_required("manage_cohorts")
def edit(site_id: int) -> Response | str:
    """Rename a site; its cohorts, filters and exports show the new name."""
    site = db.get_or_404(Site, site_id)
    form = SiteForm(data={"name": site.name})
    if form.validate_on_submit():
        try:
            changed = rename_site(site, form.name.data)
        except SiteError as refused:
            db.session.rollback()
            form.name.errors = [str(refused)]
        else:
            db.session.commit()
            if changed:
                flash(_("Site renommé « %(name)s ».", name=site.name), "success")
            return redirect(url_for("sites.index"))
    return render_template("sites/edit.html", site=site, form=form)
