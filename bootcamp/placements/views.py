"""Placements: the cohort's list, a placement's page and form, its agreement; the learner's own placement."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms.validators import InputRequired

from .. import audit, dates, files, params
from ..access import (
    Action,
    any_role_required,
    get_cohort_learner_enrolment_or_404,
    get_cohort_or_404,
    get_own_enrolment_or_404,
    get_placement_or_404,
    may,
    refuse,
    role_required,
)
from ..extensions import db
from ..forms import HiddenNumber, replace_value
from ..models import Cohort, Enrolment, Placement
from ..transactions import end_transaction, lock_rows, locked
from ..wording import of_name
from . import queries, services
from .forms import PlacementForm, format_siret

bp = Blueprint("placements", __name__)

STALE = _l(
    "%(who)s a modifié ce stage le %(when)s, après l'ouverture de votre page. Rien n'a été fait : rechargez la page "
    "pour voir où il en est, puis recommencez si besoin."
)
DEFAULT_WEEKLY_MINUTES = 35 * 60
# A tutor's form's state in words (queries.review_state)
REVIEW_WORDS = {
    queries.ANSWERED: _l("répondu"),
    queries.BOUNCED: _l("message rejeté : adresse à vérifier"),
    queries.REMINDED: _l("relancé"),
    queries.SENT: _l("envoyé"),
    queries.DUE: _l("à envoyer"),
    queries.NOT_DUE: _l("pas encore dû"),
}


class DeleteForm(FlaskForm):
    """Delete a placement as the page showed it (its version)."""

    version = HiddenNumber(validators=[InputRequired()])


@bp.get("/cohorts/<int:cohort_id>/placements")
@role_required(Action.TEACH)
def cohort_placements(cohort_id: int) -> str:
    """Who has a placement, who is still looking (and how long before the period starts), agreements missing, the
    tutor's forms still to answer."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    data = queries.cohort_placements(cohort.id, dates.today())
    return render_template("placements/cohort.html", cohort=cohort, data=data, labels=REVIEW_WORDS)


def _form_page(form: PlacementForm, cohort: Cohort, enrolment: Enrolment, placement: Placement | None,
               conflict: bool = False) -> tuple[str, int]:
    status = 409 if conflict else 422 if form.errors else 200
    page = render_template("placements/form.html", form=form, cohort=cohort, enrolment=enrolment,
                           placement=placement, conflict=conflict, max_size=files.megabytes(files.max_upload_bytes()))
    return page, status


@bp.route("/cohorts/<int:cohort_id>/placements/new", methods=["GET", "POST"])
@role_required(Action.TEACH)
def new(cohort_id: int) -> Response | tuple[str, int]:
    """A new placement for a learner of the cohort (not dropped): the agreement's facts, its PDF if already signed."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    enrolment_id = params.integer("enrolment")
    if enrolment_id is None:
        params.bad("enrolment", _("le numéro de l'inscription est attendu."))
    enrolment = get_cohort_learner_enrolment_or_404(cohort, enrolment_id)
    if request.method == "POST":
        end_transaction()  # the file is read and checked with no lock held (transactions.py)
    form = PlacementForm(cohort=cohort, enrolment_id=enrolment.id)
    if request.method == "GET":
        _suggest(form, cohort)
    else:
        lock_rows(Enrolment, [enrolment.id])  # two placements saved at once: the second sees the first (overlap)
        enrolment = get_cohort_learner_enrolment_or_404(cohort, enrolment_id)  # not dropped meanwhile
    if form.validate_on_submit():
        placement = services.create_placement(enrolment, services.data_of(form), form.agreement.data)
        db.session.commit()
        flash(_("Stage %(of_name)s enregistré.", of_name=of_name(enrolment.learner.full_name)), "success")
        return redirect(url_for(".show", placement_id=placement.id))
    return _form_page(form, cohort, enrolment, None)


def _suggest(form: PlacementForm, cohort: Cohort) -> None:
    """A new form's dates and hours: the cohort's period « en entreprise », 35 hours a week."""
    period = queries.placement_period(cohort.id)
    if period is not None:
        form.start_date.data, form.end_date.data = period.start, period.end
    form.weekly_hours.data = DEFAULT_WEEKLY_MINUTES


@bp.route("/placements/<int:placement_id>/edit", methods=["GET", "POST"])
@role_required(Action.TEACH)
def edit(placement_id: int) -> Response | tuple[str, int]:
    """Change a placement (409 and the form kept when someone changed it since it was shown); a new PDF replaces the
    agreement; a manager may say the host company hired the learner."""
    placement = get_placement_or_404(placement_id, current_user)
    may_say_hired = may(current_user, Action.SAY_HIRED_BY_HOST)
    if request.method == "POST":
        end_transaction()  # the file is read and checked with no lock held (transactions.py)
    form = PlacementForm(obj=placement if request.method == "GET" else None, cohort=placement.enrolment.cohort,
                         enrolment_id=placement.enrolment_id, placement_id=placement.id, may_say_hired=may_say_hired)
    if request.method == "GET":
        form.weekly_hours.data, form.siret.data = placement.weekly_minutes, format_siret(placement.siret)
    else:
        placement = locked(placement)
    if form.validate_on_submit():
        if form.version.data != placement.version:
            replace_value(form.version, placement.version)
            return _form_page(form, placement.enrolment.cohort, placement.enrolment, placement, conflict=True)
        hired = form.hired_by_host.data if may_say_hired else None
        if services.update_placement(placement, services.data_of(form), form.agreement.data, hired):
            db.session.commit()
            flash(_("Stage enregistré."), "success")
        return redirect(url_for(".show", placement_id=placement.id))
    return _form_page(form, placement.enrolment.cohort, placement.enrolment, placement)


@bp.post("/placements/<int:placement_id>/delete")
@role_required(Action.TEACH)
def delete(placement_id: int) -> Response:
    """Delete a placement while none of its tutor's forms is answered (else refused, with a message)."""
    placement = get_placement_or_404(placement_id, current_user)
    form = DeleteForm()
    if not form.validate_on_submit():
        abort(400)
    placement = locked(placement)
    audit.check_version(services.ENTITY, placement, form.version.data, STALE)
    cohort_id = placement.enrolment.cohort_id
    if not services.delete_placement(placement):
        flash(_("Ce stage ne peut pas être supprimé : le ou la tuteur·rice a déjà répondu à un formulaire."), "error")
        return redirect(url_for(".show", placement_id=placement.id))
    db.session.commit()
    flash(_("Stage supprimé."), "success")
    return redirect(url_for(".cohort_placements", cohort_id=cohort_id))


@bp.get("/placements/<int:placement_id>")
@any_role_required(Action.SEE_OWN_PROGRESS, Action.TEACH)
def show(placement_id: int) -> str:
    """A placement: the company, the tutor, dates and hours, the agreement, the tutor's forms and their answers."""
    placement = get_placement_or_404(placement_id, current_user)
    staff = may(current_user, Action.TEACH)
    reviews = queries.review_states([placement.id], dates.today()).get(placement.id, [])
    return render_template(
        "placements/show.html",
        placement=placement,
        line=queries.PlacementLine(placement, reviews),
        staff=staff,
        levels=queries.tutor_levels(placement.id) if staff else [],
        same_employer=staff and queries.employed_by_host_at_exit(placement),
        deletable=services.deletable(placement),
        delete_form=DeleteForm(version=placement.version),
        labels=REVIEW_WORDS,
        human_size=files.human_size,
    )


@bp.get("/placements/<int:placement_id>/agreement")
@any_role_required(Action.SEE_OWN_PROGRESS, Action.TEACH)
def agreement(placement_id: int) -> Response:
    """The signed agreement, as a download: the learner, their cohort's trainers, managers; else 404."""
    placement = get_placement_or_404(placement_id, current_user)
    stored = files.load(placement.agreement_id)
    if stored is None:
        refuse()
    return files.serve(stored)


@bp.get("/me/placement")
@role_required(Action.SEE_OWN_PROGRESS)
def mine() -> str:
    """My placement(s) in my latest enrolment: the company, my tutor, dates, hours, the agreement, the tutor's forms."""
    enrolment = get_own_enrolment_or_404(current_user)
    lines = queries.placement_lines(enrolment.id, dates.today())
    return render_template("placements/mine.html", enrolment=enrolment, lines=lines, staff=False,
                           labels=REVIEW_WORDS, human_size=files.human_size)
