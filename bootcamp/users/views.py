"""The list of accounts."""

import sqlalchemy as sa
from flask import render_template, request
from sqlalchemy.orm import selectinload

from ..access import role_required
from ..extensions import db
from ..models import Role, User
from . import bp


@bp.get("/")
@role_required(Role.ADMIN)
def index() -> str:
    """Every account: role, state, linked learner, assigned cohorts, last login."""
    role = request.args.get("role", "")
    query = (
        sa.select(User).options(selectinload(User.learner), selectinload(User.cohorts)).order_by(User.role, User.name)
    )
    if role in set(Role):
        query = query.where(User.role == Role(role))
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("users/index.html", page=page, role=role, roles=list(Role))
