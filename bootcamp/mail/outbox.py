"""Writing to the outbox: a message rendered in its recipient's language, added in the caller's transaction."""

from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from ..extensions import db
from ..i18n import LANGUAGES
from ..models import Learner, MessageKind, OutboxMessage, User

# Asking people by email (follow-ups, questionnaires): reminders this many days after the first message while no
# answer came, three messages at most.
REMINDER_DAYS = (7, 14)
MAX_MESSAGES = 1 + len(REMINDER_DAYS)


def locale_of(user: User | None) -> str:
    """The language a person reads their emails in: the one they chose with the footer's switch, else French."""
    chosen = user.locale if user is not None else None
    return chosen if chosen in LANGUAGES else current_app.config["BABEL_DEFAULT_LOCALE"]


def learner_locale(learner: Learner) -> str:
    return locale_of(learner.user)


def queue(kind: MessageKind, recipient: str, subject: Any, template: str, locale: str, **context: Any) -> OutboxMessage:
    """Add a message to the outbox, rendered in `locale` (`subject` is a lazy string, translated there too).
    The caller commits it with what caused it."""
    if locale not in LANGUAGES:
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    context.setdefault("organisation", current_app.config["ORGANISATION_NAME"])
    with force_locale(locale):
        title = " ".join(str(subject).split())
        context["subject"] = title
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    message = OutboxMessage(
        kind=kind, recipient=recipient.strip(), subject=title[:250], body_text=text, body_html=html, locale=locale
    )
    db.session.add(message)
    db.session.flush()
    return message
