"""The pages of rollcall: the roll call of a half-day (trainers), and a learner's own signature with its code."""

import re
from datetime import date, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import dates
from ..access import get_attendance_session_or_404, get_cohort_or_404, refuse, role_required
from ..extensions import db
from ..models import AttendanceSession, Cohort
from ..transactions import lock_rows
from .forms import RollCallForm, SignForm, field_name, rollcall_form
from .queries import RollCall, is_running, roll_call_of, signing_window
from .services import SigningRefused, clock, roll_call_refusal, save_roll_call, sign_with_code

bp = Blueprint("rollcall", __name__)
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(text: str) -> date:
    """The day of the URL, written 2026-11-16 exactly; anything else is a page that does not exist (404)."""
    if not DAY.fullmatch(text):
        refuse()
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        refuse()


@bp.route("/cohorts/<int:cohort_id>/attendance/<day>/<half_day>", methods=["GET", "POST"])
@role_required("teach")
def roll_call(cohort_id: int, day: str, half_day: str) -> Response | str | tuple[str, int]:
    """The roll call of one half-day: every learner in training, present by default; save once, validate."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    session = get_attendance_session_or_404(cohort, _day(day), half_day)
    if request.method == "GET":
        roll = roll_call_of(session)
        return _page(cohort, roll, rollcall_form(roll, posted=False))
    lock_rows(AttendanceSession, [session.id])  # one save or signature of this half-day at a time
    db.session.refresh(session)
    if refusal := roll_call_refusal(session, dates.today()):
        return _page(cohort, roll_call_of(session), None, refusal=refusal), 409
    roll = roll_call_of(session)
    form = rollcall_form(roll)
    if form.is_submitted() and form.stale():
        return _page(cohort, roll, rollcall_form(roll, posted=False), conflict=True), 409
    if not form.validate_on_submit():
        return _page(cohort, roll, form), 400
    changed = save_roll_call(roll, form.marks(), form.closing, current_user, dates.now())
    db.session.commit()
    flash(_saved_message(changed, form.closing), "success" if changed or form.closing else "info")
    return redirect(request.path)


def _saved_message(changed: int, closing: bool) -> str:
    saved = (
        ngettext("Appel enregistré : %(num)d présence notée.", "Appel enregistré : %(num)d présences notées.", changed)
        if changed
        else _("Aucun changement : rien n'a été modifié.")
    )
    return saved + (" " + _("Demi-journée validée : la signature est close.") if closing else "")


def _page(cohort: Cohort, roll: RollCall, form: RollCallForm | None, **context: object) -> str:
    session, now = roll.session, dates.now()
    refusal = context.pop("refusal", None) or roll_call_refusal(session, dates.today())
    return render_template(
        "rollcall/roll_call.html",
        cohort=cohort,
        roll=roll,
        session=session,
        form=None if refusal else form,
        refusal=refusal,
        running=is_running(session, now),
        window=signing_window(session),
        now=now,
        clock=clock,
        field_name=field_name,
        **{"conflict": False, **context},
    )


@bp.post("/me/attendance/sign")
@role_required("see_own_progress")
def sign() -> Response | tuple[str, int]:
    """A learner signs the half-day running now with its code (the form of rollcall/_sign.html). Nothing posted
    names a learner: the account signs for itself."""
    form = SignForm()
    back = _back(form.next.data)
    if not form.validate_on_submit():
        flash(_("Le code est trop long : tapez les chiffres affichés par votre formateur·rice."), "error")
        return render_template("rollcall/sign.html", back=back), 400
    try:
        signed_at = sign_with_code(current_user, form.code.data or "", dates.now())
    except SigningRefused as refusal:
        db.session.commit()  # a wrong code is kept: they are counted
        flash(refusal.message, "error")
        return render_template("rollcall/sign.html", back=back), refusal.status
    db.session.commit()
    flash(_("Présence signée à %(time)s.", time=clock(signed_at)), "success")
    return redirect(back)


def _back(posted: str | None) -> str:
    """Where the learner signed from: their page or their attendance (nowhere else: no open redirect)."""
    allowed = {url_for("learners.me"), url_for("attendance.mine")}
    return posted if posted in allowed else url_for("learners.me")
