"""The pages of timetable: a cohort's calendar of half-days and its changes, the weekly pattern, the closures."""

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from .. import dates, params
from ..access import get_cohort_or_404, get_cohort_session_or_404, role_required
from ..extensions import db
from ..forms import posted_id
from ..models import AttendanceSession, Closure, Cohort, SessionKind
from .changes import (
    CalendarRefusal,
    PeriodRefusal,
    add_half_day,
    cancel_half_day,
    describe,
    mark_period,
    move_half_day,
    restore_half_day,
)
from .forms import WEEKDAYS, AddForm, ClosureForm, MoveForm, PatternForm, PeriodForm, VersionForm
from .queries import calendar_month, closure_list, default_month, months_of, open_cohorts
from .services import add_closure, delete_closure, pattern_of, plan_pattern, save_pattern, stored_pattern, tomorrow

bp = Blueprint("timetable", __name__)


@bp.route("/cohorts/<int:cohort_id>/calendar", methods=["GET", "POST"])
@role_required("teach")
def calendar(cohort_id: int) -> Response | str:
    """The cohort's half-days, a month at a time; cancel, restore, move or add a half-day, mark a period as
    company placement or back to the centre (each action its own small form; `move` shows the form moving one)."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    month = params.month("month") or default_month(cohort)
    if request.method == "POST":
        action = ACTIONS.get(request.form.get("action", ""))
        if action is None:
            abort(400, description=_("Action inconnue."))
        return action(cohort, month)
    moving = params.integer("move")
    return _calendar_page(cohort, month, moving=get_cohort_session_or_404(cohort, moving) if moving else None)


def _calendar_page(cohort: Cohort, month: date, moving: AttendanceSession | None = None, **bound: Any) -> str:
    """The month's page, with the form moving `moving` if given; `bound` holds the submitted form that was
    refused (its errors shown by its fields), and what a refusal lists."""
    if moving is not None and "move_form" not in bound:
        bound["move_form"] = MoveForm(formdata=None, prefix="move", obj=moving)
    return render_template(
        "timetable/calendar.html",
        cohort=cohort,
        data=calendar_month(cohort, month),
        months=months_of(cohort),
        today=dates.today(),
        moving=moving,
        add_form=bound.pop("add_form", None) or AddForm(formdata=None, prefix="add"),
        period_form=bound.pop("period_form", None) or PeriodForm(formdata=None, prefix="period"),
        **bound,
    )


def _back(cohort: Cohort, day: date) -> Response:
    return redirect(url_for("timetable.calendar", cohort_id=cohort.id, month=f"{day:%Y-%m}"))


def _apply(cohort: Cohort, change: Callable[[], object], day: date, message: str) -> Response:
    """Make the change and commit (POST-redirect-GET to the day's month), or roll back and say why it was refused."""
    try:
        change()
    except CalendarRefusal as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return _back(cohort, day)


def _version() -> int:
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400, description=_("Le formulaire ne dit pas quelle version de la demi-journée il a affichée."))
    return form.version.data


def _cancel(cohort: Cohort, _month: date) -> Response:
    session = get_cohort_session_or_404(cohort, posted_id("session"))
    version, day, when = _version(), session.day, describe(session.day, session.half_day)
    message = _("Demi-journée annulée : %(when)s.", when=when)
    return _apply(cohort, lambda: cancel_half_day(session, version), day, message)


def _restore(cohort: Cohort, _month: date) -> Response:
    session = get_cohort_session_or_404(cohort, posted_id("session"))
    version, day, when = _version(), session.day, describe(session.day, session.half_day)
    message = _("Demi-journée rétablie : %(when)s.", when=when)
    return _apply(cohort, lambda: restore_half_day(session, version), day, message)


def _move(cohort: Cohort, month: date) -> Response | str:
    session = get_cohort_session_or_404(cohort, posted_id("session"))
    form = MoveForm(prefix="move")
    if not form.validate_on_submit():
        return _calendar_page(cohort, month, moving=session, move_form=form)
    times = form.times()
    message = _("Demi-journée déplacée : %(when)s.", when=describe(times.day, times.half_day))
    return _apply(cohort, lambda: move_half_day(cohort, session, form.version.data, times), times.day, message)


def _add(cohort: Cohort, month: date) -> Response | str:
    form = AddForm(prefix="add")
    if not form.validate_on_submit():
        return _calendar_page(cohort, month, add_form=form)
    times = form.times()
    message = _("Demi-journée ajoutée : %(when)s.", when=describe(times.day, times.half_day))
    return _apply(cohort, lambda: add_half_day(cohort, times), times.day, message)


def _period(cohort: Cohort, month: date) -> Response | str:
    form = PeriodForm(prefix="period")
    if not form.validate_on_submit():
        return _calendar_page(cohort, month, period_form=form)
    kind = SessionKind(form.kind.data)
    try:
        changed = mark_period(cohort, form.first_day.data, form.last_day.data, kind)
    except PeriodRefusal as refusal:
        db.session.rollback()
        return _calendar_page(cohort, month, period_form=form, refusal=str(refusal), held=refusal.held)
    except CalendarRefusal as refusal:
        db.session.rollback()
        return _calendar_page(cohort, month, period_form=form, refusal=str(refusal))
    db.session.commit()
    flash(period_message(kind, changed), "success")
    return _back(cohort, form.first_day.data)


def period_message(kind: SessionKind, changed: int) -> str:
    if kind == SessionKind.PLACEMENT:
        return ngettext(
            "%(num)d demi-journée passe en entreprise.", "%(num)d demi-journées passent en entreprise.", changed
        )
    return ngettext("%(num)d demi-journée revient au centre.", "%(num)d demi-journées reviennent au centre.", changed)


ACTIONS: dict[str, Callable[[Cohort, date], Response | str]] = {
    "cancel": _cancel,
    "restore": _restore,
    "move": _move,
    "add": _add,
    "period": _period,
}


@bp.route("/cohorts/<int:cohort_id>/calendar/pattern", methods=["GET", "POST"])
@role_required("manage_cohorts")
def pattern(cohort_id: int) -> Response | str:
    """The cohort's weekly pattern: which weekdays and half-days, their times. Saving shows first how many future
    half-days (from tomorrow, without records) are added and removed, then applies it once confirmed."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    form = PatternForm()
    if request.method == "GET":
        form.fill(pattern_of(cohort.id))
    elif form.validate_on_submit():
        if form.confirmed.data == "yes":
            plan = save_pattern(cohort, form.pattern())
            db.session.commit()
            flash(pattern_message(len(plan.added), len(plan.removed), plan.retimed_count), "success")
            return redirect(url_for("timetable.calendar", cohort_id=cohort.id))
        plan = plan_pattern(cohort, form.pattern())
        db.session.rollback()
        return _pattern_page(cohort, form, plan=plan, first=tomorrow())
    return _pattern_page(cohort, form, custom=bool(stored_pattern(cohort.id)))


def _pattern_page(cohort: Cohort, form: PatternForm, **context: Any) -> str:
    return render_template("timetable/pattern.html", cohort=cohort, form=form, weekdays=WEEKDAYS, **context)


def pattern_message(added: int, removed: int, retimed: int) -> str:
    return _(
        "Rythme enregistré : %(added)s, %(removed)s, %(retimed)s.",
        added=ngettext("%(num)d demi-journée ajoutée", "%(num)d demi-journées ajoutées", added),
        removed=ngettext("%(num)d retirée", "%(num)d retirées", removed),
        retimed=ngettext("%(num)d change d'horaires", "%(num)d changent d'horaires", retimed),
    )


@bp.route("/closures/", methods=["GET", "POST"])
@role_required("manage_cohorts")
def closures() -> Response | str:
    """The closures (school holidays, works...): every one listed; add one for a cohort or every cohort, which
    removes the future half-days without records of that period."""
    form = ClosureForm(cohorts=open_cohorts())
    if form.validate_on_submit():
        cohort = get_cohort_or_404(form.cohort_id, current_user) if form.cohort_id else None
        data = form.label.data.strip(), form.first_day.data, form.last_day.data
        change = add_closure(*data, cohort, current_user.id)
        db.session.commit()
        flash(closure_message(change.removed, change.kept), "success")
        return redirect(url_for("timetable.closures"))
    return render_template("timetable/closures.html", form=form, closures=closure_list(), delete=FlaskForm())


def closure_message(removed: int, kept: int) -> str:
    message = ngettext(
        "Fermeture ajoutée : %(num)d demi-journée retirée du calendrier.",
        "Fermeture ajoutée : %(num)d demi-journées retirées du calendrier.",
        removed,
    )
    if kept:
        message += " " + ngettext(
            "%(num)d demi-journée de la période est gardée : elle a déjà des présences saisies.",
            "%(num)d demi-journées de la période sont gardées : elles ont déjà des présences saisies.",
            kept,
        )
    return message


@bp.post("/closures/<int:closure_id>/delete", endpoint="delete_closure")
@role_required("manage_cohorts")
def remove_closure(closure_id: int) -> Response:
    """Delete a closure: the half-days of its period from tomorrow on come back."""
    closure = db.get_or_404(Closure, closure_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    added = delete_closure(closure)
    db.session.commit()
    flash(
        ngettext(
            "Fermeture supprimée : %(num)d demi-journée remise au calendrier.",
            "Fermeture supprimée : %(num)d demi-journées remises au calendrier.",
            added,
        ),
        "success",
    )
    return redirect(url_for("timetable.closures"))
