"""`/audit`: every change, filterable by learner, user, kind and date; nothing here can change an event."""

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice, SelectField, StringField

from .. import params
from ..access import can_see_sensitive, masked, role_required
from ..extensions import db
from ..forms import MAX_ID, FrenchDateField, code, with_blank
from ..models import AuditEvent, Learner, Role, User
from . import bp

KINDS = {
    "grade": _l("note"),
    "competency_assessment": _l("niveau de compétence"),
    "enrolment": _l("inscription"),
    "outcome": _l("situation après la formation"),
    "project": _l("projet"),
    "learner": _l("apprenant·e"),
    "cohort": _l("promotion"),
    "user": _l("compte"),
}


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    learner = StringField(_l("Apprenant·e (nom ou n°)"))
    user = SelectField(_l("Auteur"), coerce=code, default="")
    kind = SelectField(_l("Type"), coerce=code, default="")
    start = FrenchDateField(_l("Du"))
    end = FrenchDateField(_l("Au"))


@bp.get("/audit")
@role_required(Role.MANAGER, Role.ADMIN)
def index() -> str:
    """The changes, newest first, 50 a page."""
    form = AuditFilterForm(formdata=params.args())
    users = db.session.execute(sa.select(User.id, User.name).order_by(User.name)).all()
    form.user.choices = with_blank([SelectChoice(str(i), name) for i, name in users], _l("tous"))
    form.kind.choices = with_blank([SelectChoice(key, str(text)) for key, text in KINDS.items()], _l("tous"))
    query = sa.select(AuditEvent).options(joinedload(AuditEvent.actor)).order_by(AuditEvent.id.desc())
    if form.validate():
        if form.user.data:
            query = query.where(AuditEvent.actor_id == int(form.user.data))
        if form.kind.data:
            query = query.where(AuditEvent.entity == form.kind.data)
        if form.start.data:
            query = query.where(AuditEvent.created_at >= datetime.combine(form.start.data, time.min))
        if form.end.data:
            query = query.where(AuditEvent.created_at < datetime.combine(form.end.data + timedelta(days=1), time.min))
        if text := params.text("learner"):
            number = int(text) if text.isascii() and text.isdigit() and int(text) <= MAX_ID else None
            matching = sa.select(Learner.id).where(
                sa.or_(
                    Learner.id == number if number is not None else sa.false(),
                    sa.func.lower(Learner.last_name + " " + Learner.first_name).contains(text.lower()),
                    sa.func.lower(Learner.first_name + " " + Learner.last_name).contains(text.lower()),
                )
            )
            query = query.where(AuditEvent.learner_id.in_(matching))
    page = db.paginate(query, page=params.page(), per_page=50, error_out=False)
    learner_ids = {event.learner_id for event in page.items if event.learner_id}
    names = dict(
        db.session.execute(
            sa.select(Learner.id, Learner.last_name + " " + Learner.first_name).where(Learner.id.in_(learner_ids))
        ).all()
    )
    return render_template(
        "auditlog/index.html",
        form=form,
        page=page,
        names=names,
        kinds=KINDS,
        args=params.kept("page"),
        show_sensitive=can_see_sensitive(current_user),
        masked=lambda values: masked(values, current_user),
    )
