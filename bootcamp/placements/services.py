"""Recording a placement: create, change, delete; each audited (the agreement by its type and size only, never its
name nor bytes). After a change of dates the tutor's forms follow (days.sync_reviews: answered ones stay). Nothing
is sent here: the daily command does (sending.py). Every function writes in the caller's transaction.
"""

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from .. import audit, files, tokens
from ..extensions import db
from ..models import Enrolment, Placement
from .days import sync_reviews

ENTITY = "placement"
TOKEN_PURPOSE = "tutor_review"  # the tutor's links (tokens.issue subject: the review's id)
FIELDS = (
    "company_name",
    "siret",
    "city",
    "tutor_name",
    "tutor_role",
    "tutor_email",
    "tutor_phone",
    "start_date",
    "end_date",
    "weekly_minutes",
    "activities",
    "hired_by_host",
)


@dataclass(frozen=True)
class PlacementData:
    """What the form says of a placement (the agreement and « hired by host » apart)."""

    company_name: str
    siret: str
    city: str
    tutor_name: str
    tutor_role: str
    tutor_email: str
    tutor_phone: str
    start_date: date
    end_date: date
    weekly_minutes: int
    activities: str


def data_of(form: Any) -> PlacementData:
    """The placement's values from a validated PlacementForm, trimmed."""
    return PlacementData(
        company_name=form.company_name.data.strip(),
        siret=form.siret.data or "",
        city=" ".join(form.city.data.split()),
        tutor_name=" ".join(form.tutor_name.data.split()),
        tutor_role=" ".join((form.tutor_role.data or "").split()),
        tutor_email=form.tutor_email.data.strip().lower(),
        tutor_phone=form.tutor_phone.data or "",
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        weekly_minutes=form.weekly_hours.data,
        activities=(form.activities.data or "").strip(),
    )


def state(placement: Placement) -> dict[str, Any]:
    """What the journal keeps of a placement: its fields, and its agreement's type and size (files.described)."""
    agreement = files.described(placement.agreement)
    return {
        **audit.snapshot(placement, FIELDS),
        "agreement_type": agreement["proof_type"],
        "agreement_size": agreement["proof_size"],
    }


def _replace_agreement(placement: Placement, upload: files.Upload) -> None:
    old = placement.agreement
    placement.agreement = files.store(upload)
    if old is not None:
        db.session.delete(old)  # the agreement it replaces is nobody's any more: not kept


def _sync(placement: Placement) -> None:
    """The tutor's forms follow the dates; the links of a form removed (a placement made short) go with it."""
    before = {review.id for review in placement.reviews if review.id is not None}
    sync_reviews(placement)
    for review_id in before - {review.id for review in placement.reviews}:
        tokens.revoke_subject(TOKEN_PURPOSE, str(review_id))


def create_placement(enrolment: Enrolment, data: PlacementData, upload: files.Upload | None) -> Placement:
    """A new placement of the enrolment, with its agreement if given and its tutor's forms."""
    placement = Placement(enrolment=enrolment, created_by_id=audit.actor_id(), **asdict(data))
    if upload is not None:
        placement.agreement = files.store(upload)
    db.session.add(placement)
    sync_reviews(placement)
    db.session.flush()
    audit.record(ENTITY, placement.id, "create", None, state(placement), learner_id=enrolment.learner_id)
    return placement


def update_placement(
    placement: Placement, data: PlacementData, upload: files.Upload | None, hired_by_host: bool | None = None
) -> bool:
    """Change a placement (`hired_by_host` None: left as it is); a new agreement replaces the old one. Whether
    anything changed."""
    before = state(placement)
    dates_before = (placement.start_date, placement.end_date)
    with db.session.no_autoflush:  # one UPDATE of the placement: one new version
        for name, value in asdict(data).items():
            setattr(placement, name, value)
        if hired_by_host is not None:
            placement.hired_by_host = hired_by_host
        if upload is not None:
            _replace_agreement(placement, upload)
        if (placement.start_date, placement.end_date) != dates_before:
            _sync(placement)
    after = state(placement)
    if after == before and upload is None:
        return False
    db.session.flush()
    audit.record(ENTITY, placement.id, "update", before, after, learner_id=placement.enrolment.learner_id)
    return True


def deletable(placement: Placement) -> bool:
    """A placement may be deleted while none of its tutor's forms is answered (the answers are evidence)."""
    return all(review.answered_at is None for review in placement.reviews)


def delete_placement(placement: Placement) -> bool:
    """Delete a placement, its agreement, its tutor's forms and their links; False (nothing done) when a form was
    answered."""
    if not deletable(placement):
        return False
    before = state(placement)
    for review in placement.reviews:
        tokens.revoke_subject(TOKEN_PURPOSE, str(review.id))
    agreement = placement.agreement
    db.session.delete(placement)
    if agreement is not None:
        db.session.delete(agreement)
    audit.record(ENTITY, placement.id, "delete", before, None, learner_id=placement.enrolment.learner_id)
    return True
