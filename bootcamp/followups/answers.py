"""What a learner's personal link opens, and what they do there: answer their follow-up, or stop the messages.

A follow-up link (token purpose « follow_up », subject the FollowUpRequest id) opens that one request; a
questionnaire link (« survey », subject the SurveyInvitation id) opens only its unsubscribe page here. The answer is
the learner's until the school takes it over: a manager confirms it, or the staff record the point themselves.
"""

import enum
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..audit import record, snapshot
from ..extensions import db
from ..models import (
    EMPLOYMENT_SITUATIONS,
    Cohort,
    Enrolment,
    FollowUpRequest,
    Outcome,
    OutcomeSource,
    Situation,
    SurveyInvitation,
    utcnow,
)
from ..tokens import UNSUBSCRIBE, find
from ..transactions import locked

FOLLOW_UP = "follow_up"  # the token purpose of follow-up links (bootcamp/followups/services.py issues them)
SURVEY = "survey"  # the token purpose of questionnaire links (bootcamp/satisfaction)
UNSUBSCRIBE_PURPOSES = (UNSUBSCRIBE[FOLLOW_UP], UNSUBSCRIBE[SURVEY])  # an unsubscribe link's own tokens
# Situations that have an employer or a school, a title, a start date and a place; the others have none of these.
WITH_DETAILS = frozenset({*EMPLOYMENT_SITUATIONS, Situation.TRAINING})
ANSWER_FIELDS = ("point", "situation", "employer", "job_title", "digital", "start_date", "city", "source")
MAX_SUBJECT = 2**31 - 1  # a subject that cannot be an id opens nothing


class Standing(enum.StrEnum):
    """Where the point stands for the learner: theirs to answer or correct, or the school's."""

    OPEN = "open"  # not answered yet, or answered by them and not yet checked: the form
    CONFIRMED = "confirmed"  # their answer, checked by the school: read-only
    SCHOOL = "school"  # recorded (or corrected) by the staff: the page says the school has it


@dataclass(frozen=True)
class Answer:
    """What the learner says of their situation; the details only where the situation has them."""

    situation: Situation
    employer: str = ""
    job_title: str = ""
    digital: bool | None = None
    start_date: date | None = None
    city: str = ""

    def kept(self) -> "Answer":
        """The answer without the details its situation cannot have (a job seeker has no employer)."""
        return self if self.situation in WITH_DETAILS else Answer(self.situation)


def _subject_id(subject: str | None) -> int | None:
    if subject is None or not (subject.isascii() and subject.isdigit()) or int(subject) > MAX_SUBJECT:
        return None
    return int(subject)


def request_from_link(token_hash: str, purpose: str = FOLLOW_UP) -> FollowUpRequest | None:
    """The follow-up request a usable token of `purpose` (the answer link's, or its unsubscribe link's) opens, with
    its learner, cohort and programme; None if the token is unknown or expired, or the request or its exit is gone
    (the exit undone, the enrolment deleted)."""
    token = find(purpose, token_hash)
    request_id = _subject_id(token.subject) if token else None
    if request_id is None:
        return None
    request = db.session.scalar(
        sa.select(FollowUpRequest)
        .options(
            joinedload(FollowUpRequest.enrolment).joinedload(Enrolment.learner),
            joinedload(FollowUpRequest.enrolment).joinedload(Enrolment.cohort).joinedload(Cohort.programme),
        )
        .where(FollowUpRequest.id == request_id)
    )
    return request if request is not None and request.enrolment.is_leaver else None


def invitation_from_link(token_hash: str, purpose: str = SURVEY) -> SurveyInvitation | None:
    """The questionnaire invitation a usable token of `purpose` opens, with its learner; None otherwise."""
    token = find(purpose, token_hash)
    invitation_id = _subject_id(token.subject) if token else None
    if invitation_id is None:
        return None
    return db.session.scalar(
        sa.select(SurveyInvitation)
        .options(joinedload(SurveyInvitation.enrolment).joinedload(Enrolment.learner))
        .where(SurveyInvitation.id == invitation_id)
    )


def unsubscribe_target(purpose: str, token_hash: str) -> FollowUpRequest | SurveyInvitation | None:
    """What an unsubscribe link of this purpose stops: a follow-up request or a questionnaire invitation."""
    if purpose == UNSUBSCRIBE[FOLLOW_UP]:
        return request_from_link(token_hash, purpose)
    if purpose == UNSUBSCRIBE[SURVEY]:
        return invitation_from_link(token_hash, purpose)
    return None


def current_outcome(request: FollowUpRequest) -> Outcome | None:
    """The outcome recorded for the request's point, as the database holds it now."""
    return db.session.scalar(
        sa.select(Outcome)
        .where(Outcome.enrolment_id == request.enrolment_id, Outcome.point == request.point)
        .execution_options(populate_existing=True)
    )


def standing(outcome: Outcome | None) -> Standing:
    if outcome is None or (outcome.source == OutcomeSource.LEARNER and outcome.confirmed_at is None):
        return Standing.OPEN
    return Standing.CONFIRMED if outcome.source == OutcomeSource.LEARNER else Standing.SCHOOL


def save_answer(request: FollowUpRequest, answer: Answer) -> Outcome | None:
    """Record the learner's answer as the outcome of the request's point, or their correction of it; audited with
    no actor (the learner has no account here). None, with nothing changed, when the point is no longer theirs
    (checked or recorded by the school meanwhile) or the exit was undone. The caller commits.

    The enrolment's row is locked first: two answers sent at once (a double tap) make one outcome, the second
    correcting the first, and a manager's confirmation is either before (the answer is refused) or after."""
    enrolment = locked(request.enrolment)
    outcome = current_outcome(request)
    if not enrolment.is_leaver or standing(outcome) != Standing.OPEN:
        return None
    before = None if outcome is None else snapshot(outcome, ANSWER_FIELDS)
    if outcome is None:
        outcome = Outcome(enrolment_id=enrolment.id, point=request.point)
        db.session.add(outcome)
    kept = answer.kept()
    outcome.situation, outcome.employer, outcome.job_title = kept.situation, kept.employer, kept.job_title
    outcome.digital, outcome.start_date, outcome.city = kept.digital, kept.start_date, kept.city
    outcome.source, outcome.recorded_by_id = OutcomeSource.LEARNER, None
    after = snapshot(outcome, ANSWER_FIELDS)
    now = utcnow()
    if after != before:
        outcome.recorded_at = now
        db.session.flush()
        action = "create" if before is None else "update"
        event = record("outcome", outcome.id, action, before, after, learner_id=enrolment.learner_id)
        event.actor_id = None  # the learner, by their link: whoever is logged in in this browser did not do it
    request.answered_at = request.answered_at or now
    return outcome


def stop_messages(target: FollowUpRequest | SurveyInvitation) -> None:
    """Stop the messages: the learner withdraws their consent to be contacted (audited, no actor), and none of their
    follow-up requests or questionnaire invitations sends anything more (a « à chaud » questionnaire needs no
    consent: its invitation is stopped here). Doing it again changes nothing. The caller commits."""
    learner = locked(target.enrolment.learner)
    if learner.contact_consent:
        learner.contact_consent = False
        before, after = {"contact_consent": True}, {"contact_consent": False}
        record("learner", learner.id, "update", before, after, learner_id=learner.id).actor_id = None
    theirs = sa.select(Enrolment.id).where(Enrolment.learner_id == learner.id)
    now = utcnow()
    for model in (FollowUpRequest, SurveyInvitation):
        db.session.execute(
            sa.update(model)
            .where(model.enrolment_id.in_(theirs), model.unsubscribed_at.is_(None))
            .values(unsubscribed_at=now)
            .execution_options(synchronize_session="fetch")
        )
