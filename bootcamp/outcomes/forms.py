"""Recording a leaver's situation at a follow-up point."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, ValidationError

from ..dates import situation_start_problem
from ..forms import ColumnLength, FrenchDateField, HiddenNumber, code, with_blank
from ..labels import choices
from ..models import Outcome, Situation

DIGITAL_CHOICES = [SelectChoice("yes", _l("oui")), SelectChoice("no", _l("non"))]


class OutcomeForm(FlaskForm):
    situation = SelectField(_l("Situation"), coerce=code, validators=[InputRequired(_l("Choisissez une situation."))])
    employer = StringField(_l("Employeur ou structure"), validators=[ColumnLength(Outcome.employer)])
    job_title = StringField(_l("Poste ou formation"), validators=[ColumnLength(Outcome.job_title)])
    digital = SelectField(_l("Métier du numérique"), coerce=code)
    start_date = FrenchDateField(_l("Date de début"))
    city = StringField(_l("Ville"), validators=[ColumnLength(Outcome.city)])
    version = HiddenNumber(default=0)

    def __init__(self, *args: object, cohort_start: date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.cohort_start = cohort_start
        self.situation.choices = with_blank(choices(Situation), "—")
        self.digital.choices = with_blank(DIGITAL_CHOICES, _l("non renseigné"))

    def validate_start_date(self, field: FrenchDateField) -> None:
        if field.data and (problem := situation_start_problem(field.data, self.cohort_start)):
            raise ValidationError(problem[:1].upper() + problem[1:] + ".")

    @property
    def digital_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.digital.data)


class ConfirmForm(FlaskForm):
    """Confirm a learner's declaration as the page showed it (its version)."""

    version = HiddenNumber(validators=[InputRequired()])
