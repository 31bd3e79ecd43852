"""The follow-up queue and the form to record a situation."""


import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import dates, params
from ..access import get_leaver_enrolment_or_404, role_required
from ..audit import check_version
from ..extensions import db
from ..followups.services import WINDOW_DAYS, asking
from ..forms import replace_value
from ..importing.outcomes import apply_outcomes, plan_outcomes
from ..importing.pages import import_page
from ..models import FOLLOW_UP_POINTS, Cohort, Enrolment, Outcome, OutcomeSource, Situation
from ..sites.services import site_choices
from ..transactions import lock_rows
from ..wording import of_name
from .forms import ConfirmForm, OutcomeForm
from .queries import DUE_ORDERS, OVERDUE_AFTER_DAYS, DueFilters, declarations_to_confirm, due_queue
from .services import SituationData, confirm_outcome, save_outcome

bp = Blueprint("outcomes", __name__)

PER_PAGE = 25  # a light page on a slow connection (Ecoindex): 25 rows, then the next page
TO_CONFIRM_SHOWN = 10  # learners' declarations listed above the queue, the oldest first
CHANGED_SINCE = _l(
    "Cette situation a été modifiée par %(who)s le %(when)s, après l'affichage de la page : rien n'a été confirmé. "
    "Relisez-la puis confirmez à nouveau."
)


def _optional(name: str, allowed: list[str]) -> str | None:
    """One of `allowed`, None when absent or blank; anything else answers 400."""
    return params.choice(name, allowed) if params.text(name) else None


def _due_filters() -> DueFilters:
    point = _optional("point", [str(point) for point in FOLLOW_UP_POINTS])
    return DueFilters(
        site_id=params.integer("site"),
        cohort_id=params.integer("cohort"),
        point=None if point is None else int(point),
        overdue_only=_optional("overdue", ["1"]) is not None,
        order=_optional("sort", list(DUE_ORDERS)) or DUE_ORDERS[0],
    )


@bp.get("/outcomes/due")
@role_required("follow_outcomes")
def due() -> Response | str:
    """Follow-ups due and not recorded, newest first (or oldest, or by name); by site, cohort, point, lateness.
    A page past the last (the last row of the last page was just recorded) leads to the last page."""
    today = dates.today()
    filters = _due_filters()
    page = params.page()
    queue = due_queue(today, page, PER_PAGE, filters)
    pages = max(1, -(-queue.total // PER_PAGE))
    if page > pages:
        return redirect(url_for("outcomes.due", page=pages if pages > 1 else None, **params.kept("page")))
    cohorts = db.session.execute(
        sa.select(Cohort.id, Cohort.name)
        .where(Cohort.site_id == filters.site_id if filters.site_id else sa.true())
        .order_by(Cohort.name)
    ).all()
    return render_template(
        "outcomes/due.html",
        queue=queue,
        asking=asking([(row.enrolment, row.point, row.due_date) for row in queue.rows], today),
        to_confirm=declarations_to_confirm(filters, TO_CONFIRM_SHOWN),
        confirm_form=ConfirmForm(),
        today=today,
        page=page,
        pages=pages,
        sites=site_choices(),
        cohorts=cohorts,
        filters=filters,
        points=FOLLOW_UP_POINTS,
        kept=params.kept("page"),
        overdue_after=OVERDUE_AFTER_DAYS,
        window_days=WINDOW_DAYS,
    )


def _back_to_due(enrolment: Enrolment) -> Response:
    """Back where the form was opened from: the queue (its `next`), else the learner's page."""
    back = params.text("next", max_length=2000)
    if back.startswith("/outcomes/due"):
        return redirect(back)
    return redirect(url_for("learners.show", learner_id=enrolment.learner_id))


@bp.post("/outcomes/<int:enrolment_id>/<int:point>/confirm")
@role_required("follow_outcomes")
def confirm(enrolment_id: int, point: int) -> Response:
    """Confirm a situation the learner declared, as the page showed it (else 409): theirs no longer to change."""
    if point not in FOLLOW_UP_POINTS:
        abort(404)
    enrolment = get_leaver_enrolment_or_404(enrolment_id, current_user)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    lock_rows(Enrolment, [enrolment.id])  # the learner may be correcting it through their link right now
    outcome = db.session.scalar(
        sa.select(Outcome)
        .where(Outcome.enrolment_id == enrolment.id, Outcome.point == point)
        .execution_options(populate_existing=True)
    )
    if outcome is None or outcome.source != OutcomeSource.LEARNER:
        abort(404)
    check_version("outcome", outcome, form.version.data, CHANGED_SINCE)
    if outcome.confirmed_at is None:
        confirm_outcome(outcome)
        db.session.commit()
    flash(_("Situation %(of_name)s confirmée.", of_name=of_name(enrolment.learner.full_name)), "success")
    return _back_to_due(enrolment)


@bp.route("/outcomes/<int:enrolment_id>/<int:point>", methods=["GET", "POST"])
@role_required("follow_outcomes")
def record(enrolment_id: int, point: int) -> Response | str:
    """Record, or correct, a leaver's situation at a follow-up point."""
    if point not in FOLLOW_UP_POINTS:
        abort(404)
    enrolment = get_leaver_enrolment_or_404(enrolment_id, current_user)
    if request.method == "POST":  # the version check below and the write: one step for concurrent savers
        lock_rows(Enrolment, [enrolment.id])
        db.session.refresh(enrolment)  # as it is now that its row is ours: still a leaver (not resumed meanwhile)?
        if not enrolment.is_leaver:
            abort(409)
    outcome = next((o for o in enrolment.outcomes if o.point == point), None)
    form = OutcomeForm(obj=outcome, cohort_start=enrolment.cohort.start_date)
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
            save_outcome(enrolment, point, data, city=form.city.data.strip())
            db.session.commit()
            flash(_("Situation %(of_name)s enregistrée.", of_name=of_name(enrolment.learner.full_name)), "success")
            return _back_to_due(enrolment)
    return render_template(
        "outcomes/record.html",
        enrolment=enrolment,
        point=point,
        outcome=outcome,
        form=form,
        conflict=conflict,
        today=dates.today(),
    )


@bp.route("/outcomes/import", methods=["GET", "POST"])
@role_required("follow_outcomes")
def import_outcomes() -> str:
    """Import follow-ups from a CSV file: preview first, then confirm; all or nothing."""
    page, _applied = import_page(plan_outcomes, apply_outcomes, "imports/outcomes.html")
    return page
