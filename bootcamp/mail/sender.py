"""Delivering the outbox: claim what is due, talk SMTP with no transaction open, record each result.

Several senders may run at once (cron every minute on several machines): a message is claimed in a short
transaction (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED; SQLite: the transaction takes the write lock first),
set SENDING until `claimed_until`; only then is the SMTP server spoken to, one connection per batch; each result is
recorded in a short transaction that checks the claim is still ours. A sender that dies leaves its messages SENDING:
once their claim has passed, another sender takes them over. A batch stops well before its claim ends (the rest goes
back to the queue), so that no message is ever taken over while its first sender may still send it.

- Sent: SENT, and the stored bodies lose their tokens (tokens.redact): the database keeps no usable link.
- Refused for good by the server (a 5xx answer to the recipient or to the message): FAILED at once (a bounce).
- Anything else (server down, connection dropped, timeout, a 4xx answer): tried again later, waiting longer each
  time (BACKOFF), and given up (FAILED) after MAIL_MAX_ATTEMPTS tries.
"""

import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_mailman import EmailMultiAlternatives

from .. import tokens
from ..extensions import db, mailman
from ..models import MessageState, OutboxMessage
from ..models.base import utcnow
from ..transactions import end_transaction, write_transaction

LEASE = timedelta(minutes=10)  # how long a claim holds; a batch stops sending at half of it
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12))
DEFAULT_LIMIT = 200  # messages a run sends at most (the rest waits for the next minute's run)
MAX_LIMIT = 10_000
ERROR_LENGTH = 500  # OutboxMessage.last_error


@dataclass
class SendReport:
    """What a run did: messages sent, to try again later, given up."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


@dataclass
class Claimed:
    """A claimed message, as read when claimed (no session object is kept while SMTP talks)."""

    id: int
    recipient: str
    subject: str
    body_text: str
    body_html: str
    locale: str
    attempts: int


@dataclass
class Result:
    message: Claimed
    state: MessageState | None  # SENT, FAILED (refused for good), None: a temporary failure
    error: str | None = None


def _due(now: datetime) -> sa.ColumnElement[bool]:
    """Waiting and due, or claimed by a sender whose claim has passed (it died)."""
    return sa.or_(
        sa.and_(OutboxMessage.state == MessageState.QUEUED, OutboxMessage.due_at <= now),
        sa.and_(OutboxMessage.state == MessageState.SENDING, OutboxMessage.claimed_until < now),
    )


def claim(limit: int) -> tuple[list[Claimed], datetime | None]:
    """Take up to `limit` due messages for this sender, oldest due first, in one short committed transaction:
    they are SENDING until the returned claim time, and no other sender takes them before it."""
    now = utcnow()
    until = now + LEASE
    with write_transaction():
        query = sa.select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.due_at, OutboxMessage.id)
        if db.engine.dialect.name != "sqlite":
            query = query.with_for_update(skip_locked=True)
        ids = list(db.session.scalars(query.limit(limit)))
        if not ids:
            return [], None
        taken = db.session.execute(  # the condition again: only what is still due becomes ours
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), _due(now))
            .values(state=MessageState.SENDING, claimed_until=until)
            .returning(
                OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.body_text,
                OutboxMessage.body_html, OutboxMessage.locale, OutboxMessage.attempts,
            ),
            execution_options={"synchronize_session": False},
        ).all()
    order = {message_id: position for position, message_id in enumerate(ids)}
    return sorted((Claimed(*row) for row in taken), key=lambda message: order[message.id]), until


def one_line(error: BaseException) -> str:
    """The server's answer or the network error, on one line, with no token and no password."""
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        code, answer = next(iter(error.recipients.values()))
        text = f"{code} {_decoded(answer)}"
    elif isinstance(error, smtplib.SMTPResponseException):
        text = f"{error.smtp_code} {_decoded(error.smtp_error)}"
    else:
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    password = current_app.config.get("MAIL_PASSWORD")
    if password:
        text = text.replace(password, "***")
    return tokens.redact(" ".join(text.split()))[:ERROR_LENGTH]


def _decoded(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def is_permanent(error: BaseException) -> bool:
    """A refusal for good of this recipient or this message (5xx); a 5xx to our own sender address is a setting
    to fix, not the recipient's bounce: it is tried again."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(500 <= code < 600 for code, _answer in error.recipients.values())
    if isinstance(error, smtplib.SMTPSenderRefused):
        return False
    if isinstance(error, (smtplib.SMTPDataError, smtplib.SMTPResponseException)):
        return 500 <= error.smtp_code < 600 and not isinstance(error, smtplib.SMTPAuthenticationError)
    return False


def _connection() -> Any:
    """An SMTP connection (Flask-Mailman's SMTP backend) with the settings as they are now, opened."""
    config = current_app.config
    connection = mailman.get_connection(
        backend="smtp",
        host=config["MAIL_SERVER"],
        port=config["MAIL_PORT"],
        username=config["MAIL_USERNAME"] or "",
        password=config["MAIL_PASSWORD"] or "",
        use_tls=bool(config["MAIL_USE_TLS"]) and not config["MAIL_USE_SSL"],  # SSL replaces STARTTLS (on by default)
        use_ssl=bool(config["MAIL_USE_SSL"]),
        timeout=config["MAIL_TIMEOUT"],
    )
    connection.open()
    return connection


def _close(connection: Any) -> None:
    try:
        connection.close()
    except (smtplib.SMTPException, OSError):
        connection.connection = None


def _email(message: Claimed, connection: Any) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[message.recipient],
        connection=connection,
        headers={"Auto-Submitted": "auto-generated", "Content-Language": message.locale},
    )
    email.attach_alternative(message.body_html, "text/html")
    return email


def deliver(messages: list[Claimed]) -> tuple[list[Result], list[Claimed]]:
    """Send each message on one connection (opened again after a dropped one): the results, and the messages
    left unsent because the batch ran out of time (they go back to the queue as they were)."""
    results: list[Result] = []
    connection = None
    deadline = time.monotonic() + LEASE.total_seconds() / 2
    for index, message in enumerate(messages):
        if time.monotonic() > deadline:
            return results, messages[index:]
        try:
            connection = connection or _connection()
        except (smtplib.SMTPException, OSError) as error:  # the server cannot be reached: the same for the rest
            return results + [Result(rest, None, one_line(error)) for rest in messages[index:]], []
        try:
            _email(message, connection).send()
        except (smtplib.SMTPException, OSError) as error:
            permanent = is_permanent(error)
            results.append(Result(message, MessageState.FAILED if permanent else None, one_line(error)))
            if not permanent:  # the connection may be gone or in an unknown state: a new one for the next
                _close(connection)
                connection = None
            continue
        results.append(Result(message, MessageState.SENT))
    if connection is not None:
        _close(connection)
    return results, []


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try after `attempts` failed ones."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def _values(result: Result, now: datetime, max_attempts: int) -> dict[str, Any]:
    attempts = result.message.attempts + 1
    if result.state == MessageState.SENT:
        text, html = tokens.redact_message(result.message.body_text, result.message.body_html)
        return {
            "state": MessageState.SENT, "sent_at": now, "attempts": attempts, "claimed_until": None,
            "last_error": None, "body_text": text, "body_html": html,
        }
    if result.state == MessageState.FAILED or attempts >= max_attempts:
        return {
            "state": MessageState.FAILED, "failed_at": now, "attempts": attempts, "claimed_until": None,
            "last_error": result.error,
        }
    return {
        "state": MessageState.QUEUED, "due_at": now + backoff(attempts), "attempts": attempts,
        "claimed_until": None, "last_error": result.error,
    }


def record(results: list[Result], unsent: list[Claimed], until: datetime) -> SendReport:
    """Write each result in one short transaction, on the messages still claimed by this sender."""
    report = SendReport()
    now = utcnow()
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    ours = sa.and_(OutboxMessage.state == MessageState.SENDING, OutboxMessage.claimed_until == until)
    with write_transaction():
        for result in results:
            values = _values(result, now, max_attempts)
            db.session.execute(
                sa.update(OutboxMessage).where(OutboxMessage.id == result.message.id, ours).values(**values),
                execution_options={"synchronize_session": False},
            )
            state = values["state"]
            report.sent += state == MessageState.SENT
            report.failed += state == MessageState.FAILED
            report.retrying += state == MessageState.QUEUED
        if unsent:
            db.session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id.in_([message.id for message in unsent]), ours)
                .values(state=MessageState.QUEUED, claimed_until=None),
                execution_options={"synchronize_session": False},
            )
    return report


def send_due(limit: int = DEFAULT_LIMIT) -> SendReport:
    """Deliver up to `limit` due messages (nothing without MAIL_SERVER: they stay in the outbox)."""
    if not current_app.config.get("MAIL_SERVER"):
        return SendReport()
    messages, until = claim(limit)
    if not messages:
        return SendReport()
    end_transaction()  # no transaction open while SMTP talks
    results, unsent = deliver(messages)
    return record(results, unsent, until)


def waiting() -> int:
    """How many messages are waiting to be sent (queued or being sent)."""
    states = (MessageState.QUEUED, MessageState.SENDING)
    return db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.state.in_(states))) or 0


def resend(message: OutboxMessage) -> None:
    """A given-up message back to the queue, due now, with its tries counted from zero (the caller commits)."""
    message.state, message.attempts, message.due_at = MessageState.QUEUED, 0, utcnow()
    message.failed_at = message.claimed_until = None
