"""The pages of bootcamp.livret: the livret d'évaluation of a learner, or of a whole cohort, as a PDF download."""

from flask import Blueprint, Response
from flask_login import current_user

from ..access import Action, any_role_required, get_cohort_or_404, get_learner_enrolment_or_404, role_required
from . import document

bp = Blueprint("livret", __name__)


def _pdf(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.get("/learners/<int:learner_id>/ecf.pdf")
@any_role_required(Action.TEACH, Action.SEE_OWN_PROGRESS)
def learner_pdf(learner_id: int) -> Response:
    """A learner's livret d'évaluation (their latest enrolment one may see): the learner themselves, the cohort's
    trainers, managers."""
    enrolment = get_learner_enrolment_or_404(learner_id, current_user)
    return _pdf(document.learner_pdf(enrolment), document.learner_filename(enrolment))


@bp.get("/cohorts/<int:cohort_id>/ecf.pdf")
@role_required(Action.TEACH)
def cohort_pdf(cohort_id: int) -> Response:
    """The livrets of every learner of the cohort, by name, each from a new page."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    return _pdf(document.cohort_pdf(cohort), document.cohort_filename(cohort))
