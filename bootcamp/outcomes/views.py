"""The follow-up queue and the form to record a situation."""

from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import params
from ..access import get_learner_or_404, role_required
from ..extensions import db
from ..forms import replace_value
from ..models import FOLLOW_UP_POINTS, Cohort, Enrolment, EnrolmentStatus, Role, Site, Situation
from ..imports.views import import_page
from ..transactions import lock_rows
from . import bp
from .forms import OutcomeForm
from .queries import OVERDUE_AFTER_DAYS, missing_follow_ups
from .services import SituationData, save_outcome

PER_PAGE = 25  # a light page on a slow connection (Ecoindex): 25 rows, then the next page


@bp.get("/outcomes/due")
@role_required(Role.MANAGER)
def due() -> str:
    """Follow-ups due and not recorded, oldest first, by site and cohort."""
    today = date.today()
    site_id = params.integer("site")
    cohort_id = params.integer("cohort")
    rows = missing_follow_ups(today, site_id, cohort_id)
    page = params.page()
    pages = max(1, -(-len(rows) // PER_PAGE))
    sites = db.session.execute(sa.select(Site.id, Site.name).order_by(Site.name)).all()
    cohorts = db.session.execute(
        sa.select(Cohort.id, Cohort.name)
        .where(Cohort.site_id == site_id if site_id else sa.true())
        .order_by(Cohort.name)
    ).all()
    return render_template(
        "outcomes/due.html",
        rows=rows[(page - 1) * PER_PAGE : page * PER_PAGE],
        total=len(rows),
        overdue=sum(1 for row in rows if row.overdue(today)),
        today=today,
        page=page,
        pages=pages,
        sites=sites,
        cohorts=cohorts,
        site_id=site_id,
        cohort_id=cohort_id,
        overdue_after=OVERDUE_AFTER_DAYS,
    )


@bp.route("/outcomes/<int:enrolment_id>/<int:point>", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def record(enrolment_id: int, point: int) -> Response | str:
    """Record, or correct, a leaver's situation at a follow-up point."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or point not in FOLLOW_UP_POINTS or enrolment.status == EnrolmentStatus.IN_TRAINING:
        abort(404)
    get_learner_or_404(enrolment.learner_id, current_user)
    if request.method == "POST":  # the version check below and the write: one step for concurrent savers
        lock_rows(Enrolment, [enrolment.id])
    outcome = next((o for o in enrolment.outcomes if o.point == point), None)
    form = OutcomeForm(obj=outcome)
    if outcome is not None and request.method == "GET":
        form.digital.data = {True: "yes", False: "no"}.get(outcome.digital, "")
    conflict = None
    if form.validate_on_submit():
        if form.version.data != (outcome.version if outcome else 0):
            conflict = outcome
            replace_value(form.version, outcome.version if outcome else 0)
        else:
            data = SituationData(
                situation=Situation(form.situation.data),
                employer=form.employer.data.strip(),
                job_title=form.job_title.data.strip(),
                digital=form.digital_value,
                start_date=form.start_date.data,
            )
            save_outcome(enrolment, point, data)
            db.session.commit()
            flash(_("Situation de %(name)s enregistrée.", name=enrolment.learner.full_name), "success")
            back = params.text("next", max_length=2000)
            return redirect(
                back if back.startswith("/outcomes/due") else url_for("learners.show", learner_id=enrolment.learner_id)
            )
    return render_template(
        "outcomes/record.html", enrolment=enrolment, point=point, outcome=outcome, form=form, conflict=conflict
    )


@bp.route("/outcomes/import", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def import_outcomes() -> str:
    """Import follow-ups from a CSV file: preview first, then confirm; all or nothing."""
    from ..imports.outcomes import apply_outcomes, plan_outcomes  # it builds on this package's services

    page, _applied = import_page(plan_outcomes, apply_outcomes, "imports/outcomes.html")
    return page
