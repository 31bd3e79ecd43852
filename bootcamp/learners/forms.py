"""The learner's contact for after the training: a personal address and the consent to be written to."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField
from wtforms.validators import Email, Length, Optional

from ..models import Learner

CONSENT_LABEL = _l("J'accepte d'être contacté·e après la formation pour le suivi et les questionnaires")


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


def shown(learner: Learner) -> str:
    """The contact as a page showed it, to tell whether someone changed it since (no version column for two
    fields)."""
    return f"{learner.personal_email or ''}|{int(learner.contact_consent)}"


class ContactForm(FlaskForm):
    personal_email = EmailField(
        _l("Adresse e-mail personnelle"),
        filters=[_strip],
        validators=[Optional(), Email(_l("Adresse e-mail invalide.")), Length(max=254)],
    )
    contact_consent = BooleanField(CONSENT_LABEL)
    shown = HiddenField()  # shown(learner) when the form was displayed
