"""The forms of absences: a learner's claim (reason and/or proof), a decision of the staff, a proof they add."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField
from wtforms.validators import InputRequired, ValidationError

from ..access import KEPT
from ..files import UploadField
from ..forms import HiddenNumber, with_blank
from ..labels import choices
from ..models import AbsenceReason, Justification

REASON_BLANK = _l("— non précisé —")
NOT_A_REASON = _l("Choisissez un motif de la liste.")
# What a staff member's button does: accept or refuse the justification, or only record the reason.
DECISIONS = {
    Justification.ACCEPTED.value: _l("Accepter"),
    Justification.REFUSED.value: _l("Refuser"),
    "reason": _l("Enregistrer le motif seul"),
}


def reason_choices() -> list[Any]:
    """The reasons a form offers, after a blank « non précisé »."""
    return with_blank(choices(AbsenceReason), REASON_BLANK)


def reason_of(posted: str | None) -> AbsenceReason | None:
    """The reason a field holds (None: blank)."""
    return AbsenceReason(posted) if posted else None


class ClaimForm(FlaskForm):
    """A learner justifies an absence: a reason, a proof, or both."""

    version = HiddenNumber(validators=[InputRequired()])
    reason = SelectField(_l("Motif"), default="", invalid_choice_message=NOT_A_REASON)
    proof = UploadField(_l("Justificatif (PDF, JPEG ou PNG, 5 Mo au plus)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = reason_choices()

    def validate_reason(self, field: SelectField) -> None:
        if not field.data and self.proof.data is None and not self.proof.process_errors:
            raise ValidationError(_l("Choisissez un motif ou joignez un justificatif (ou les deux)."))


class DecisionForm(FlaskForm):
    """Staff accept or refuse a justification, or record the reason only; the version the page showed."""

    version = HiddenNumber(validators=[InputRequired()])
    reason = SelectField(_l("Motif"), default="", invalid_choice_message=NOT_A_REASON)
    decision = SelectField(
        _l("Décision"),
        choices=[SelectChoice(value, text) for value, text in DECISIONS.items()],
        validators=[InputRequired(_l("Choisissez une décision."))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = [*reason_choices(), SelectChoice(KEPT)]  # « kept »: the recorded value the page hid


class ProofForm(FlaskForm):
    """Staff add or replace the proof of an absence (one the learner brought on paper, say)."""

    version = HiddenNumber(validators=[InputRequired()])
    proof = UploadField(_l("Justificatif (PDF, JPEG ou PNG, 5 Mo au plus)"))

    def validate_proof(self, field: UploadField) -> None:
        if field.data is None:
            raise ValidationError(_l("Choisissez un fichier."))
