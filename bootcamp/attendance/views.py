"""The pages of attendance: the month at a glance of a cohort, a learner's own hours, the cohort's exports."""

from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, render_template
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import dates, params
from ..absences.queries import own_absences
from ..access import Action, can, get_cohort_or_404, role_required
from ..cache import cached_fragment
from ..models import Cohort
from .export import export_rows, to_csv, to_xlsx
from .queries import (
    CANCELLED,
    JUSTIFIED,
    LATE,
    LEFT_EARLY,
    NOT_ENROLLED,
    NOT_TAKEN,
    PENDING,
    PLACEMENT,
    PRESENT,
    REFUSED,
    UNJUSTIFIED,
    UPCOMING,
    default_month,
    learner_months,
    month_grid,
    my_attendance,
)

bp = Blueprint("attendance", __name__)

# Each cell's short mark and its words (the legend, screen readers): never colour alone. Symbols are the same in
# every language.
MARKS = {
    PRESENT: (_l("P"), _l("présent·e")),
    LATE: (_l("R"), _l("en retard")),
    LEFT_EARLY: (_l("D"), _l("parti·e plus tôt")),
    JUSTIFIED: (_l("AJ"), _l("absence justifiée")),
    UNJUSTIFIED: (_l("A"), _l("absence non justifiée")),
    PENDING: (_l("A?"), _l("absence, justificatif à examiner (non justifiée tant qu'il n'est pas accepté)")),
    REFUSED: (_l("AR"), _l("absence, justificatif refusé (non justifiée)")),
    NOT_TAKEN: ("?", _l("appel pas encore fait")),
    UPCOMING: ("·", _l("à venir")),
    CANCELLED: ("×", _l("demi-journée annulée")),
    PLACEMENT: (_l("E"), _l("en entreprise (stage) : pas d'appel au centre")),
    NOT_ENROLLED: ("–", _l("sorti·e de la formation")),
}
HALF_MARKS = {"am": (_l("mat."), _l("matin")), "pm": (_l("a.-m."), _l("après-midi"))}  # column heads, in the legend
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/cohorts/<int:cohort_id>/attendance")
@role_required(Action.TEACH)
def month(cohort_id: int) -> str:
    """The month at a glance of a cohort: learners × half-days, totals per learner; today's half-days on top. Kept
    between writes (cache.py), and per minute: a half-day « to come » becomes « not yet taken » when it starts."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    shown = _month(cohort)
    today, now = dates.today(), dates.now().replace(second=0, microsecond=0)
    key = ("attendance-month", cohort.id, shown, today, now, can(Action.MANAGE_COHORTS))
    body = cached_fragment("attendance/_month.html", key, lambda: _month_context(cohort, shown, today, now))
    return render_template("attendance/month.html", cohort=cohort, month=shown, body=body)


def _month_context(cohort: Cohort, shown: date, today: date, now: datetime) -> dict[str, Any]:
    return {
        "cohort": cohort,
        "grid": month_grid(cohort, shown, today, now),
        "marks": MARKS,
        "half_marks": HALF_MARKS,
        "monday": today - timedelta(days=today.weekday()),
    }


@bp.app_template_global("attendance_months")
def attendance_months(learner_id: int) -> list:
    """A learner's hours per month, for the summary of /me/data (queries.learner_months: one query)."""
    return learner_months(learner_id)


@bp.get("/me/attendance")
@role_required(Action.SEE_OWN_PROGRESS)
def mine() -> str:
    """The learner's own attendance: figures per month and in total, signing with the code, their absences and
    lates with a way to justify them (absences/_mine.html)."""
    learner_id = current_user.learner_id
    page = my_attendance(learner_id, dates.today()) if learner_id else None
    absences = own_absences(learner_id) if page else []
    return render_template("attendance/mine.html", page=page, absences=absences, linked=learner_id is not None)


@bp.get("/cohorts/<int:cohort_id>/attendance/export.csv")
@role_required(Action.TEACH)
def export_csv(cohort_id: int) -> Response:
    """The cohort's figures for a month, one row per learner by name, as CSV (== flask attendance export)."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    shown = _month(cohort)
    return _download(to_csv(export_rows(cohort, shown)), "text/csv", _filename(cohort, shown, "csv"))


@bp.get("/cohorts/<int:cohort_id>/attendance/export.xlsx")
@role_required(Action.TEACH)
def export_xlsx(cohort_id: int) -> Response:
    """The cohort's figures for a month, with French headers, as XLSX."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    shown = _month(cohort)
    title = _("Présences — %(cohort)s — %(month)s", cohort=cohort.name, month=format_date(shown, "MMMM yyyy"))
    return _download(to_xlsx(export_rows(cohort, shown), title), XLSX, _filename(cohort, shown, "xlsx"))


def _month(cohort: Cohort) -> date:
    """The month asked for (400 on a wrong one), else the cohort's month of today."""
    return params.month("month") or default_month(cohort, dates.today())


def _filename(cohort: Cohort, month: date, extension: str) -> str:
    return f"presences-promotion-{cohort.id}-{month:%Y-%m}.{extension}"


def _download(content: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(
        content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
