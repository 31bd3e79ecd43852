"""`/audit`: every change, filterable by learner, user, kind and date; nothing here can change an event."""

from flask import Blueprint, render_template
from flask_login import current_user

from .. import params
from ..access import can_see_sensitive, masked, role_required
from ..extensions import db
from .forms import KINDS, AuditFilterForm
from .queries import authors, events, learner_names
from .words import journal_words

PER_PAGE = 25  # events a page: light on a phone, however long the values of each

bp = Blueprint("auditlog", __name__)


@bp.get("/audit")
@role_required("read_audit")
def index() -> str:
    """The changes, newest first, 50 a page."""
    form = AuditFilterForm(formdata=params.args())
    form.set_choices(authors())
    query = events()
    if form.validate():
        user_id = int(form.user.data) if form.user.data else None
        query = events(user_id, form.kind.data, form.start.data, form.end.data, params.text("learner"))
    page = db.paginate(query, page=params.page(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "auditlog/index.html",
        form=form,
        page=page,
        names=learner_names(page.items),
        words=journal_words(page.items),
        kinds=KINDS,
        args=params.kept("page"),
        show_sensitive=can_see_sensitive(current_user),
        masked=lambda values: masked(values, current_user),
    )
