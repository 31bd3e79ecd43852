"""Handing in a brief (the learner), and the versions of a brief's hand-ins (the cohort's trainers, managers)."""

from collections import Counter

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import dates
from ..access import Action, get_own_brief_or_404, get_project_or_404, refuse, role_required
from ..extensions import db
from ..models import SubmissionStatus
from .forms import HandInForm
from .pages import brief_page
from .queries import enrolment_in, may_hand_in, project_hand_ins
from .services import HandInData, hand_in
from .status import DEFINITION

bp = Blueprint("handins", __name__)


def _saved_message(number: int, moment_text: str, late: bool, others: int) -> str:
    message = _("Version %(number)d rendue le %(when)s.", number=number, when=moment_text)
    if late:
        message += " " + _("En retard : l'échéance était passée.")
    if others > 0:
        message += " " + _("Une autre version avait été rendue entre-temps (un autre onglet ?) : toutes sont gardées.")
    return message


@bp.post("/me/projects/<int:project_id>/hand-in")
@role_required(Action.HAND_IN)
def hand_in_brief(project_id: int) -> Response | str:
    """Hand in a (new) version of a brief of my cohort, before or after its due date; not once I have left it."""
    project = get_own_brief_or_404(project_id, current_user)
    enrolment = enrolment_in(project, current_user.learner_id)
    if enrolment is None or not may_hand_in(enrolment):
        refuse()
    form = HandInForm()
    if not form.validate_on_submit():
        return brief_page(project, form)
    data = HandInData(form.repository_url.data, form.deployed_url.data or "", (form.comment.data or "").strip())
    version = hand_in(project, enrolment, data)
    db.session.commit()
    seen = form.seen.data if form.seen.data is not None else version.number - 1
    late = version.handed_in_on > project.due_date
    when = format_datetime(version.handed_in_at, "short")
    flash(_saved_message(version.number, when, late, version.number - 1 - seen), "success")
    if request.form.get("back") == "me":
        return redirect(url_for("learners.me") + "#where")
    return redirect(url_for("learners.brief", project_id=project.id) + "#hand-ins")


@bp.get("/projects/<int:project_id>/hand-ins")
@role_required(Action.TEACH)
def project_versions(project_id: int) -> str:
    """Every learner of the brief's cohort: their status on it and all their versions, newest first."""
    project = get_project_or_404(project_id, current_user)
    rows = project_hand_ins(project, dates.today())
    counts = Counter(row.status for row in rows if not row.left)  # who left before the due date is not expected
    return render_template(
        "handins/project.html",
        project=project,
        cohort=project.cohort,
        rows=rows,
        counts=[(status, counts[status]) for status in SubmissionStatus if counts[status]],
        left=sum(row.left for row in rows),
        definition=DEFINITION,
        due=format_date(project.due_date, "full"),
    )
