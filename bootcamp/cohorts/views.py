"""Cohort pages: the list, one cohort's learners, enrolment changes."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from .. import params
from ..access import (
    get_cohort_or_404,
    get_enrolment_or_404,
    keep_hidden_choice,
    kept_value,
    role_required,
)
from ..audit import last_change
from ..cache import cached, render_fragment
from ..extensions import db
from ..forms import replace_value
from ..importing.learners import apply_learners, plan_learners
from ..importing.pages import import_page
from ..models import Certification, Cohort, DropoutReason, EnrolmentStatus, Site
from .forms import CohortForm, EnrolmentForm, FinishForm
from .queries import SORT_KEYS, WATCH_MISSING, WATCH_PROGRESS_GAP, cohort_summaries, roster, sort_rows
from .services import CohortError, change_enrolment, finish_programme, save_cohort

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")


@bp.get("/")
@role_required("teach")
def index() -> str:
    """My cohorts (a manager: every cohort), current ones first, with their figures."""
    summaries = cohort_summaries(current_user)
    current = [summary for summary in summaries if summary.is_current]
    past = [summary for summary in summaries if not summary.is_current]
    return render_template("cohorts/index.html", current=current, past=past)


@bp.get("/<int:cohort_id>")
@role_required("teach")
def show(cohort_id: int) -> str:
    """The cohort: each learner with progress, grades, missing work and the watch flag."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    return _render_cohort(cohort, FinishForm(cohort_start=cohort.start_date, data={"exit_date": cohort.end_date}))


def _render_cohort(cohort: Cohort, finish_form: FinishForm) -> str:
    sort = params.choice("sort", SORT_KEYS, "name")
    descending = params.choice("dir", ("asc", "desc"), "asc") == "desc"
    key = ("roster", cohort.id, sort, descending, current_user.role)
    body, in_training = cached(key, lambda: _roster(cohort, sort, descending))
    return render_template(
        "cohorts/show.html", cohort=cohort, body=body, in_training=in_training, finish_form=finish_form
    )


def _roster(cohort: Cohort, sort: str, descending: bool) -> tuple[Markup, int]:
    """The roster's HTML (the same for every member of staff of a role until the next write), and how many
    learners are still in training."""
    data = roster(cohort)
    html = render_fragment(
        "cohorts/_show.html",
        cohort=cohort,
        roster=data,
        rows=sort_rows(data.rows, sort, descending),
        sort=sort,
        descending=descending,
        watch_gap=round(WATCH_PROGRESS_GAP * 100),
        watch_missing=WATCH_MISSING,
    )
    return html, sum(1 for row in data.rows if not row.enrolment.is_leaver)


@bp.route("/<int:cohort_id>/enrolments/<int:enrolment_id>", methods=["GET", "POST"])
@role_required("teach")
def edit_enrolment(cohort_id: int, enrolment_id: int) -> Response | str:
    """Record a dropout, the end of the programme or the certification result of one learner."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    enrolment = get_enrolment_or_404(cohort, enrolment_id)
    form = EnrolmentForm(obj=enrolment, cohort_start=cohort.start_date)
    keep_hidden_choice(form.dropout_reason, "dropout_reason", enrolment.dropout_reason, current_user)
    conflict = None
    if form.validate_on_submit():
        if form.version.data != enrolment.version:
            conflict = last_change("enrolment", enrolment.id)
            replace_value(form.version, enrolment.version)
        else:
            reason = kept_value(form.dropout_reason.data, enrolment.dropout_reason)
            changed = change_enrolment(
                enrolment,
                EnrolmentStatus(form.status.data),
                form.exit_date.data,
                DropoutReason(reason) if reason else None,
                Certification(form.certification.data) if form.certification.data else None,
            )
            db.session.commit()
            if changed:
                flash(_("Situation de %(name)s enregistrée.", name=enrolment.learner.full_name), "success")
            return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    return render_template("cohorts/enrolment.html", cohort=cohort, enrolment=enrolment, form=form, conflict=conflict)


@bp.post("/<int:cohort_id>/finish")
@role_required("teach")
def finish(cohort_id: int) -> Response | str:
    """Mark every learner still in training as having finished the programme."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    form = FinishForm(cohort_start=cohort.start_date)
    if not form.validate_on_submit():
        return _render_cohort(cohort, form)
    count = finish_programme(list(cohort.enrolments), form.exit_date.data)
    db.session.commit()
    flash(_("Fin de formation enregistrée pour %(count)d apprenant·es.", count=count), "success")
    return redirect(url_for("cohorts.show", cohort_id=cohort.id))


@bp.route("/new", methods=["GET", "POST"])
@role_required("manage_cohorts")
def new() -> Response | str:
    """Create a cohort."""
    form = CohortForm(data={"programme": "RNCP37674"})
    return _save(form, None)


@bp.route("/<int:cohort_id>/edit", methods=["GET", "POST"])
@role_required("manage_cohorts")
def edit(cohort_id: int) -> Response | str:
    """Change a cohort's name, site, programme or dates."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    form = CohortForm(
        current_id=cohort.id,
        data={
            "name": cohort.name,
            "site": cohort.site.name,
            "programme": cohort.programme.rncp_code,
            "start_date": cohort.start_date,
            "end_date": cohort.end_date,
        },
    )
    return _save(form, cohort)


def _save(form: CohortForm, cohort: Cohort | None) -> Response | str:
    error = None
    if form.validate_on_submit():
        try:
            saved = save_cohort(
                form.name.data, form.site.data, form.start_date.data, form.end_date.data, form.programme.data, cohort
            )
        except CohortError as refused:
            db.session.rollback()
            error = str(refused)
        else:
            db.session.commit()
            flash(_("Promotion « %(name)s » enregistrée.", name=saved.name), "success")
            return redirect(url_for("cohorts.show", cohort_id=saved.id))
    sites = db.session.scalars(sa.select(Site.name).order_by(Site.name)).all()
    return render_template("cohorts/form.html", form=form, cohort=cohort, error=error, sites=sites)


@bp.route("/<int:cohort_id>/import", methods=["GET", "POST"])
@role_required("manage_cohorts")
def import_learners(cohort_id: int) -> str:
    """Import learners from a CSV file: preview first, then confirm; all or nothing."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    page, _applied = import_page(
        lambda content: plan_learners(content, cohort), apply_learners, "imports/learners.html", cohort=cohort
    )
    return page
