"""The learner's follow-up form (situations in everyday words) and the unsubscribe button's form."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Optional, ValidationError

from ..dates import situation_start_problem
from ..forms import ColumnLength, FrenchDateField
from ..models import Outcome, Situation
from .answers import WITH_DETAILS, Answer

# The DOMAIN.md situations as a person says them of themselves (the staff's labels are in bootcamp/labels.py).
SITUATION_WORDS = {
    Situation.CDI: _l("J'ai un CDI"),
    Situation.CDD_LONG: _l("J'ai un CDD ou une mission d'intérim de 6 mois ou plus"),
    Situation.CDD_SHORT: _l("J'ai un CDD ou une mission d'intérim de moins de 6 mois"),
    Situation.BUSINESS: _l("J'ai créé mon entreprise, ou je travaille en indépendant·e"),
    Situation.WORK_STUDY: _l("Je suis en alternance (apprentissage ou contrat de professionnalisation)"),
    Situation.TRAINING: _l("Je suis en formation, ou j'ai repris des études"),
    Situation.JOB_SEARCH: _l("Je cherche un emploi"),
    Situation.INACTIVE: _l("Autre situation (je ne cherche pas d'emploi pour le moment…)"),
}
DIGITAL_WORDS = {"yes": _l("oui"), "no": _l("non"), "unknown": _l("je ne sais pas")}
DIGITAL_VALUES = {"yes": True, "no": False, "unknown": None}


class FollowUpAnswerForm(FlaskForm):
    situation = RadioField(
        _l("Votre situation aujourd'hui"),
        choices=[SelectChoice(code.value, words) for code, words in SITUATION_WORDS.items()],
        validators=[InputRequired(_l("Choisissez la phrase qui décrit le mieux votre situation."))],
        invalid_choice_message=_l("Choisissez l'une des phrases proposées."),
    )
    employer = StringField(_l("Employeur, entreprise ou organisme de formation"), [ColumnLength(Outcome.employer)])
    job_title = StringField(_l("Poste occupé ou formation suivie"), [ColumnLength(Outcome.job_title)])
    digital = RadioField(
        _l("Est-ce un métier du numérique ?"),
        choices=[SelectChoice(value, words) for value, words in DIGITAL_WORDS.items()],
        validators=[Optional()],
        invalid_choice_message=_l("Choisissez oui, non ou je ne sais pas."),
    )
    start_date = FrenchDateField(_l("Depuis quand ?"))
    city = StringField(_l("Ville"), [ColumnLength(Outcome.city)])

    def __init__(self, *args: object, cohort_start: date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.cohort_start = cohort_start

    def validate_start_date(self, field: FrenchDateField) -> None:
        if field.data and self._with_details() and (problem := situation_start_problem(field.data, self.cohort_start)):
            raise ValidationError(problem[:1].upper() + problem[1:] + ".")

    def _with_details(self) -> bool:
        return self.situation.data in {code.value for code in WITH_DETAILS}

    def fill(self, outcome: Outcome) -> None:
        """Show the learner's earlier answer, to correct it."""
        self.situation.data = outcome.situation.value
        self.employer.data, self.job_title.data, self.city.data = outcome.employer, outcome.job_title, outcome.city
        self.digital.data = next(key for key, value in DIGITAL_VALUES.items() if value is outcome.digital)
        self.start_date.data = outcome.start_date

    def answer(self) -> Answer:
        """The validated form as an answer (details dropped where the situation has none)."""
        return Answer(
            situation=Situation(self.situation.data),
            employer=(self.employer.data or "").strip(),
            job_title=(self.job_title.data or "").strip(),
            digital=DIGITAL_VALUES.get(self.digital.data or "unknown"),
            start_date=self.start_date.data,
            city=(self.city.data or "").strip(),
        ).kept()


class UnsubscribeForm(FlaskForm):
    """The one button that stops the messages (a POST with its CSRF token: opening the link changes nothing)."""
