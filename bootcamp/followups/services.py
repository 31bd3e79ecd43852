"""Asking leavers their follow-up points by email (`flask followups send`, daily): the first message when a point
falls due, reminders 7 and 14 days later, three messages at most; where each follow-up's asking stands.

Who is asked: a leaver who agreed to be contacted (Learner.contact_consent; unsubscribing withdraws it), with an
address (the personal one, else the learner's email), for a point due within the last WINDOW_DAYS days and not
recorded. Older points are phoned, not mailed. A reminder goes only while the point is unanswered (an outcome
recorded by anyone stops them), the learner still agrees, and the last message was not refused (a bounced address
is not written to again for that point). Each message carries a new link (older ones work until they expire).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, joinedload

from .. import dates, tokens
from ..extensions import db
from ..links import external_url
from ..mail.outbox import REMINDER_DAYS, learner_locale, queue
from ..models import (
    Cohort,
    Enrolment,
    FollowUpRequest,
    Learner,
    MessageKind,
    MessageState,
    OutboxMessage,
    Outcome,
    utcnow,
)
from ..outcomes.queries import DueFilters, missing_follow_ups
from ..transactions import lock_rows

WINDOW_DAYS = 60  # a point due longer ago than this is not mailed: the staff phone
LINK_VALIDITY = timedelta(days=30)
TOKEN_PURPOSE = "follow_up"


@dataclass(frozen=True)
class Sent:
    asked: int  # first messages
    reminded: int


def address(learner: Learner) -> str | None:
    """Where a learner's follow-ups go: the personal address, else the learner's email."""
    return learner.personal_email or learner.email


def window_start(today: date) -> date:
    """The earliest due date still asked by email."""
    return today - timedelta(days=WINDOW_DAYS)


def _reachable() -> sa.ColumnElement[bool]:
    return sa.and_(
        Learner.contact_consent.is_(True),
        Learner.erased_at.is_(None),
        sa.or_(Learner.personal_email.is_not(None), Learner.email.is_not(None)),
    )


def _to_ask(today: date, enrolment_ids: list[int] | None = None) -> list[tuple[Enrolment, int]]:
    """The follow-ups to ask for the first time: due within the window, not recorded, never asked."""
    query = missing_follow_ups(today, DueFilters(due_since=window_start(today), order="oldest"))
    point = query.selected_columns.point
    query = (
        query.outerjoin(
            FollowUpRequest, sa.and_(FollowUpRequest.enrolment_id == Enrolment.id, FollowUpRequest.point == point)
        )
        .where(FollowUpRequest.id.is_(None), _reachable())
        .options(
            contains_eager(Enrolment.learner).selectinload(Learner.user),
            contains_eager(Enrolment.cohort).joinedload(Cohort.programme),
        )
        .execution_options(populate_existing=True)
    )
    if enrolment_ids is not None:
        query = query.where(Enrolment.id.in_(enrolment_ids))
    return [(enrolment, row_point) for enrolment, row_point, _due in db.session.execute(query)]


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _to_remind(today: date, enrolment_ids: list[int] | None = None) -> list[FollowUpRequest]:
    """The requests whose next reminder is due: n messages sent, the first one REMINDER_DAYS[n - 1] days ago."""
    due = [
        sa.and_(
            FollowUpRequest.messages == sent, FollowUpRequest.first_sent_at < _day_start(today - timedelta(days - 1))
        )
        for sent, days in enumerate(REMINDER_DAYS, start=1)
    ]
    recorded = sa.and_(Outcome.enrolment_id == FollowUpRequest.enrolment_id, Outcome.point == FollowUpRequest.point)
    query = (
        sa.select(FollowUpRequest)
        .join(Enrolment, Enrolment.id == FollowUpRequest.enrolment_id)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .outerjoin(OutboxMessage, OutboxMessage.id == FollowUpRequest.last_message_id)
        .outerjoin(Outcome, recorded)
        .where(
            sa.or_(*due),
            FollowUpRequest.answered_at.is_(None),
            FollowUpRequest.unsubscribed_at.is_(None),
            Outcome.id.is_(None),
            Enrolment.is_leaver,
            _reachable(),
            sa.or_(OutboxMessage.id.is_(None), OutboxMessage.state != MessageState.FAILED),
        )
        .options(
            contains_eager(FollowUpRequest.enrolment).options(
                contains_eager(Enrolment.learner).selectinload(Learner.user),
                joinedload(Enrolment.cohort).joinedload(Cohort.programme),
            )
        )
        .order_by(FollowUpRequest.id)
        .execution_options(populate_existing=True)
    )
    if enrolment_ids is not None:
        query = query.where(FollowUpRequest.enrolment_id.in_(enrolment_ids))
    return list(db.session.scalars(query))


def _subject(point: int, reminder: bool) -> object:
    if point == 0:
        subject = _l("Votre situation à la fin de la formation")
    else:
        subject = _l("Où en êtes-vous, %(n)d mois après la formation ?", n=point)
    return _l("Rappel : %(subject)s", subject=subject) if reminder else subject


def _send(request: FollowUpRequest, moment: datetime) -> None:
    """Queue one message of `request` (the first or a reminder) with a new link; the request counts it."""
    learner = request.enrolment.learner
    recipient = address(learner) or ""
    token = tokens.issue(TOKEN_PURPOSE, LINK_VALIDITY, subject=str(request.id))
    stop = tokens.issue(tokens.UNSUBSCRIBE[TOKEN_PURPOSE], LINK_VALIDITY, subject=str(request.id))
    reminder = request.messages > 0
    message = queue(
        MessageKind.FOLLOW_UP,
        recipient,
        _subject(request.point, reminder),
        "follow_up",
        learner_locale(learner),
        first_name=learner.first_name,
        point=request.point,
        programme=request.enrolment.cohort.programme.title,
        reminder=reminder,
        link=external_url("followups.open_link", token=token),
        unsubscribe=external_url("followups.unsubscribe_link", token=stop),
        valid_days=LINK_VALIDITY.days,
    )
    request.recipient = recipient
    request.messages += 1
    request.first_sent_at = request.first_sent_at or moment
    request.last_sent_at, request.last_message_id = moment, message.id


def _moment(today: date) -> datetime:
    """When this run happens: now, or that day at this time for a run `--date`d."""
    now = utcnow()
    return now if today == dates.today() else datetime.combine(today, now.time())


def send_due(today: date) -> Sent:
    """Queue the follow-up messages due `today`: first messages and reminders. Safe to run again the same day and
    from several machines: the enrolments' rows are locked, then what to send is read again. The caller commits."""
    first, again = _to_ask(today), _to_remind(today)
    ids = sorted({enrolment.id for enrolment, _point in first} | {request.enrolment_id for request in again})
    if not ids:
        return Sent(0, 0)
    lock_rows(Enrolment, ids)
    first, again = _to_ask(today, ids), _to_remind(today, ids)  # as they are now that the rows are ours
    moment = _moment(today)
    for enrolment, point in first:
        request = FollowUpRequest(enrolment=enrolment, point=point, recipient=address(enrolment.learner) or "")
        db.session.add(request)
        db.session.flush()  # its id is the links' subject
        _send(request, moment)
    for request in again:
        _send(request, moment)
    return Sent(len(first), len(again))


@dataclass(frozen=True)
class Asking:
    """Where asking a follow-up by email stands, for /outcomes/due."""

    state: str  # not_contacted, sent, reminded, unsubscribed, answered, bounced
    reason: str | None = None  # why not contacted: no_consent, no_address, unsubscribed, outside_window, next_run
    on: datetime | None = None  # the first message, the last reminder, the answer, the unsubscription
    messages: int = 0


def _asked(request: FollowUpRequest, state: MessageState | None) -> Asking:
    if request.answered_at is not None:
        return Asking("answered", on=request.answered_at, messages=request.messages)
    if request.unsubscribed_at is not None:
        return Asking("unsubscribed", on=request.unsubscribed_at, messages=request.messages)
    if state == MessageState.FAILED:
        return Asking("bounced", on=request.last_sent_at, messages=request.messages)
    if request.messages > 1:
        return Asking("reminded", on=request.last_sent_at, messages=request.messages)
    return Asking("sent", on=request.first_sent_at, messages=request.messages)


def _not_asked(learner: Learner, unsubscribed: bool, due_date: date, today: date) -> Asking:
    if not learner.contact_consent or learner.erased_at is not None:
        return Asking("not_contacted", "unsubscribed" if unsubscribed else "no_consent")
    if address(learner) is None:
        return Asking("not_contacted", "no_address")
    if due_date < window_start(today):
        return Asking("not_contacted", "outside_window")
    return Asking("not_contacted", "next_run")


def asking(rows: list[tuple[Enrolment, int, date]], today: date) -> dict[tuple[int, int], Asking]:
    """Where asking stands for each (enrolment, point, due date) row, by (enrolment id, point), in one query; the
    rows' enrolments come with their learner."""
    ids = {enrolment.id for enrolment, _point, _due in rows}
    found = {}
    if ids:
        found = {
            (request.enrolment_id, request.point): (request, state)
            for request, state in db.session.execute(
                sa.select(FollowUpRequest, OutboxMessage.state)
                .outerjoin(OutboxMessage, OutboxMessage.id == FollowUpRequest.last_message_id)
                .where(FollowUpRequest.enrolment_id.in_(ids))
            )
        }
    unsubscribed = {key[0] for key, (request, _state) in found.items() if request.unsubscribed_at is not None}
    statuses = {}
    for enrolment, point, due_date in rows:
        if (enrolment.id, point) in found and found[enrolment.id, point][0].messages:
            statuses[enrolment.id, point] = _asked(*found[enrolment.id, point])
        else:
            statuses[enrolment.id, point] = _not_asked(enrolment.learner, enrolment.id in unsubscribed, due_date, today)
    return statuses
