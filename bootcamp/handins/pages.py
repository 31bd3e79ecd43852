"""The page of a brief as its learner reads it, with the hand-in form: shown by the learner's pages (GET) and
again by the hand-in (a form with errors), so it lives outside both blueprints' views."""

from flask import render_template
from flask_login import current_user

from .. import dates
from ..learners.queries import my_brief
from ..models import Project
from .forms import HandInForm
from .queries import my_hand_ins
from .status import DEFINITION


def brief_page(project: Project, form: HandInForm) -> str:
    """A brief of my cohort as I read it: the subject, my grade, my versions and status, the hand-in form."""
    today = dates.today()
    mine = my_brief(project, current_user.learner_id)
    handed = my_hand_ins(project, current_user.learner_id, bool(mine.grade and mine.grade.exempted), today)
    if not form.is_submitted():
        form.seen.data = len(handed.versions)
    return render_template(
        "projects/brief.html", project=project, mine=mine, handed=handed, form=form, today=today, definition=DEFINITION
    )
