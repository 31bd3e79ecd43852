"""Cohort pages: the list, one cohort's learners, enrolment changes."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import contains_eager
from werkzeug.wrappers import Response

from .. import dates, params
from ..access import (
    can,
    get_cohort_enrolment_or_404,
    get_cohort_or_404,
    get_enrolment_or_404,
    keep_hidden_choice,
    kept_value,
    role_required,
)
from ..audit import last_change
from ..cache import cached, render_fragment
from ..dates import EARLIEST, latest
from ..extensions import db
from ..forms import replace_value
from ..importing.aliases import ALIASES, DATE_EXAMPLES
from ..importing.examples import template_csv, template_xlsx
from ..importing.learners import apply_learners, plan_learners
from ..importing.pages import import_page
from ..learners.names import by_name
from ..models import Cohort, DropoutReason, Enrolment, EnrolmentStatus, Role, Site
from ..outcomes.services import discard_outcomes
from ..readiness.panels import weekly_panel
from ..timetable.queries import dates_notice
from ..transactions import lock_rows
from ..wording import of_name
from .forms import CohortForm, EnrolmentForm, FinishForm, ResumeForm, resume_refusal
from .learner import learner_overview
from .queries import (
    COHORT_STATES,
    FIRST_DESCENDING,
    RECENT_MONTHS,
    SORT_KEYS,
    CohortFilters,
    cohort_list,
    roster,
    sort_rows,
    watch_rule,
)
from .services import CohortError, change_enrolment, finish_programme, resume_training, save_cohort

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")


@bp.get("/")
@role_required("teach")
def index() -> str:
    """My cohorts (a manager: every cohort), newest first, a page at a time, with their figures: by default
    those to come, in training or ended in the last 12 months; filters by state, site and year."""
    filters = _list_filters()
    scope = current_user.role if current_user.role == Role.MANAGER else (current_user.role, current_user.id)
    body = cached(("cohort-list", scope, filters), lambda: _cohort_list(filters))
    today = dates.today()  # the weekly list of who is ready for the exam sessions close at hand
    weekly = cached(("readiness-weekly", scope, today), lambda: weekly_panel(current_user, today))
    return render_template("cohorts/index.html", body=body, weekly=weekly)


def _cohort_list(filters: CohortFilters) -> Markup:
    """The filter form and the page of cohorts, as HTML (the same for every manager until the next write)."""
    listing = cohort_list(current_user, filters)
    if filters.site_id is not None and filters.site_id not in {site_id for site_id, _name in listing.sites}:
        params.bad("site", _("aucune de vos promotions n'a lieu sur ce site."))
    return render_fragment(
        "cohorts/_list.html", listing=listing, filters=filters, states=COHORT_STATES, recent_months=RECENT_MONTHS
    )


def _list_filters() -> CohortFilters:
    """The list's filters from the query string (400 on a value that cannot be one)."""
    state = params.text("state", "recent", 20)
    if state not in COHORT_STATES:
        params.bad("state", _("valeurs possibles : %(values)s.", values=", ".join(COHORT_STATES)))
    year = params.integer("year", None, EARLIEST.year, latest().year)
    return CohortFilters(state=state, site_id=params.integer("site"), year=year, page=params.page())


@bp.get("/<int:cohort_id>")
@role_required("teach")
def show(cohort_id: int) -> str:
    """The cohort: each learner with progress, grades, missing work and the watch flag."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    return _render_cohort(cohort)


def _render_cohort(cohort: Cohort) -> str:
    sort = params.choice("sort", SORT_KEYS, "name")
    descending = params.choice("dir", ("asc", "desc"), "asc") == "desc"
    key = ("roster", cohort.id, sort, descending, current_user.role)
    body, in_training = cached(key, lambda: _roster(cohort, sort, descending))
    return render_template(
        "cohorts/show.html",
        cohort=cohort,
        body=body,
        in_training=in_training,
        finish_open=dates.may_finish(cohort.start_date, cohort.end_date),
        finish_opens=dates.finish_opens(cohort.start_date, cohort.end_date),
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
        watch_rule=watch_rule(),
        first_descending=FIRST_DESCENDING,
    )
    return html, sum(1 for row in data.rows if not row.enrolment.is_leaver)


@bp.get("/<int:cohort_id>/learners/<int:learner_id>")
@role_required("teach")
def learner(cohort_id: int, learner_id: int) -> str:
    """One learner of the cohort: levels by block, grades, assessments, why « à surveiller »; nothing sensitive."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    enrolment = get_cohort_enrolment_or_404(cohort, learner_id)
    return render_template("cohorts/learner.html", cohort=cohort, overview=learner_overview(cohort, enrolment))


@bp.route("/<int:cohort_id>/enrolments/<int:enrolment_id>", methods=["GET", "POST"])
@role_required("teach")
def edit_enrolment(cohort_id: int, enrolment_id: int) -> Response | str:
    """Record a dropout or the end of the programme of one learner; their certification (derived from exam results)
    is shown."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    enrolment = get_enrolment_or_404(cohort, enrolment_id)
    if request.method == "POST":  # the follow-ups read below, and the write: one step for concurrent savers
        lock_rows(Enrolment, [enrolment.id])
    form = EnrolmentForm(obj=enrolment, cohort_start=cohort.start_date, follow_ups=_follow_ups(enrolment))
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
            )
            db.session.commit()
            if changed:
                flash(_("Situation %(of_name)s enregistrée.", of_name=of_name(enrolment.learner.full_name)), "success")
            return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    return _enrolment_page(cohort, enrolment, form, conflict=conflict)


def _follow_ups(enrolment: Enrolment) -> int:
    """How many follow-ups hang on the learner's exit (none while in training)."""
    return len(enrolment.outcomes) if enrolment.is_leaver else 0


def _enrolment_page(cohort: Cohort, enrolment: Enrolment, form: EnrolmentForm, **context: object) -> str:
    return render_template(
        "cohorts/enrolment.html",
        cohort=cohort,
        enrolment=enrolment,
        form=form,
        follow_ups=_follow_ups(enrolment),
        today=dates.today(),
        **{"conflict": None, "resume_error": None, **context},
    )


@bp.post("/<int:cohort_id>/enrolments/<int:enrolment_id>/resume")
@role_required("finish_cohorts")
def resume(cohort_id: int, enrolment_id: int) -> Response | tuple[str, int]:
    """« Reprendre la formation »: a learner who left by mistake back in training; the follow-ups recorded for
    that exit go too when a manager ticks the box (else refused), and nothing if the situation changed since."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    enrolment = get_enrolment_or_404(cohort, enrolment_id)
    lock_rows(Enrolment, [enrolment.id])
    db.session.refresh(enrolment)  # as it is now that its row is ours
    form = ResumeForm()
    if not form.validate_on_submit():
        abort(400)
    page_form = EnrolmentForm(formdata=None, obj=enrolment, cohort_start=cohort.start_date)
    keep_hidden_choice(page_form.dropout_reason, "dropout_reason", enrolment.dropout_reason, current_user)
    if form.version.data != enrolment.version or not enrolment.is_leaver:
        return _enrolment_page(cohort, enrolment, page_form, conflict=last_change("enrolment", enrolment.id)), 409
    follow_ups = _follow_ups(enrolment)
    if follow_ups and not (form.discard_follow_ups.data and can("follow_outcomes")):
        return _enrolment_page(cohort, enrolment, page_form, resume_error=resume_refusal(follow_ups)), 409
    discard_outcomes(enrolment)  # those of the exit undone, each audited
    resume_training(enrolment)
    db.session.commit()
    flash(_("%(name)s reprend la formation.", name=enrolment.learner.full_name), "success")
    return redirect(url_for("cohorts.show", cohort_id=cohort.id))


@bp.route("/<int:cohort_id>/finish", methods=["GET", "POST"])
@role_required("finish_cohorts")
def finish(cohort_id: int) -> Response | str | tuple[str, int]:
    """Record the end of the programme: who it will change (each can be left out), the date, then confirm. Open
    from dates.FINISH_OPENS_DAYS days before the cohort's planned end (never before its start)."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    if not dates.may_finish(cohort.start_date, cohort.end_date):
        page = _finish_page(cohort, None, [])
        return (page, 403) if request.method == "POST" else page
    enrolments = _cohort_enrolments(cohort, lock=request.method == "POST")
    in_training = [enrolment.id for enrolment in enrolments if not enrolment.is_leaver]
    form = FinishForm(
        cohort=cohort,
        enrolment_ids=[enrolment.id for enrolment in enrolments],
        data={"exit_date": min(cohort.end_date, dates.today()), "enrolment": in_training},
    )
    if not form.validate_on_submit():
        return _finish_page(cohort, form, enrolments)
    result = finish_programme(enrolments, form.seen_versions(), form.exit_date.data)
    if not result.finished:  # someone changed one of them since the page was shown: nothing saved
        changed = {enrolment.id for enrolment in result.conflicts}
        db.session.rollback()
        enrolments = _cohort_enrolments(cohort)
        return _finish_page(cohort, form, enrolments, changed=[e for e in enrolments if e.id in changed]), 409
    db.session.commit()
    flash(
        ngettext(
            "Fin de formation enregistrée pour %(num)d apprenant·e.",
            "Fin de formation enregistrée pour %(num)d apprenant·es.",
            len(result.finished),
        ),
        "success",
    )
    return redirect(url_for("cohorts.show", cohort_id=cohort_id))


def _cohort_enrolments(cohort: Cohort, lock: bool = False) -> list[Enrolment]:
    """The cohort's enrolments with their learners, by name (learners.names); with `lock`, read once their rows
    are locked."""
    if lock:
        lock_rows(Enrolment, db.session.scalars(sa.select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)))
    query = (
        sa.select(Enrolment)
        .join(Enrolment.learner)
        .options(contains_eager(Enrolment.learner))
        .where(Enrolment.cohort_id == cohort.id)
        .execution_options(populate_existing=True)
    )
    return sorted(db.session.scalars(query), key=lambda enrolment: by_name(enrolment.learner))


def _finish_page(cohort: Cohort, form: FinishForm | None, enrolments: list[Enrolment], **context: object) -> str:
    return render_template(
        "cohorts/finish.html",
        cohort=cohort,
        form=form,
        in_training=[enrolment for enrolment in enrolments if not enrolment.is_leaver],
        gone=sum(1 for enrolment in enrolments if enrolment.is_leaver),
        opens=dates.finish_opens(cohort.start_date, cohort.end_date),
        today=dates.today(),
        days=dates.FINISH_OPENS_DAYS,
        **{"changed": None, **context},
    )


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
            if cohort is not None and (notice := dates_notice(saved)):  # its calendar follows its dates
                flash(notice, "info")
            return redirect(url_for("cohorts.show", cohort_id=saved.id))
    sites = db.session.scalars(sa.select(Site.name).order_by(Site.name)).all()
    return render_template("cohorts/form.html", form=form, cohort=cohort, error=error, sites=sites)


@bp.route("/<int:cohort_id>/import", methods=["GET", "POST"])
@role_required("manage_cohorts")
def import_learners(cohort_id: int) -> Response | str:
    """Import learners from a CSV or XLSX file: preview first, then confirm; all or nothing."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    page, _applied = import_page(
        lambda content: plan_learners(content, cohort),
        apply_learners,
        "imports/learners.html",
        cohort=cohort,
        aliases=ALIASES,
        date_examples=DATE_EXAMPLES,
    )
    return page


TEMPLATE_TYPES = {
    "csv": (template_csv, "text/csv"),
    "xlsx": (template_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@bp.get("/import/template.<any(csv, xlsx):extension>")
@role_required("manage_cohorts")
def import_template(extension: str) -> Response:
    """The learner import's template: French headers and one example row."""
    build, mimetype = TEMPLATE_TYPES[extension]
    response = Response(build(), mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=modele-apprenants.{extension}"
    return response
