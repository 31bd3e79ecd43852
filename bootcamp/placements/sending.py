"""Asking the company tutors for their forms by email (`flask placements send`, daily; « Envoyer le lien
maintenant » on a placement's page, from the form's due day only): the first message on the form's due day,
reminders 7 and 14 days later, three messages at most. Never before the due day (the last day of the period the
form covers): the tutor would confirm days still to come.

Who is asked: the tutor of a placement whose learner has not dropped out, for a form not answered, due (its middle
or last day has come) and due within the last WINDOW_DAYS days (older ones the staff phone). A reminder goes only
while the form is unanswered and the last message was not refused (a bounced address is not written to again:
the staff correct it and send the link by hand). Each message carries a new link, valid LINK_VALIDITY; the
earlier links of the form stop working. Tutors have no account: the messages are in French.
"""

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from .. import dates, tokens
from ..audit import record
from ..extensions import db
from ..links import external_url
from ..mail.outbox import REMINDER_DAYS, queue
from ..models import (
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Learner,
    MessageKind,
    MessageState,
    OutboxMessage,
    Placement,
    ReviewStage,
    TutorReview,
    utcnow,
)
from ..transactions import lock_rows, locked

WINDOW_DAYS = 60  # a form due longer ago than this is not mailed: the staff phone
LINK_VALIDITY = timedelta(days=30)
TOKEN_PURPOSE = "tutor_review"  # subject: the TutorReview's id
LOCALE = "fr"  # tutors have no account, hence no language of their own


@dataclass(frozen=True)
class Sent:
    asked: int  # first messages
    reminded: int


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _moment(today: date) -> datetime:
    """When this run happens: now, or that day at this time for a run `--day`d."""
    now = utcnow()
    return now if today == dates.today() else datetime.combine(today, now.time())


def _next_message_due(today: date) -> sa.ColumnElement[bool]:
    """A first message (the form due within the window), or the reminder whose day has come: n messages sent, the
    first one REMINDER_DAYS[n - 1] days ago or more."""
    first = sa.and_(TutorReview.messages == 0, TutorReview.due_on >= today - timedelta(days=WINDOW_DAYS))
    reminders = [
        sa.and_(TutorReview.messages == sent, TutorReview.first_sent_at < _day_start(today - timedelta(days - 1)))
        for sent, days in enumerate(REMINDER_DAYS, start=1)
    ]
    return sa.or_(first, *reminders)


def _to_send(today: date, review_ids: list[int] | None = None) -> list[TutorReview]:
    """The forms whose next message is due `today`, with their placement, learner, cohort and its trainers."""
    query = (
        sa.select(TutorReview)
        .join(Placement, Placement.id == TutorReview.placement_id)
        .join(Enrolment, Enrolment.id == Placement.enrolment_id)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .outerjoin(OutboxMessage, OutboxMessage.id == TutorReview.last_message_id)
        .where(
            TutorReview.answered_at.is_(None),
            TutorReview.due_on <= today,
            _next_message_due(today),
            Enrolment.status != EnrolmentStatus.DROPPED,
            Learner.erased_at.is_(None),
            Placement.tutor_email != "",
            sa.or_(OutboxMessage.id.is_(None), OutboxMessage.state != MessageState.FAILED),
        )
        .options(
            contains_eager(TutorReview.placement).options(
                contains_eager(Placement.enrolment).options(
                    contains_eager(Enrolment.learner),
                    joinedload(Enrolment.cohort).options(
                        joinedload(Cohort.programme), selectinload(Cohort.trainers)
                    ),
                )
            )
        )
        .order_by(TutorReview.id)
        .execution_options(populate_existing=True)
    )
    if review_ids is not None:
        query = query.where(TutorReview.id.in_(review_ids))
    return list(db.session.scalars(query).unique())


def subject(review: TutorReview, reminder: bool) -> LazyString:
    """« Stage de Luc Lefèvre : votre bilan de mi-parcours » (or « de fin de stage »), « Rappel : » before it."""
    learner = review.placement.enrolment.learner
    name = f"{learner.first_name} {learner.last_name}"
    if review.stage == ReviewStage.MID:
        text = _l("Stage de %(name)s : votre bilan de mi-parcours", name=name)
    else:
        text = _l("Stage de %(name)s : votre bilan de fin de stage", name=name)
    return _l("Rappel : %(subject)s", subject=text) if reminder else text


def _send(review: TutorReview, moment: datetime) -> None:
    """Queue one message of `review` (the first, a reminder, or one sent by hand) with a new link, the earlier links
    revoked; the review counts it. The caller commits."""
    placement = review.placement
    enrolment = placement.enrolment
    tokens.revoke_subject(TOKEN_PURPOSE, str(review.id))
    token = tokens.issue(TOKEN_PURPOSE, LINK_VALIDITY, subject=str(review.id))
    reminder = review.messages > 0
    message = queue(
        MessageKind.TUTOR_REVIEW,
        placement.tutor_email,
        subject(review, reminder),
        "tutor_review",
        LOCALE,
        tutor_name=placement.tutor_name,
        learner=enrolment.learner,
        company=placement.company_name,
        programme=enrolment.cohort.programme.title,
        stage=review.stage.value,
        period_start=review.period_start,
        period_end=review.period_end,
        planned_days=review.planned_days,
        reminder=reminder,
        link=external_url("tutor.open_link", token=token),
        valid_days=LINK_VALIDITY.days,
        trainers=[trainer for trainer in enrolment.cohort.trainers if trainer.active],
        address=current_app.config["ORGANISATION_ADDRESS"].splitlines(),
    )
    review.recipient = placement.tutor_email
    review.messages += 1
    review.first_sent_at = review.first_sent_at or moment
    review.last_sent_at, review.last_message_id = moment, message.id


def send_due(today: date) -> Sent:
    """Queue the tutors' messages due `today`: first messages and reminders. Safe to run again the same day and from
    several machines: the forms' rows are locked, then what to send is read again. The caller commits."""
    ids = [review.id for review in _to_send(today)]
    if not ids:
        return Sent(0, 0)
    lock_rows(TutorReview, ids)
    due = _to_send(today, ids)  # as they are now that the rows are ours
    moment = _moment(today)
    asked = sum(1 for review in due if review.messages == 0)
    for review in due:
        _send(review, moment)
    return Sent(asked, len(due) - asked)


class SendNow(enum.StrEnum):
    SENT = "sent"
    ANSWERED = "answered"  # the form is answered: nothing sent
    NOT_DUE = "not_due"  # before the form's due day (the last day of its period): nothing sent


def send_now(review: TutorReview, today: date) -> SendNow:
    """Queue a message with a new link at once (the staff's button: the tutor lost it, the address was corrected,
    or the daily run has not gone yet), from the form's due day only: before it, the tutor would confirm days still to
    come. It counts as a message. Nothing is queued once the form is answered or before its due day. The caller
    commits."""
    locked(review)
    if review.answered_at is not None:
        return SendNow.ANSWERED
    if today < review.due_on:
        return SendNow.NOT_DUE
    db.session.scalars(  # what the message says, in one query
        sa.select(Placement)
        .options(
            joinedload(Placement.enrolment).options(
                joinedload(Enrolment.learner),
                joinedload(Enrolment.cohort).options(joinedload(Cohort.programme), selectinload(Cohort.trainers)),
            )
        )
        .where(Placement.id == review.placement_id)
    ).one()
    _send(review, utcnow())
    after = {"stage": review.stage.value, "recipient": review.recipient, "messages": review.messages}
    record("tutor_review", review.id, "send", None, after, learner_id=review.placement.enrolment.learner_id)
    return SendNow.SENT
