"""Changes to enrolments, each audited; the caller commits."""

from datetime import date

from ..audit import record, snapshot
from ..models import Certification, DropoutReason, Enrolment, EnrolmentStatus

ENROLMENT_FIELDS = ("status", "exit_date", "dropout_reason", "certification")


def change_enrolment(
    enrolment: Enrolment,
    status: EnrolmentStatus,
    exit_date: date | None,
    dropout_reason: DropoutReason | None,
    certification: Certification | None,
) -> bool:
    """Apply a change of situation; fields that do not fit the status are cleared. True if anything changed."""
    before = snapshot(enrolment, ENROLMENT_FIELDS)
    enrolment.status = status
    enrolment.exit_date = None if status == EnrolmentStatus.IN_TRAINING else exit_date
    enrolment.dropout_reason = dropout_reason if status == EnrolmentStatus.DROPPED else None
    enrolment.certification = None if status == EnrolmentStatus.IN_TRAINING else certification
    after = snapshot(enrolment, ENROLMENT_FIELDS)
    if after == before:
        return False
    record("enrolment", enrolment.id, "update", before, after, learner_id=enrolment.learner_id)
    return True


def finish_programme(enrolments: list[Enrolment], exit_date: date) -> int:
    """Mark the enrolments still in training as finished on `exit_date`; return how many."""
    count = 0
    for enrolment in enrolments:
        if enrolment.status == EnrolmentStatus.IN_TRAINING:
            change_enrolment(enrolment, EnrolmentStatus.FINISHED, exit_date, None, None)
            count += 1
    return count
