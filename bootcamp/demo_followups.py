"""Demo data of the follow-ups asked by email (issue 17): leavers' personal addresses and consent, and the last weeks
of `flask followups send` replayed, so that /outcomes/due shows every state and /admin/outbox the messages.

Drawn with a generator of its own (like demo_attendance), so the rest of the demo does not move. Most leavers give
a personal address and agree to be contacted; some refuse, a few give no personal address (their school one is
used). The sending is replayed weekly from 40 to 12 days before today, then 3 days before: first messages, then
reminders; those messages count as delivered, a few refused by the server (« adresse en échec »). Some learners
answered through their link (declared, a manager confirmed some, the others wait « à confirmer »), a few
unsubscribed. Today's `flask followups send` then has real work: the reminders due, and the points fallen due since
the last run.
"""

import random
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from . import tokens
from .extensions import db
from .followups.services import send_due
from .models import (
    Enrolment,
    FollowUpRequest,
    Learner,
    MessageKind,
    MessageState,
    OutboxMessage,
    Outcome,
    OutcomeSource,
    Situation,
)

REPLAYED_DAYS = (40, 33, 26, 19, 12, 3)  # the runs of `flask followups send` replayed, days before today
ANSWERED, BOUNCED, UNSUBSCRIBED = 0.3, 0.08, 0.05
DECLARED = [Situation.CDI, Situation.CDD_LONG, Situation.CDD_SHORT, Situation.WORK_STUDY, Situation.TRAINING,
            Situation.JOB_SEARCH]
CITIES = ["Mende", "Rodez", "Millau", "Toulouse", "Montpellier", "Marvejols"]


def _contacts(rnd: random.Random) -> None:
    """Personal addresses and consent of the leavers: most agree, some refuse, a few give no personal address."""
    leavers = db.session.scalars(
        sa.select(Learner).join(Enrolment, Enrolment.learner_id == Learner.id).where(Enrolment.is_leaver)
        .order_by(Learner.id)
    ).all()
    for learner in leavers:
        draw = rnd.random()
        learner.contact_consent = draw < 0.85
        if draw < 0.8 or draw >= 0.9:  # 0.80-0.85: agreed, school address only; 0.85-0.90: refused, no address
            local = (learner.email or f"learner.{learner.id}@example.net").split("@")[0]
            learner.personal_email = f"{local}.perso@example.com"


def _replay(today: date) -> None:
    """The sending of the last weeks, its messages delivered (at the time of their run)."""
    for days in REPLAYED_DAYS:
        day = today - timedelta(days=days)
        first_new = (db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0) + 1
        send_due(day)
        moment = datetime.combine(day, time(7, 30))
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id >= first_new, OutboxMessage.kind == MessageKind.FOLLOW_UP)
            .values(created_at=moment, due_at=moment, state=MessageState.SENT, sent_at=moment, attempts=1)
        )
        delivered = sa.select(OutboxMessage).where(
            OutboxMessage.id >= first_new, OutboxMessage.state == MessageState.SENT
        )
        for message in db.session.scalars(delivered):  # as the sender leaves them: no usable link once delivered
            message.body_text, message.body_html = tokens.redact_message(message.body_text, message.body_html)
        db.session.execute(
            sa.update(FollowUpRequest).where(FollowUpRequest.first_sent_at >= datetime.combine(day, time.min),
                                             FollowUpRequest.first_sent_at < datetime.combine(day, time.max))
            .values(first_sent_at=moment)
        )
        db.session.execute(
            sa.update(FollowUpRequest).where(FollowUpRequest.last_sent_at >= datetime.combine(day, time.min),
                                             FollowUpRequest.last_sent_at < datetime.combine(day, time.max))
            .values(last_sent_at=moment)
        )


def _answer(request: FollowUpRequest, rnd: random.Random, confirmed_by: int | None) -> None:
    """The learner answers through their link a day or two after the last message; confirmed by `confirmed_by`."""
    answered = (request.last_sent_at or datetime.now()) + timedelta(days=rnd.randint(0, 2), hours=rnd.randint(1, 9))
    situation = rnd.choice(DECLARED)
    working = situation not in (Situation.JOB_SEARCH, Situation.TRAINING)
    outcome = Outcome(
        enrolment_id=request.enrolment_id,
        point=request.point,
        situation=situation,
        employer=rnd.choice(["Lozère Web", "Causses Digital", "Aveyron Data", "Studio Tarn"]) if working else "",
        job_title=rnd.choice(["Développeur·se web", "Intégrateur·rice", "Technicien·ne support"]) if working else "",
        digital=rnd.random() < 0.75 if working else None,
        city=rnd.choice(CITIES) if working else "",
        recorded_by_id=None,
        recorded_at=answered,
        source=OutcomeSource.LEARNER,
    )
    if confirmed_by is not None:
        outcome.confirmed_by_id, outcome.confirmed_at = confirmed_by, answered + timedelta(days=1)
    db.session.add(outcome)
    request.answered_at = answered


def _fates(count: int, rnd: random.Random) -> list[str]:
    """How each of `count` requests ended, in shares (at least one of each when there are enough), shuffled."""
    shares = {"answered": ANSWERED, "bounced": BOUNCED, "unsubscribed": UNSUBSCRIBED}
    fates = [fate for fate, share in shares.items() for _ in range(max(1, round(count * share)))][:count]
    fates += ["waiting"] * (count - len(fates))
    rnd.shuffle(fates)
    return fates


def add_followups(today: date, rnd: random.Random, manager_id: int) -> None:
    """Contacts, the replayed sending, and how each request ended (answered, bounced, unsubscribed, waiting)."""
    _contacts(rnd)
    db.session.flush()
    _replay(today)
    requests = db.session.scalars(sa.select(FollowUpRequest).order_by(FollowUpRequest.id)).all()
    answered = 0
    for request, fate in zip(requests, _fates(len(requests), rnd)):
        if fate == "answered":
            _answer(request, rnd, manager_id if answered % 3 == 0 else None)
            answered += 1
        elif fate == "bounced":
            message = db.session.get(OutboxMessage, request.last_message_id)
            message.state, message.sent_at, message.failed_at = MessageState.FAILED, None, message.created_at
            message.last_error = "550 5.1.1 Mailbox unavailable"
        elif fate == "unsubscribed":
            request.unsubscribed_at = (request.last_sent_at or datetime.now()) + timedelta(hours=rnd.randint(1, 48))
            request.enrolment.learner.contact_consent = False
    db.session.flush()
