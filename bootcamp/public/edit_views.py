"""Managers write, preview and publish the programmes' public pages."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import audit, dates
from ..access import Action, get_programme_or_404, refuse, role_required
from ..cache import render_fragment
from ..extensions import db
from ..models import Programme
from ..models.public import Licence, ProgrammePage
from ..transactions import locked
from . import figures, pages
from .forms import PageForm
from .rendering import render_page
from .slugs import slugify

bp = Blueprint("public_pages", __name__)

BACK = "back"  # the preview's « Revenir au formulaire »: the values come back to the form, nothing checked or saved


@bp.get("/programmes/pages")
@role_required(Action.PUBLISH_PAGES)
def index() -> str:
    """Every programme with its page's state (none yet, not published, published), who changed it last and when."""
    return render_template("public_pages/index.html", lines=pages.page_lines())


@bp.route("/programmes/<int:programme_id>/page", methods=["GET", "POST"])
@role_required(Action.PUBLISH_PAGES)
def edit(programme_id: int) -> Response | str | tuple[str, int]:
    """Write the programme's page (created on its first save): « Enregistrer » saves it (409 when someone saved it
    since the form was loaded), « Aperçu » shows it as it would be, saving nothing."""
    programme = get_programme_or_404(programme_id)
    page = pages.page_of(programme.id)
    form = PageForm(obj=page if request.method == "GET" else None, programme_id=programme.id)
    if request.method == "GET" and page is None:
        form.slug.data, form.licence.data = slugify(programme.short_name), Licence.ETALAB_2_0.value
    if request.method == "POST" and BACK in request.form:  # back from the preview, with the text as written
        return _form_page(form, programme, page)
    if not form.validate_on_submit():
        return _form_page(form, programme, page, 400 if form.is_submitted() else 200)
    values = pages.values_of(form)
    if form.preview.data:
        banner = render_fragment("public_pages/_preview_banner.html", form=form, programme=programme)
        return render_page(pages.transient_page(programme, values, page), None, _year(), preview=banner)
    if page is not None:
        page = locked(page)
        if form.version.data != page.version:
            return _conflict(form, programme, page)
    created = page is None
    saved = pages.save_page(programme, page, values)
    db.session.commit()
    if saved is None:
        flash(_("Rien n'a changé."), "info")
    elif saved.published:
        flash(_("Page enregistrée : elle est publiée à l'adresse /p/%(slug)s.", slug=saved.slug), "success")
    else:
        flash(_("Page créée, non publiée.") if created else _("Page enregistrée, non publiée."), "success")
    return redirect(url_for(".index"))


def _form_page(form: PageForm, programme: Programme, page: ProgrammePage | None, status: int = 200) -> tuple[str, int]:
    last = audit.last_change(pages.ENTITY, page.id) if page is not None else None
    return render_template("public_pages/form.html", form=form, programme=programme, page=page, last=last), status


def _conflict(form: PageForm, programme: Programme, page: ProgrammePage) -> tuple[str, int]:
    """Someone saved the page since this form was loaded: nothing written, 409, the form again with the manager's
    text kept and who saved, when. The form now carries the saved version: saving it again replaces that version
    knowingly (nobody's text is overwritten without being told)."""
    change = audit.last_change(pages.ENTITY, page.id)
    if change is None:  # a change outside the app (every save is journalled): the generic conflict page
        abort(409)
    who = change.actor.name if change.actor else _("quelqu'un")
    when = format_datetime(change.created_at, "short")
    form.version.data, form.version.raw_data = page.version, [str(page.version)]
    db.session.rollback()  # the row lock ends here: nothing was written
    conflict = str(pages.STALE) % {"who": who, "when": when}
    html = render_template("public_pages/form.html", form=form, programme=programme, page=page, last=change,
                           conflict=conflict)
    return html, 409


def _year() -> int:
    """The year a preview shows: the last complete one, as the public page does by default."""
    return figures.last_complete_year(dates.today())


@bp.get("/programmes/<int:programme_id>/page/preview")
@role_required(Action.PUBLISH_PAGES)
def preview(programme_id: int) -> str:
    """The saved page in the public layout, published or not, with a banner saying which (404 before its first
    save)."""
    programme = get_programme_or_404(programme_id)
    page = pages.page_of(programme.id)
    if page is None:
        refuse()
    banner = render_fragment("public_pages/_saved_banner.html", page=page, programme=programme)
    return render_page(page, None, _year(), preview=banner)
