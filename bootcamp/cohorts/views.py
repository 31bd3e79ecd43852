"""Cohort pages."""

from flask import render_template
from flask_login import current_user

from ..access import role_required
from ..models import Role
from . import bp
from .queries import cohort_summaries


@bp.get("/")
@role_required(Role.TRAINER, Role.MANAGER)
def index() -> str:
    """My cohorts (a manager: every cohort), current ones first, with their figures."""
    summaries = cohort_summaries(current_user)
    current = [summary for summary in summaries if summary.is_current]
    past = [summary for summary in summaries if not summary.is_current]
    return render_template("cohorts/index.html", current=current, past=past)
