"""One-time tokens for links: random, kept only as their SHA-256, valid for a while, used once.

Password links, follow-up links and questionnaire links use them (`purpose` tells them apart, `subject` says
what a token is about). A token travels in a URL path, so the access logs write such paths `[redacted]`: the
werkzeug filter below for the development server, gunicorn.conf.py's logger class in production.
"""

import hashlib
import logging
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa

from .extensions import db
from .models import OneTimeToken, utcnow

# URL paths whose next segment is a token, in links handed out (a new kind of link adds its prefix here).
TOKEN_PATHS = ("/password/", "/followup/", "/survey/", "/unsubscribe/", "/tutor/")
_TOKEN_IN_PATH = re.compile("(" + "|".join(re.escape(prefix) for prefix in TOKEN_PATHS) + r")[^/?#\s\"']+")
KEPT_AFTER_EXPIRY = timedelta(days=1)
# An email's unsubscribe link has a token of its own (a token opens one form and nothing else): its purpose says what
# the link's subject is, a follow-up request or a questionnaire invitation. It lives as long as the message's link.
UNSUBSCRIBE = {"follow_up": "stop_follow_up", "survey": "stop_survey"}


def digest(token: str) -> str:
    """The SHA-256 of a token, as stored: a database copy does not open the links."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(purpose: str, validity: timedelta, user_id: int | None = None, subject: str | None = None) -> str:
    """Make a token; the user's earlier tokens for the same purpose stop working. The caller commits."""
    now = utcnow()
    if user_id is not None:
        revoke(purpose, user_id)
    db.session.execute(sa.delete(OneTimeToken).where(OneTimeToken.expires_at < now - KEPT_AFTER_EXPIRY))
    token = secrets.token_urlsafe(32)
    db.session.add(
        OneTimeToken(
            purpose=purpose,
            user_id=user_id,
            subject=subject,
            token_hash=digest(token),
            created_at=now,
            expires_at=now + validity,
        )
    )
    return token


def _usable(purpose: str, token_hash: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        OneTimeToken.purpose == purpose,
        OneTimeToken.token_hash == token_hash,
        OneTimeToken.used_at.is_(None),
        OneTimeToken.expires_at > utcnow(),
    )


def find(purpose: str, token_hash: str) -> OneTimeToken | None:
    """The token with this hash if it is still usable: for this purpose, not used, not expired."""
    return db.session.scalar(sa.select(OneTimeToken).where(_usable(purpose, token_hash)))


def use(purpose: str, token_hash: str) -> bool:
    """Mark the token used, if it still is usable; one statement, so two requests at once cannot both use it."""
    used = db.session.execute(
        sa.update(OneTimeToken).where(_usable(purpose, token_hash)).values(used_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return used.rowcount == 1


def revoke(purpose: str, user_id: int) -> None:
    """Void every token of the user for this purpose (a newer one is made, the password changed)."""
    db.session.execute(
        sa.delete(OneTimeToken).where(OneTimeToken.purpose == purpose, OneTimeToken.user_id == user_id),
        execution_options={"synchronize_session": False},
    )


def revoke_subject(purpose: str, subject: str) -> None:
    """Delete every token of this purpose about `subject` (a questionnaire answered: its links go)."""
    db.session.execute(
        sa.delete(OneTimeToken).where(OneTimeToken.purpose == purpose, OneTimeToken.subject == subject),
        execution_options={"synchronize_session": False},
    )


def redact(text: str) -> str:
    """`text` with the token of every token-carrying path replaced by [redacted]."""
    return _TOKEN_IN_PATH.sub(r"\1[redacted]", text)


def redact_message(text: str, html: str) -> tuple[str, str]:
    """A delivered email's two bodies without their links' tokens: [redacted] in the text, `redacted` in the HTML
    (a link must stay a valid URL; it opens the plain page of a dead link)."""
    return redact(text), _TOKEN_IN_PATH.sub(r"\1redacted", html)


class RedactTokens(logging.Filter):
    """Keep tokens out of werkzeug's request log (the development server)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def redact_werkzeug_log() -> None:
    """Install the filter on werkzeug's logger, once per process."""
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(each, RedactTokens) for each in werkzeug.filters):
        werkzeug.addFilter(RedactTokens())
