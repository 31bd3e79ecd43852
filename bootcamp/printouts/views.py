"""The pages of printouts: the week's sign-in sheet of a cohort and a learner's « certificat de réalisation », as
PDF downloads."""

from flask import Blueprint, Response
from flask_login import current_user

from .. import params
from ..access import Action, get_cohort_or_404, get_learner_or_404, role_required
from . import services

bp = Blueprint("printouts", __name__)


def _pdf(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.get("/cohorts/<int:cohort_id>/attendance/sheet.pdf")
@role_required(Action.TEACH)
def sign_in_sheet(cohort_id: int) -> Response:
    """The week's « feuille d'émargement » of a cohort (`week`: any day of it; this week by default)."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    monday = services.week_start(params.day("week"))
    sheet = services.sign_in_sheet(cohort, monday)
    return _pdf(services.sign_in_sheet_pdf(sheet), services.sign_in_sheet_filename(cohort, monday))


@bp.get("/learners/<int:learner_id>/attendance/certificate.pdf")
@role_required(Action.TEACH)
def certificate(learner_id: int) -> Response:
    """A learner's « certificat de réalisation » for a period (`from`, `to`: their training's by default), in
    `cohort` (their latest cohort by default)."""
    learner = get_learner_or_404(learner_id, current_user)
    enrolment = services.certificate_enrolment(learner, current_user, params.integer("cohort"))
    first, last = services.certificate_period(enrolment, params.day("from"), params.day("to"))
    document = services.certificate(enrolment, first, last, current_user)
    return _pdf(services.certificate_pdf(document), services.certificate_filename(learner, first, last))
