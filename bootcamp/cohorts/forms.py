"""Enrolment changes: dropout, end of the programme, certification."""

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from ..extensions import db
from ..forms import ColumnLength, FrenchDateField, HiddenNumber, code, with_blank
from ..labels import choices
from ..models import Certification, Cohort, DropoutReason, EnrolmentStatus, Programme, Site


class EnrolmentForm(FlaskForm):
    status = SelectField(_l("Situation"), choices=choices(EnrolmentStatus), coerce=code)
    exit_date = FrenchDateField(_l("Date de sortie"))
    dropout_reason = SelectField(_l("Motif d'abandon"), choices=with_blank(choices(DropoutReason), "—"), coerce=code)
    certification = SelectField(
        _l("Résultat de la certification"),
        choices=with_blank(choices(Certification), _l("pas encore")),
        coerce=code,
    )
    version = HiddenNumber(validators=[InputRequired()])

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


class CohortForm(FlaskForm):
    """Create or change a cohort (managers)."""

    name = StringField(
        _l("Nom de la promotion"), validators=[DataRequired(_l("Donnez un nom.")), ColumnLength(Cohort.name)]
    )
    site = StringField(
        _l("Site"),
        validators=[DataRequired(_l("Indiquez le site.")), ColumnLength(Site.name)],
        description=_l("Un site nouveau est créé."),
    )
    programme = SelectField(_l("Titre préparé"))
    start_date = FrenchDateField(_l("Début"), validators=[InputRequired(_l("Indiquez la date de début."))])
    end_date = FrenchDateField(_l("Fin"), validators=[InputRequired(_l("Indiquez la date de fin."))])

    def __init__(self, *args: Any, current_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current_id = current_id
        self.programme.choices = [
            SelectChoice(code, f"{short} ({code}) — {title}")
            for code, short, title in db.session.execute(
                sa.select(Programme.rncp_code, Programme.short_name, Programme.title).order_by(Programme.rncp_code)
            )
        ]

    def validate_name(self, field: StringField) -> None:
        clash = db.session.scalar(sa.select(Cohort.id).where(sa.func.lower(Cohort.name) == field.data.strip().lower()))
        if clash is not None and clash != self.current_id:
            raise ValidationError(_l("Une promotion porte déjà ce nom."))

    def validate_end_date(self, field: FrenchDateField) -> None:
        if field.data and self.start_date.data and field.data <= self.start_date.data:
            raise ValidationError(_l("La fin doit venir après le début."))
