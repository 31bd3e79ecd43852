"""The pages of bootcamp.readiness: who is ready for the titre professionnel, cohort by cohort."""

from flask import Blueprint, render_template
from flask_login import current_user

from .. import dates, params
from ..access import get_cohort_or_404, role_required
from ..certification.readiness import rule_text
from .queries import SORT_KEYS, cohort_readiness, programme_blocks, sort_learners

bp = Blueprint("readiness", __name__)


@bp.get("/cohorts/<int:cohort_id>/readiness")
@role_required("teach")
def cohort(cohort_id: int) -> str:
    """Learners × blocks: each verdict with its reasons, the rule, the next exam session; sortable."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    sort = params.choice("sort", SORT_KEYS, "verdict")
    descending = params.choice("dir", ("asc", "desc"), "asc") == "desc"
    today = dates.today()
    data = cohort_readiness(cohort, today)
    return render_template(
        "readiness/cohort.html",
        cohort=cohort,
        data=data,
        rows=sort_learners(data.learners, sort, descending),
        blocks=programme_blocks(cohort.programme_id),
        rule=rule_text(cohort.programme.acquired_level),
        sort=sort,
        descending=descending,
        today=today,
    )
