"""Recording and correcting follow-ups; the old value stays in the audit log."""

from dataclasses import dataclass
from datetime import date

from ..audit import actor_id, record, snapshot
from ..extensions import db
from ..models import Enrolment, Outcome, Situation, utcnow

OUTCOME_FIELDS = ("point", "situation", "employer", "job_title", "digital", "start_date")


@dataclass(frozen=True)
class SituationData:
    situation: Situation
    employer: str
    job_title: str
    digital: bool | None
    start_date: date | None


def discard_outcomes(enrolment: Enrolment) -> int:
    """Delete the follow-ups recorded for the learner's exit (an exit undone: they described a departure that
    did not happen); each deletion audited with what it held. The caller commits."""
    outcomes = list(enrolment.outcomes)
    for outcome in outcomes:
        before = snapshot(outcome, OUTCOME_FIELDS)
        record("outcome", outcome.id, "delete", before, None, learner_id=enrolment.learner_id)
        enrolment.outcomes.remove(outcome)
    return len(outcomes)


def save_outcome(enrolment: Enrolment, point: int, data: SituationData) -> Outcome:
    """Record the situation at a point, or correct it; audited with before and after. The caller commits."""
    outcome = next((o for o in enrolment.outcomes if o.point == point), None)
    before = None if outcome is None else snapshot(outcome, OUTCOME_FIELDS)
    if outcome is None:
        outcome = Outcome(enrolment=enrolment, point=point)
        db.session.add(outcome)
    outcome.situation, outcome.employer, outcome.job_title = data.situation, data.employer, data.job_title
    outcome.digital, outcome.start_date = data.digital, data.start_date
    after = snapshot(outcome, OUTCOME_FIELDS)
    if after != before:
        outcome.recorded_by_id, outcome.recorded_at = actor_id(), utcnow()
        db.session.flush()
        record(
            "outcome",
            outcome.id,
            "create" if before is None else "update",
            before,
            after,
            learner_id=enrolment.learner_id,
        )
    return outcome
