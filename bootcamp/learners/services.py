"""Changing a learner's contact for after the training (their own page, or a manager's), audited."""

from ..audit import record, snapshot
from ..models import Learner

CONTACT_FIELDS = ("personal_email", "contact_consent")


def save_contact(learner: Learner, personal_email: str | None, consent: bool) -> bool:
    """Set the personal address and the consent; audited when something changed (whether it did). The caller
    commits."""
    before = snapshot(learner, CONTACT_FIELDS)
    learner.personal_email, learner.contact_consent = personal_email or None, consent
    after = snapshot(learner, CONTACT_FIELDS)
    if after == before:
        return False
    record("learner", learner.id, "update", before, after, learner_id=learner.id)
    return True
