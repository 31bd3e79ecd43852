"""The demo's satisfaction questionnaires: the « à chaud » and « à froid » campaigns of the cohorts whose answering
time is over, with their invitations and anonymous answers (most satisfied, some free texts), drawn with a
generator of their own; then the last week's daily runs, as `flask followups send` made them (a cohort that ended
this week has its « à chaud » open, some answers in).

Called by demo.py once the learners' contact consent is drawn (demo_followups): the « à froid » asks only those who
agree, so it must come after.
"""

import random
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from . import tokens
from .extensions import db
from .mail.outbox import MAX_MESSAGES, REMINDER_DAYS
from .models import (
    OVERALL,
    Cohort,
    Enrolment,
    MessageState,
    OutboxMessage,
    PublicFlag,
    SurveyCampaign,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
    SurveyScore,
)
from .satisfaction.sending import TOKEN_PURPOSE, closing_day, open_campaign, send_due, window

ANSWER_SHARE = {SurveyKind.HOT: 0.8, SurveyKind.COLD: 0.45}  # a class answers in the room; months later, fewer
OVERALL_WEIGHTS = {5: 40, 4: 38, 3: 13, 2: 6, 1: 3}
COMMENT_SHARE = 0.3
REPLAYED_DAYS = range(7, 0, -1)  # the daily runs of `flask followups send` replayed, days before today
COMMENTS = [
    "Formation très intense mais passionnante, merci à toute l'équipe.",
    "Le stage m'a permis de trouver mon premier poste.",
    "J'aurais aimé plus de temps sur le back-end.",
    "Les projets en groupe étaient la meilleure partie.",
    "Un rythme difficile à tenir avec des enfants, mais l'équipe a été compréhensive.",
    "Plus d'accompagnement pour la recherche de stage serait utile.",
    "Bonne ambiance, formateurs disponibles.",
    "Certains cours allaient trop vite pour les débutants.",
    "Je recommande sans hésiter.",
    "Les locaux étaient un peu bruyants.",
]


def _score_near(overall: int, rnd: random.Random) -> int:
    return max(1, min(5, overall + rnd.choice((-1, 0, 0, 0, 1))))


def _answer(campaign: SurveyCampaign, enrolment: Enrolment, rnd: random.Random) -> SurveyResponse:
    learner = enrolment.learner
    overall = rnd.choices(list(OVERALL_WEIGHTS), weights=list(OVERALL_WEIGHTS.values()))[0]
    response = SurveyResponse(
        campaign_id=campaign.id,
        gender=learner.gender,
        age_band=enrolment.age_band,
        overall=overall,
        comment=rnd.choice(COMMENTS) if rnd.random() < COMMENT_SHARE else "",
        **{flag.value: flag in learner.flags for flag in PublicFlag},
    )
    response.scores = [
        SurveyScore(key=item["key"], score=overall if item["key"] == OVERALL else _score_near(overall, rnd))
        for item in campaign.statements
    ]
    return response


def _run(cohort: Cohort, kind: SurveyKind, rnd: random.Random) -> None:
    """The campaign as it went: opened on its first day, reminders to those who had not answered yet."""
    opening = window(cohort, kind).opens
    campaign = open_campaign(cohort, kind, opening)
    campaign.opened_at = datetime.combine(opening, time(7))
    for invitation in campaign.invitations:
        if invitation.recipient is None:
            continue
        answered = rnd.random() < ANSWER_SHARE[kind]
        invitation.messages = rnd.randint(1, MAX_MESSAGES) if answered else MAX_MESSAGES
        invitation.first_sent_at = campaign.opened_at
        days = ([0, *REMINDER_DAYS])[invitation.messages - 1]
        invitation.last_sent_at = campaign.opened_at + timedelta(days=days)
        if answered:
            invitation.answered = True
            db.session.add(_answer(campaign, invitation.enrolment, rnd))


def _replay(today: date, rnd: random.Random) -> None:
    """The daily runs of the last week (`flask followups send`): the campaigns they opened (a cohort that ended this
    week gets its « à chaud »), their messages delivered, and some answers already in."""
    for days in REPLAYED_DAYS:
        day = today - timedelta(days=days)
        first_new = (db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0) + 1
        first_campaign = (db.session.scalar(sa.select(sa.func.max(SurveyCampaign.id))) or 0) + 1
        send_due(day)
        moment = datetime.combine(day, time(7, 30))
        for campaign in db.session.scalars(sa.select(SurveyCampaign).where(SurveyCampaign.id >= first_campaign)):
            campaign.opened_at = moment
        for message in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id >= first_new)):
            message.created_at = message.due_at = message.sent_at = moment
            message.state, message.attempts = MessageState.SENT, 1
            message.body_text, message.body_html = tokens.redact_message(message.body_text, message.body_html)
    running = sa.select(SurveyInvitation).join(SurveyCampaign).where(
        SurveyCampaign.closes_on >= today, SurveyInvitation.messages > 0, SurveyInvitation.answered.is_(False)
    )
    for invitation in db.session.scalars(running.order_by(SurveyInvitation.id)):
        if rnd.random() < ANSWER_SHARE[invitation.campaign.kind] / 2:  # half of those who will, by now
            invitation.answered = True
            db.session.add(_answer(invitation.campaign, invitation.enrolment, rnd))
            tokens.revoke_subject(TOKEN_PURPOSE, str(invitation.id))


def add_satisfaction(cohorts: list[Cohort], today: date, seed: int) -> None:
    """Both campaigns of every cohort whose answering time is over by `today`, then the last week's daily runs,
    drawn with a generator of their own (seeded from the demo's seed)."""
    rnd = random.Random(f"satisfaction-{seed}")
    for cohort in cohorts:
        for kind in SurveyKind:
            if closing_day(cohort, kind, window(cohort, kind).opens) < today:
                _run(cohort, kind, rnd)
    db.session.flush()
    _replay(today, rnd)
    db.session.flush()
