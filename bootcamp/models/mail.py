"""The outbox: every email is a row written in the same transaction as what caused it; `flask mail send` delivers."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import str_enum, utcnow


class MessageKind(enum.StrEnum):
    """What a message is for (the outbox page filters on it; follow-ups and surveys find theirs)."""

    PASSWORD_RESET = "password_reset"  # « mot de passe oublié »
    ACCOUNT = "account"  # a new account's link to choose a password
    FOLLOW_UP = "follow_up"  # a leaver's follow-up question (and its reminders)
    SURVEY = "survey"  # a satisfaction questionnaire (and its reminders)
    TUTOR_REVIEW = "tutor_review"  # a company tutor's form, mid-placement or at the end (and its reminders)


class MessageState(enum.StrEnum):
    QUEUED = "queued"  # to send at `due_at` (a first try, or a retry after a failure)
    SENDING = "sending"  # claimed by a sender until `claimed_until` (then claimable again: the sender died)
    SENT = "sent"
    FAILED = "failed"  # given up: refused for good by the server (a bounce), or MAIL_MAX_ATTEMPTS tries failed


class OutboxMessage(db.Model):
    """An email to send: plain text and simple HTML, already in the recipient's language."""

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_state_due_at", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind, "message_kind"))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(250))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    locale: Mapped[str] = mapped_column(sa.String(16), default="fr", server_default="fr")
    state: Mapped[MessageState] = mapped_column(
        str_enum(MessageState, "message_state"), default=MessageState.QUEUED, server_default=MessageState.QUEUED.value
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)  # the next try
    claimed_until: Mapped[datetime | None]  # while SENDING: another sender may take it after this
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(sa.String(500))  # the server's answer, one line
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
