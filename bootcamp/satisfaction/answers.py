"""The anonymous answer: who may answer (a usable link of an open, unanswered invitation), and recording it with
the coarse profile only. Nothing here logs or audits anything about the person or the answer."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from .. import tokens
from ..extensions import db
from ..models import OVERALL, Enrolment, PublicFlag, SurveyCampaign, SurveyInvitation, SurveyResponse, SurveyScore
from ..transactions import locked
from .sending import TOKEN_PURPOSE

COMMENT_MAX = 2000


def invitation_from_link(token_hash: str, today: date) -> SurveyInvitation | None:
    """The invitation a link opens, if it can still be answered: the token usable, the campaign open, no answer
    yet; else None (one answer for every reason, so a link says nothing about why)."""
    token = tokens.find(TOKEN_PURPOSE, token_hash)
    if token is None or token.subject is None or not token.subject.isdigit():
        return None
    invitation = db.session.scalar(
        sa.select(SurveyInvitation)
        .options(
            joinedload(SurveyInvitation.campaign).joinedload(SurveyCampaign.cohort),
            joinedload(SurveyInvitation.enrolment).joinedload(Enrolment.learner),
        )
        .where(SurveyInvitation.id == int(token.subject))
    )
    if invitation is None or invitation.answered or today > invitation.campaign.closes_on:
        return None
    return invitation


def record_answer(invitation: SurveyInvitation, scores: dict[str, int], comment: str) -> bool:
    """Record the answer, once: the invitation's row is locked and read again, so two submits at once make one
    response. The response keeps the campaign, the profile the breakdowns need (gender, age band, public flags)
    and the scores, nothing that leads back to the person. False if it was answered meanwhile. The caller
    commits."""
    locked(invitation)
    if invitation.answered:
        return False
    enrolment = invitation.enrolment
    learner = enrolment.learner
    flags = learner.flags
    response = SurveyResponse(
        campaign_id=invitation.campaign_id,
        gender=learner.gender,
        age_band=enrolment.age_band,
        overall=scores[OVERALL],
        comment=comment.strip()[:COMMENT_MAX],
        **{flag.value: flag in flags for flag in PublicFlag},
    )
    response.scores = [SurveyScore(key=key, score=score) for key, score in scores.items()]
    db.session.add(response)
    invitation.answered = True
    # Its links go, rather than being marked used: a token's time of use, beside the order of the answers, would
    # tell whose answer is whose.
    tokens.revoke_subject(TOKEN_PURPOSE, str(invitation.id))
    db.session.flush()
    return True
