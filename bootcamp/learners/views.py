"""The learner's home: where I stand."""

from datetime import date

from flask import render_template
from flask_login import current_user

from ..access import role_required
from ..models import Role
from . import bp
from .queries import standing


@bp.get("/me")
@role_required(Role.LEARNER)
def me() -> str:
    """Where I stand: my cohort, the weeks left, my progress, what is due next."""
    today = date.today()
    mine = standing(current_user.learner_id, today) if current_user.learner_id else None
    return render_template("learners/me.html", standing=mine, linked=current_user.learner_id is not None, today=today)
