"""/admin/outbox: every message the app wrote, for admins (sent, waiting, given up), readable without SMTP."""

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import defer
from werkzeug.wrappers import Response

from .. import params
from ..access import Action, get_outbox_message_or_404, role_required
from ..extensions import db
from ..models import MessageKind, MessageState, OutboxMessage
from ..transactions import locked
from .forms import KINDS, STATES, OutboxFilterForm
from .sender import resend as queue_again

PER_PAGE = 25
# The HTML version of a message, shown as the recipient's mail reader would (its inline styles), in a sandbox:
# no script, no form, no image, no frame, nothing loaded from anywhere, an origin of its own (default-src 'self' is
# the app-wide rule every response keeps, tests/test_security.py; every kind of content is named 'none' here).
MESSAGE_CSP = (
    "sandbox; default-src 'self'; script-src 'none'; style-src 'unsafe-inline'; img-src 'none'; font-src 'none'; "
    "media-src 'none'; connect-src 'none'; frame-src 'none'; worker-src 'none'; manifest-src 'none'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
)

bp = Blueprint("mail", __name__, url_prefix="/admin/outbox")


def _filters(form: OutboxFilterForm) -> tuple[str, str]:
    """The state and kind chosen (empty: all); a value that is not a choice answers 400."""
    if not form.validate():
        name = next(iter(form.errors))
        allowed = STATES if name == "state" else KINDS
        params.bad(name, _("valeurs possibles : %(values)s.", values=", ".join(allowed)))
    return form.state.data or "", form.kind.data or ""


def messages(state: str, kind: str) -> sa.Select[tuple[OutboxMessage]]:
    """The messages of this state and kind (empty: any), newest first, without their bodies."""
    query = sa.select(OutboxMessage).options(defer(OutboxMessage.body_text), defer(OutboxMessage.body_html))
    if state:
        query = query.where(OutboxMessage.state == MessageState(state))
    if kind:
        query = query.where(OutboxMessage.kind == MessageKind(kind))
    return query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())


@bp.get("")
@role_required(Action.READ_OUTBOX)
def index() -> str:
    """The messages, newest first, 25 a page; the given-up ones counted at the top."""
    form = OutboxFilterForm(formdata=params.args())
    state, kind = _filters(form)
    page = db.paginate(messages(state, kind), page=params.page(), per_page=PER_PAGE, error_out=False)
    failed = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.state == MessageState.FAILED))
    return render_template(
        "mail_admin/index.html", form=form, page=page, failed=failed, states=STATES, kinds=KINDS,
        args=params.kept("page"), mail_server=current_app.config.get("MAIL_SERVER"),
    )


@bp.get("/<int:message_id>")
@role_required(Action.READ_OUTBOX)
def show(message_id: int) -> str:
    """One message: its headers, its plain text, a link to its HTML version; « Renvoyer » when given up."""
    return _show_page(get_outbox_message_or_404(message_id))


def _show_page(message: OutboxMessage) -> str:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    return render_template("mail_admin/show.html", message=message, sender=sender, states=STATES, kinds=KINDS)


@bp.get("/<int:message_id>/html")
@role_required(Action.READ_OUTBOX)
def html(message_id: int) -> Response:
    """The HTML version as sent, in a sandbox (MESSAGE_CSP)."""
    message = get_outbox_message_or_404(message_id)
    response = make_response(message.body_html)
    response.mimetype = "text/html"
    response.headers["Content-Security-Policy"] = MESSAGE_CSP
    return response


@bp.post("/<int:message_id>/resend")
@role_required(Action.READ_OUTBOX)
def resend(message_id: int) -> Response | tuple[str, int]:
    """Put a given-up message back in the queue (tries from zero); 409 when it is no longer given up."""
    message = locked(get_outbox_message_or_404(message_id))
    if message.state != MessageState.FAILED:
        flash(_("Ce message n'est plus abandonné (il a été renvoyé entre-temps) : rien n'a été changé."), "error")
        return _show_page(message), 409
    queue_again(message)
    db.session.commit()
    flash(_("Le message à %(email)s est de nouveau en attente d'envoi.", email=message.recipient), "success")
    return redirect(url_for("mail.show", message_id=message.id))
