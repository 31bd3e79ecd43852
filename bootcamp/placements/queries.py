"""Placements as their pages show them: the cohort's period « en entreprise », who has a placement and who is still
looking, each placement's agreement and the state of its tutor's forms."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    EMPLOYMENT_SITUATIONS,
    AssessmentSource,
    AttendanceSession,
    CompetencyAssessment,
    Enrolment,
    EnrolmentStatus,
    Learner,
    MessageState,
    OutboxMessage,
    Outcome,
    Placement,
    ReviewStage,
    TutorReview,
)
from .days import period_half_days


@dataclass(frozen=True)
class Period:
    """The cohort's placement period: its first and last half-day « en entreprise » in the timetable."""

    start: date
    end: date


def placement_period(cohort_id: int) -> Period | None:
    """The cohort's period « en entreprise » (its first and last such half-days, days.period_half_days), None when
    the timetable has none (one query)."""
    first, last = db.session.execute(
        sa.select(sa.func.min(AttendanceSession.day), sa.func.max(AttendanceSession.day)).where(
            AttendanceSession.cohort_id == cohort_id, period_half_days()
        )
    ).one()
    return None if first is None else Period(first, last)


# A tutor's form as the pages say it: answered, bounced (the last message was given up), reminded, sent, due (to be
# sent by the daily command), or not yet due.
ANSWERED, BOUNCED, REMINDED, SENT, DUE, NOT_DUE = "answered", "bounced", "reminded", "sent", "due", "not_due"


@dataclass(frozen=True)
class ReviewState:
    """One of a placement's tutor forms, with what became of it."""

    review: TutorReview
    state: str  # one of ANSWERED, BOUNCED, REMINDED, SENT, DUE, NOT_DUE

    @property
    def stage(self) -> ReviewStage:
        return self.review.stage

    @property
    def pending(self) -> bool:
        """Due (its day has come) and not answered."""
        return self.state not in (ANSWERED, NOT_DUE)


def review_state(review: TutorReview, last_message: MessageState | None, today: date) -> str:
    """What became of a tutor's form, from the review and the state of the last message sent for it."""
    if review.answered_at is not None:
        return ANSWERED
    if last_message == MessageState.FAILED:
        return BOUNCED
    if review.messages >= 2:
        return REMINDED
    if review.messages == 1:
        return SENT
    return DUE if review.due_on <= today else NOT_DUE


def review_states(placement_ids: list[int], today: date) -> dict[int, list[ReviewState]]:
    """The tutor's forms of these placements, mid-placement first, each with its state (one query)."""
    if not placement_ids:
        return {}
    rows = db.session.execute(
        sa.select(TutorReview, OutboxMessage.state)
        .outerjoin(OutboxMessage, OutboxMessage.id == TutorReview.last_message_id)
        .where(TutorReview.placement_id.in_(placement_ids))
        .order_by(TutorReview.placement_id, TutorReview.period_start)
    )
    found: dict[int, list[ReviewState]] = {}
    for review, state in rows:
        found.setdefault(review.placement_id, []).append(ReviewState(review, review_state(review, state, today)))
    return found


@dataclass
class PlacementLine:
    """A placement with its tutor's forms."""

    placement: Placement
    reviews: list[ReviewState] = field(default_factory=list)

    @property
    def agreement_missing(self) -> bool:
        return self.placement.agreement_id is None

    @property
    def pending(self) -> int:
        return sum(review.pending for review in self.reviews)


@dataclass
class LearnerLine:
    """A learner of the cohort (in training or finished) and their placements, the earliest first."""

    enrolment: Enrolment
    placements: list[PlacementLine] = field(default_factory=list)

    @property
    def learner(self) -> Learner:
        return self.enrolment.learner

    @property
    def looking(self) -> bool:
        """In training with no placement recorded (a learner who has left with none is « sans stage »)."""
        return not self.placements and not self.enrolment.is_leaver

    def may_add(self, today: date) -> bool:
        """Whether the list offers « Nouveau stage »: no placement covering `today` or later, and not a learner who
        has left after a placement (another one stays possible from the placement's page)."""
        if self.enrolment.is_leaver and self.placements:
            return False
        return not any(item.placement.end_date >= today for item in self.placements)


@dataclass(frozen=True)
class CohortPlacements:
    lines: list[LearnerLine]
    period: Period | None
    today: date

    @property
    def placed(self) -> int:
        return sum(bool(line.placements) for line in self.lines)

    @property
    def looking(self) -> int:
        return sum(line.looking for line in self.lines)

    @property
    def left_without(self) -> int:
        """Learners who have left with no placement recorded."""
        return len(self.lines) - self.placed - self.looking

    @property
    def agreements_missing(self) -> int:
        return sum(item.agreement_missing for line in self.lines for item in line.placements)

    @property
    def forms_pending(self) -> int:
        return sum(item.pending for line in self.lines for item in line.placements)

    @property
    def days_to_start(self) -> int | None:
        """Days left before the period starts (0 or less: it has started), None without a period."""
        return None if self.period is None else (self.period.start - self.today).days


def cohort_placements(cohort_id: int, today: date) -> CohortPlacements:
    """Every learner of the cohort not dropped, with their placements and the state of the tutor's forms (four
    queries, whatever their number)."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .options(joinedload(Enrolment.learner))
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status != EnrolmentStatus.DROPPED)
        .order_by(Learner.last_name, Learner.first_name, Learner.id)
    ).all()
    lines = {enrolment.id: LearnerLine(enrolment) for enrolment in enrolments}
    placements = db.session.scalars(
        sa.select(Placement)
        .where(Placement.enrolment_id.in_(list(lines)))
        .order_by(Placement.start_date, Placement.id)
    ).all() if lines else []
    states = review_states([placement.id for placement in placements], today)
    for placement in placements:
        lines[placement.enrolment_id].placements.append(PlacementLine(placement, states.get(placement.id, [])))
    return CohortPlacements(list(lines.values()), placement_period(cohort_id), today)


def overlapping(enrolment_id: int, start: date, end: date, leaving_out: int | None = None) -> Placement | None:
    """Another placement of the enrolment whose dates meet [start, end] (one query)."""
    return db.session.scalar(
        sa.select(Placement)
        .where(
            Placement.enrolment_id == enrolment_id,
            Placement.start_date <= end,
            Placement.end_date >= start,
            Placement.id != (leaving_out or 0),
        )
        .order_by(Placement.start_date)
        .limit(1)
    )


def placement_lines(enrolment_id: int, today: date) -> list[PlacementLine]:
    """An enrolment's placements with their agreement's name and size and their tutor's forms (three queries)."""
    placements = db.session.scalars(
        sa.select(Placement)
        .options(joinedload(Placement.agreement))
        .where(Placement.enrolment_id == enrolment_id)
        .order_by(Placement.start_date, Placement.id)
    ).all()
    states = review_states([placement.id for placement in placements], today)
    return [PlacementLine(placement, states.get(placement.id, [])) for placement in placements]


def tutor_levels(placement_id: int) -> list[CompetencyAssessment]:
    """The levels the tutor gave in their forms for this placement, by competency (one query)."""
    return list(
        db.session.scalars(
            sa.select(CompetencyAssessment)
            .options(joinedload(CompetencyAssessment.competency))
            .where(
                CompetencyAssessment.placement_id == placement_id,
                CompetencyAssessment.source == AssessmentSource.TUTOR,
            )
            .order_by(CompetencyAssessment.assessed_at, CompetencyAssessment.competency_id)
        )
    )


def employed_by_host_at_exit(placement: Placement) -> bool:
    """Whether the learner's exit situation (their enrolment's follow-up at point 0) is a job at this placement's
    company, as the placement figures count it (reports/placements.py): in employment, the employer's name comparing
    equal to the company's (Outcome.employer_key == Placement.company_key, not empty), the placement started on or
    before the exit (one query)."""
    return bool(
        db.session.scalar(
            sa.select(sa.literal(True))
            .select_from(Outcome)
            .join(Enrolment, Enrolment.id == Outcome.enrolment_id)
            .where(
                Outcome.enrolment_id == placement.enrolment_id,
                Outcome.point == 0,
                Outcome.situation.in_(EMPLOYMENT_SITUATIONS),
                Outcome.employer_key != "",
                Outcome.employer_key == placement.company_key,
                Enrolment.exit_date >= placement.start_date,
            )
        )
    )
