"""What a tutor's link opens, and the answer they give there (no account: the link is their only key).

A link (token purpose « tutor_review », subject the TutorReview id) opens that one form until it is answered. The
answer is saved once: the days present and the appreciation on the form, and each competency observed as a
competency assessment of the learner by the tutor (source « tutor », the placement as evidence, the tutor's name as
assessor). A tutor's level never becomes the learner's current level by itself: a trainer confirms it (progress).
Then the form's links go, and its answer is read-only.
"""

import enum
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from .. import tokens
from ..audit import record
from ..extensions import db
from ..models import (
    AssessmentSource,
    Cohort,
    Competency,
    CompetencyAssessment,
    Enrolment,
    Placement,
    TutorReview,
    utcnow,
)
from ..transactions import locked
from .sending import TOKEN_PURPOSE

MAX_SUBJECT = 2**31 - 1  # a subject that cannot be an id opens nothing
APPRECIATION_MAX = 5000
COMMENT_MAX = 1000
ASSESSOR_MAX = 120  # CompetencyAssessment.assessor_name


class Saved(enum.StrEnum):
    SAVED = "saved"
    ANSWERED = "answered"  # answered meanwhile (a second submission): nothing changed
    CHANGED = "changed"  # the form changed since it was shown (the placement's dates): nothing saved
    EARLY = "early"  # its period is not over: the tutor would confirm days still to come


@dataclass(frozen=True)
class Observation:
    competency_id: int
    level: int  # 0 to 3
    comment: str = ""


@dataclass(frozen=True)
class TutorAnswer:
    days_present: int
    appreciation: str
    observations: tuple[Observation, ...] = ()


def _review(review_id: int) -> TutorReview | None:
    """The form with its placement, learner and cohort's programme (one query)."""
    return db.session.scalar(
        sa.select(TutorReview)
        .options(
            joinedload(TutorReview.placement)
            .joinedload(Placement.enrolment)
            .options(
                joinedload(Enrolment.learner),
                joinedload(Enrolment.cohort).joinedload(Cohort.programme),
            )
        )
        .where(TutorReview.id == review_id)
    )


def review_from_link(token_hash: str) -> TutorReview | None:
    """The form a usable tutor link opens; None if the token is unknown, expired, revoked, of another purpose, or its
    form is gone (the placement deleted) or answered."""
    token = tokens.find(TOKEN_PURPOSE, token_hash)
    subject = token.subject if token is not None else None
    if subject is None or not (subject.isascii() and subject.isdigit()) or int(subject) > MAX_SUBJECT:
        return None
    review = _review(int(subject))
    return review if review is not None and review.answered_at is None else None


def answered_review(review_id: int) -> TutorReview | None:
    """The form of this id if it is answered (what a browser that opened its link may read again), else None."""
    review = _review(review_id) if 0 < review_id <= MAX_SUBJECT else None
    return review if review is not None and review.answered_at is not None else None


def given_levels(review: TutorReview) -> list[CompetencyAssessment]:
    """The levels the tutor gave in this answered form (saved at its answer's time), in the programme's order."""
    if review.answered_at is None:
        return []
    return list(
        db.session.scalars(
            sa.select(CompetencyAssessment)
            .join(Competency, Competency.id == CompetencyAssessment.competency_id)
            .options(joinedload(CompetencyAssessment.competency).joinedload(Competency.block))
            .where(
                CompetencyAssessment.placement_id == review.placement_id,
                CompetencyAssessment.source == AssessmentSource.TUTOR,
                CompetencyAssessment.assessed_at == review.answered_at,
            )
            .order_by(Competency.block_id, Competency.position)
        )
    )


def _assess(review: TutorReview, answer: TutorAnswer, now: datetime) -> list[CompetencyAssessment]:
    placement = review.placement
    made = [
        CompetencyAssessment(
            learner_id=placement.enrolment.learner_id,
            competency_id=observed.competency_id,
            level=observed.level,
            comment=observed.comment,
            assessed_by_id=None,
            assessed_at=now,
            source=AssessmentSource.TUTOR,
            placement_id=placement.id,
            assessor_name=placement.tutor_name[:ASSESSOR_MAX],
        )
        for observed in answer.observations
    ]
    db.session.add_all(made)
    return made


def save_answer(review: TutorReview, answer: TutorAnswer, version: int, today: date) -> Saved:
    """Save the tutor's answer to `review`, shown at `version`: once, and not before the last day of its period
    (`today` earlier: EARLY, nothing saved). The form's row is locked and read again first, so two submissions at once
    make one answer and one set of levels (the second finds it answered). Audited with no actor (the tutor has no
    account). The form's links are deleted. The caller commits (or rolls back when not SAVED)."""
    locked(review)
    if review.answered_at is not None:
        return Saved.ANSWERED
    if today < review.period_end:
        return Saved.EARLY
    if review.version != version or not 0 <= answer.days_present <= review.planned_days:
        return Saved.CHANGED
    now = utcnow()
    review.days_present, review.appreciation, review.answered_at = answer.days_present, answer.appreciation, now
    made = _assess(review, answer, now)
    db.session.flush()
    learner_id = review.placement.enrolment.learner_id
    after = {"stage": review.stage.value, "days_present": answer.days_present, "appreciation": answer.appreciation}
    after["assessor_name"] = review.placement.tutor_name[:ASSESSOR_MAX]  # who answered: the journal names them
    events = [record("tutor_review", review.id, "answer", None, after, learner_id=learner_id)]
    for assessment in made:
        details = {"competency_id": assessment.competency_id, "level": assessment.level, "comment": assessment.comment}
        details |= {"source": AssessmentSource.TUTOR.value, "placement_id": assessment.placement_id}
        details["assessor_name"] = assessment.assessor_name
        events.append(record("competency_assessment", assessment.id, "create", None, details, learner_id=learner_id))
    for event in events:
        event.actor_id = None  # the tutor, by their link: whoever is logged in in this browser did not do it
    tokens.revoke_subject(TOKEN_PURPOSE, str(review.id))
    return Saved.SAVED
