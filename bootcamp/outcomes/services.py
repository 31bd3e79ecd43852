"""Recording and correcting follow-ups; the old value stays in the audit log."""

from dataclasses import dataclass
from datetime import date

from ..audit import actor_id, plain, record, snapshot
from ..extensions import db
from ..models import Enrolment, Outcome, OutcomeSource, Situation, utcnow

OUTCOME_FIELDS = ("point", "situation", "employer", "job_title", "digital", "start_date")  # the import's columns
FORM_FIELDS = (*OUTCOME_FIELDS, "city", "source")  # what the form's audit events hold


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


def save_outcome(enrolment: Enrolment, point: int, data: SituationData, city: str | None = None) -> Outcome:
    """Record the situation at a point, or correct it (`city` None: left as it is); audited with before and after.
    Saved over a learner's declaration, it becomes the staff's values, confirmed. The caller commits."""
    outcome = next((o for o in enrolment.outcomes if o.point == point), None)
    before = None if outcome is None else snapshot(outcome, FORM_FIELDS)
    if outcome is None:
        outcome = Outcome(enrolment=enrolment, point=point, source=OutcomeSource.STAFF)
        db.session.add(outcome)
    outcome.situation, outcome.employer, outcome.job_title = data.situation, data.employer, data.job_title
    outcome.digital, outcome.start_date = data.digital, data.start_date
    if city is not None:
        outcome.city = city
    if outcome.source == OutcomeSource.LEARNER:
        outcome.source = OutcomeSource.STAFF
        outcome.confirmed_by_id, outcome.confirmed_at = actor_id(), utcnow()
    after = snapshot(outcome, FORM_FIELDS)
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


def confirm_outcome(outcome: Outcome) -> None:
    """Confirm a situation the learner declared: theirs no longer to change; audited. The caller commits."""
    outcome.confirmed_by_id, outcome.confirmed_at = actor_id(), utcnow()
    db.session.flush()
    after = {"confirmed_at": plain(outcome.confirmed_at), "situation": plain(outcome.situation)}
    record("outcome", outcome.id, "confirm", {"confirmed_at": None}, after, learner_id=outcome.enrolment.learner_id)
