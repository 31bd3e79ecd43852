"""Recording a leaver's situation at a follow-up point."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired

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
    version = HiddenNumber(default=0)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.situation.choices = with_blank(choices(Situation), "—")
        self.digital.choices = with_blank(DIGITAL_CHOICES, _l("non renseigné"))

    @property
    def digital_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.digital.data)
