"""The learner's own pages: my progress, my briefs, and all my data (in words, and as JSON)."""

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField
from wtforms.validators import DataRequired

from .. import dates
from ..access import get_learner_or_404, get_own_brief_or_404, role_required
from ..auditlog.forms import KINDS
from ..auditlog.words import journal_words
from ..cache import cached, render_fragment
from ..charts import to_json
from ..dossier.services import titre_summary
from ..extensions import db
from ..forms import replace_value
from ..handins.forms import HandInForm
from ..handins.pages import brief_page
from ..handins.queries import next_to_hand_in
from ..labels import label
from ..models import Learner, PublicFlag
from ..outcomes.queries import learner_path
from ..personal_data import erase_learner, export_for, learner_export, learner_rows
from ..transactions import locked
from . import charts
from .forms import ContactForm, shown
from .queries import MyPage, my_page
from .services import save_contact

bp = Blueprint("learners", __name__)


def _figures(page: MyPage) -> dict[str, str]:
    """The two charts of the page, as JSON for the static drawing script."""
    over_time = charts.competencies_by_month(
        [point.month for point in page.months],
        [point.mine for point in page.months],
        [point.under_way for point in page.months],
        [point.median for point in page.months],
        page.expected_by_month,
        page.competency_count,
        {
            "acquired": _("acquises"),
            "under_way": _("en cours (imiter)"),
            "not_started": _("pas encore commencées"),
            "expected": _("rythme attendu"),
            "median": _("médiane de la promotion (acquises)"),
            "y": _("compétences"),
        },
        month_name=lambda month: format_date(month, "MMM y"),
    )
    grades = charts.grades_over_time(
        [point.due_date for point in page.grades],
        [point.title for point in page.grades],
        [point.mine for point in page.grades],
        [point.median for point in page.grades],
        {"mine": _("ma note"), "median": _("médiane de la promotion"), "y": _("note sur 20")},
        day_name=lambda day: format_date(day, "d MMM"),
    )
    return {"progress": to_json(over_time), "grades": to_json(grades)}


@bp.get("/me")
@role_required("see_own_progress")
def me() -> str:
    """Where I stand, my competencies, my projects, my progress over time, my situation after."""
    today = dates.today()
    learner_id = current_user.learner_id

    def compute() -> tuple[Markup, bool]:
        page = my_page(learner_id, today) if learner_id else None
        figures = _figures(page) if page else {}
        titre = titre_summary(page.enrolment, [item.block for item in page.blocks], today) if page else []
        html = render_fragment(
            "learners/_me.html", page=page, figures=figures, linked=learner_id is not None, today=today, titre=titre
        )
        return html, page is not None

    body, charts_shown = cached(("me", learner_id), compute)
    learner = current_user.learner
    contact = None if learner is None else ContactForm(obj=learner, shown=shown(learner))
    next_brief = next_to_hand_in(learner_id, today) if learner_id else None  # handed in from /me at once
    return render_template(
        "learners/me.html", page=charts_shown, body=body, contact_form=contact, next_brief=next_brief,
        hand_in_form=HandInForm() if next_brief else None,
    )


def _edit_contact(learner: Learner, done: str) -> Response | str | tuple[str, int]:
    """The contact form of `learner`: show it, save it (409 if it changed since it was shown), then go to `done`."""
    if request.method == "POST":
        learner = locked(learner)
    form = ContactForm(obj=learner if request.method == "GET" else None, shown=shown(learner))
    if form.validate_on_submit():
        if form.shown.data != shown(learner):
            replace_value(form.shown, shown(learner))
            return render_template("learners/contact.html", learner=learner, form=form, back=done, stale=True), 409
        if save_contact(learner, form.personal_email.data, form.contact_consent.data):
            db.session.commit()
            flash(_("Coordonnées pour après la formation enregistrées."), "success")
        return redirect(done)
    return render_template("learners/contact.html", learner=learner, form=form, back=done, stale=False)


@bp.route("/me/contact", methods=["GET", "POST"])
@role_required("see_own_progress")
def my_contact() -> Response | str | tuple[str, int]:
    """My personal address for after the training, and whether I agree to be contacted then."""
    learner = current_user.learner
    if learner is None:
        abort(404)
    return _edit_contact(learner, url_for("learners.me") + "#contact")


@bp.get("/me/export.json")
@role_required("see_own_progress")
def export() -> Response:
    """All the data the app holds about me, as one JSON file."""
    return Response(
        json.dumps(export_for(current_user._get_current_object()), ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="mes-donnees-bootcamp.json"'},
    )


@bp.get("/me/data")
@role_required("see_own_progress")
def data() -> str:
    """All the data the app holds about me, in words, to read or print."""
    user = current_user._get_current_object()
    held = learner_rows(user.learner) if user.learner is not None else None
    flags = [(label(flag), getattr(held.learner, flag.value)) for flag in PublicFlag] if held else []
    return render_template(
        "learners/data.html",
        data=held,
        account=user,
        flags=flags,
        now_date=dates.today(),
        kinds=KINDS,
        words=journal_words(held.events) if held else None,
    )


@bp.get("/me/projects/<int:project_id>")
@role_required("see_own_progress")
def brief(project_id: int) -> str:
    """A brief of my cohort, with my versions, my status, the form to hand it in, and my grade."""
    return brief_page(get_own_brief_or_404(project_id, current_user), HandInForm())


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l("Je confirme : effacer le nom, l'adresse e-mail, la date de naissance, le code postal et les commentaires"),
        validators=[DataRequired()],
    )


@bp.get("/learners/<int:learner_id>")
@role_required("see_learner_files")
def show(learner_id: int) -> str:
    """A learner's whole path, for managers: who they are, their enrolments, certification, follow-ups."""
    learner = get_learner_or_404(learner_id, current_user)
    path, today = learner_path(learner.id), dates.today()
    return render_template("learners/show.html", learner=learner, path=path, today=today, erase_form=EraseForm())


@bp.route("/learners/<int:learner_id>/contact", methods=["GET", "POST"])
@role_required("see_learner_files")
def contact(learner_id: int) -> Response | str | tuple[str, int]:
    """A learner's personal address for after the training, and their consent to be contacted (as they said it)."""
    learner = get_learner_or_404(learner_id, current_user)
    if learner.erased_at is not None:
        abort(404)
    return _edit_contact(learner, url_for("learners.show", learner_id=learner.id))


@bp.get("/learners/<int:learner_id>/export.json")
@role_required("see_learner_files")
def export_learner(learner_id: int) -> Response:
    """Everything about one learner, as the learner would get it themselves."""
    learner = get_learner_or_404(learner_id, current_user)
    return Response(
        json.dumps(learner_export(learner), ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="apprenant-{learner.id}.json"'},
    )


@bp.post("/learners/<int:learner_id>/erase")
@role_required("see_learner_files")
def erase(learner_id: int) -> Response:
    """Erase a learner's personal data (the statistics keep their anonymous facts)."""
    learner = get_learner_or_404(learner_id, current_user)
    form = EraseForm()
    if not form.validate_on_submit():
        flash(_("Cochez la case de confirmation pour effacer les données personnelles."), "error")
    elif learner.erased_at is None:
        erase_learner(learner)
        db.session.commit()
        flash(_("Les données personnelles ont été effacées ; les statistiques restent inchangées."), "success")
    return redirect(url_for("learners.show", learner_id=learner.id))
