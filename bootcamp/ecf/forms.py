"""The livret's forms: an evaluation situation of a block, a block's summary, the version a deletion saw.

The rules that need only the form (competencies of the block, to reassess among those assessed and only when not
satisfactory, dates within the cohort's window, text lengths) are checked here; those that need the other
situations of the block (a reassessment follows an evaluation) in services.py."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import ColumnLength, FrenchDateField, HiddenNumber, code
from ..labels import choices
from ..models import Block, Cohort, EcfBlock, EcfKind, EcfSituation
from .services import TEXT_LIMIT, ecf_date_problem

SATISFACTORY, UNSATISFACTORY, MASTERED, NOT_MASTERED = "satisfactory", "unsatisfactory", "mastered", "not_mastered"
RESULTS = {"": None, SATISFACTORY: True, UNSATISFACTORY: False}
SUMMARY_RESULTS = {"": None, MASTERED: True, NOT_MASTERED: False}
TOO_LONG = _l("Texte trop long : %(length)d caractères, %(max)d au plus.")


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _long_text(label: Any) -> TextAreaField:
    return TextAreaField(label, filters=[_strip], validators=[Length(max=TEXT_LIMIT, message=TOO_LONG)])


def result_code(value: bool | None, codes: dict[str, bool | None]) -> str:
    """The select's code of a stored result (None: « à décider »)."""
    return next(key for key, stored in codes.items() if stored is value)


class CompetencyList(SelectMultipleField):
    """Competencies of the block, one checkbox each; anything else posted is refused in plain words."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, coerce=int, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = [int(value) if value.isdigit() and len(value) < 10 else -1 for value in valuelist]

    def pre_validate(self, form: Any) -> None:
        known = {choice.value for choice in self.choices}
        if any(value not in known for value in self.data or []):
            raise ValidationError(_l("Choisissez des compétences du bloc."))


class SituationForm(FlaskForm):
    """An evaluation situation of one block (its competencies are the choices); `version` only when editing."""

    held_on = FrenchDateField(_l("Date"), validators=[InputRequired(_l("Indiquez la date de la situation."))])
    kind = SelectField(_l("Type"), choices=choices(EcfKind), coerce=code)
    description = _long_text(_l("Description de la situation"))
    competencies = CompetencyList(_l("Compétences évaluées"))
    result = SelectField(
        _l("Résultat"),
        choices=[
            SelectChoice("", _l("à décider")),
            SelectChoice(SATISFACTORY, _l("satisfaisant")),
            SelectChoice(UNSATISFACTORY, _l("non satisfaisant")),
        ],
        coerce=code,
    )
    points_to_watch = _long_text(_l("Points de vigilance (si non satisfaisant)"))
    to_reassess = CompetencyList(_l("Compétences à réévaluer (si non satisfaisant)"))
    first_assessor = StringField(
        _l("Premier·e évaluateur·ice"), filters=[_strip], validators=[ColumnLength(EcfSituation.first_assessor)]
    )
    second_assessor = StringField(
        _l("Second·e évaluateur·ice"), filters=[_strip], validators=[ColumnLength(EcfSituation.second_assessor)]
    )
    version = HiddenNumber(validators=[Optional()])  # required when editing (validate_version)

    def __init__(self, *args: Any, block: Block, cohort: Cohort, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.block, self.cohort, self.editing = block, cohort, editing
        options = [SelectChoice(c.id, f"{c.code} · {c.title}") for c in block.competencies]
        self.competencies.choices = options
        self.to_reassess.choices = list(options)

    def validate_held_on(self, field: FrenchDateField) -> None:
        if field.data and (problem := ecf_date_problem(field.data, self.cohort)):
            raise ValidationError(problem)

    def validate_version(self, field: HiddenNumber) -> None:
        if self.editing and field.data is None:
            raise ValidationError(_l("Le formulaire ne dit pas quelle version de la situation il a affichée."))

    def validate_competencies(self, field: CompetencyList) -> None:
        if not field.data:
            raise ValidationError(_l("Cochez au moins une compétence évaluée."))

    def validate_to_reassess(self, field: CompetencyList) -> None:
        if field.data and self.result.data != UNSATISFACTORY:
            raise ValidationError(_l("Des compétences à réévaluer seulement pour une situation non satisfaisante."))
        if set(field.data or []) - set(self.competencies.data or []):
            raise ValidationError(_l("Les compétences à réévaluer font partie de celles évaluées."))

    def validate_points_to_watch(self, field: TextAreaField) -> None:
        if field.data and self.result.data != UNSATISFACTORY:
            raise ValidationError(_l("Des points de vigilance seulement pour une situation non satisfaisante."))

    @property
    def satisfactory(self) -> bool | None:
        return RESULTS[self.result.data]

    @staticmethod
    def initial(situation: EcfSituation) -> dict[str, object]:
        """What the form shows of a recorded situation."""
        assessed = sorted(item.competency_id for item in situation.competencies)
        return {
            "held_on": situation.held_on,
            "kind": situation.kind.value,
            "description": situation.description,
            "competencies": assessed,
            "result": result_code(situation.satisfactory, RESULTS),
            "points_to_watch": situation.points_to_watch,
            "to_reassess": sorted(item.competency_id for item in situation.competencies if item.to_reassess),
            "first_assessor": situation.first_assessor,
            "second_assessor": situation.second_assessor,
            "version": situation.version,
        }


class SummaryForm(FlaskForm):
    """A block's summary; `version` is 0 while the block has none."""

    mastered = SelectField(
        _l("Résultat du bloc"),
        choices=[
            SelectChoice("", _l("à décider")),
            SelectChoice(MASTERED, _l("maîtrisé")),
            SelectChoice(NOT_MASTERED, _l("non maîtrisé")),
        ],
        coerce=code,
    )
    observations = _long_text(_l("Observations"))
    assessors = StringField(_l("Évaluateur·ices"), filters=[_strip], validators=[ColumnLength(EcfBlock.assessors)])
    legal_representative = StringField(
        _l("Représentant·e légal·e de l'organisme"),
        filters=[_strip],
        validators=[ColumnLength(EcfBlock.legal_representative)],
    )
    handed_on = FrenchDateField(_l("Livret remis à l'apprenant·e le"))
    version = HiddenNumber(validators=[InputRequired()])

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cohort = cohort

    def validate_handed_on(self, field: FrenchDateField) -> None:
        if field.data and (problem := ecf_date_problem(field.data, self.cohort)):
            raise ValidationError(problem)

    @property
    def is_mastered(self) -> bool | None:
        return SUMMARY_RESULTS[self.mastered.data]

    @staticmethod
    def initial(summary: EcfBlock | None, representative: str) -> dict[str, object]:
        """What the form shows: the recorded summary, or a blank one signed by the organisation's representative."""
        if summary is None:
            return {"legal_representative": representative, "version": 0}
        return {
            "mastered": result_code(summary.mastered, SUMMARY_RESULTS),
            "observations": summary.observations,
            "assessors": summary.assessors,
            "legal_representative": summary.legal_representative,
            "handed_on": summary.handed_on,
            "version": summary.version,
        }


class VersionForm(FlaskForm):
    """A deletion: the version of the situation the page showed."""

    version = HiddenNumber(validators=[InputRequired()])
