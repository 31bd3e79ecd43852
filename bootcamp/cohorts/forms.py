"""Enrolment changes: dropout, end of the programme, certification."""

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.widgets import HiddenInput
from wtforms.validators import InputRequired, ValidationError

from ..forms import FrenchDateField, code, with_blank
from ..labels import choices
from ..models import Certification, DropoutReason, EnrolmentStatus


class EnrolmentForm(FlaskForm):
    status = SelectField(_l("Situation"), choices=choices(EnrolmentStatus), coerce=code)
    exit_date = FrenchDateField(_l("Date de sortie"))
    dropout_reason = SelectField(_l("Motif d'abandon"), choices=with_blank(choices(DropoutReason), "—"), coerce=code)
    certification = SelectField(
        _l("Résultat de la certification"),
        choices=with_blank(choices(Certification), _l("pas encore")),
        coerce=code,
    )
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])

    def __init__(self, *args: Any, cohort_start: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cohort_start = cohort_start

    def validate_exit_date(self, field: FrenchDateField) -> None:
        if self.status.data == EnrolmentStatus.IN_TRAINING:
            return
        if field.data is None:
            raise ValidationError(_l("Indiquez la date de sortie."))
        if field.data < self.cohort_start:
            raise ValidationError(_l("La date de sortie ne peut pas précéder le début de la promotion."))

    def validate_dropout_reason(self, field: SelectField) -> None:
        if self.status.data == EnrolmentStatus.DROPPED and not field.data:
            raise ValidationError(_l("Indiquez le motif de l'abandon."))

    def validate_certification(self, field: SelectField) -> None:
        if field.data and self.status.data == EnrolmentStatus.IN_TRAINING:
            raise ValidationError(_l("Le résultat de certification se saisit à la sortie de la formation."))


class FinishForm(FlaskForm):
    """Mark everyone still in training as having finished the programme."""

    exit_date = FrenchDateField(_l("Date de fin de formation"), validators=[InputRequired(_l("Indiquez la date."))])

    def __init__(self, *args: Any, cohort_start: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cohort_start = cohort_start

    def validate_exit_date(self, field: FrenchDateField) -> None:
        if field.data and field.data < self.cohort_start:
            raise ValidationError(_l("La date de fin ne peut pas précéder le début de la promotion."))
