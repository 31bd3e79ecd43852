"""The calendar's forms: a half-day's times (move, add), cancel or restore one, a period's kind, the weekly pattern,
a closure."""

from datetime import time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from ..forms import ColumnLength, FrenchDateField, HiddenNumber, with_blank
from ..labels import LABELS, choices
from ..models import Closure, HalfDay, SessionKind
from .changes import Times
from .services import DEFAULT_TIMES, MAX_MINUTES, Slot, minutes_between

WEEKDAYS = (_l("lundi"), _l("mardi"), _l("mercredi"), _l("jeudi"), _l("vendredi"), _l("samedi"), _l("dimanche"))
EVERY_COHORT = ""  # the closure's « toutes les promotions »


class FrenchTimeField(TimeField):
    """A time typed 9:00, 09:00 or 9h00 (what <input type=time> sends: 09:00)."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        message = _l("Heure invalide : écrivez-la sous la forme 9:00 ou 13:30.")
        super().__init__(label, validators, format=["%H:%M", "%Hh%M", "%Hh"], invalid_value_message=message, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and not valuelist[0].strip():
            self.data, self.raw_data = None, []  # blank counts as not given
            return
        super().process_formdata([valuelist[0].strip().lower()] if valuelist else valuelist)


def times_problem(starts_at: time | None, ends_at: time | None) -> str | None:
    """Why a half-day's times are refused (the end before the start, longer than 12 hours), or None."""
    if starts_at is None or ends_at is None:
        return None
    if ends_at <= starts_at:
        return str(_l("La fin doit venir après le début."))
    if minutes_between(starts_at, ends_at) > MAX_MINUTES:
        return str(_l("Une demi-journée dure au plus 12 heures."))
    return None


class TimesForm(FlaskForm):
    """When a half-day is held: the day, morning or afternoon, start and end."""

    day = FrenchDateField(_l("Jour"), validators=[InputRequired(_l("Indiquez le jour."))])
    half_day = SelectField(_l("Demi-journée"), choices=choices(HalfDay))
    starts_at = FrenchTimeField(_l("Début"), validators=[InputRequired(_l("Indiquez l'heure de début."))])
    ends_at = FrenchTimeField(_l("Fin"), validators=[InputRequired(_l("Indiquez l'heure de fin."))])

    def validate_ends_at(self, field: FrenchTimeField) -> None:
        if problem := times_problem(self.starts_at.data, field.data):
            raise ValidationError(problem)

    def times(self) -> Times:
        return Times(self.day.data, HalfDay(self.half_day.data), self.starts_at.data, self.ends_at.data)


class MoveForm(TimesForm):
    """Move a half-day: its new day, half-day and times; the version shown."""

    version = HiddenNumber(validators=[InputRequired()])


class AddForm(TimesForm):
    """Add a half-day in the centre."""


class VersionForm(FlaskForm):
    """Cancel or restore a half-day: the version shown."""

    version = HiddenNumber(validators=[InputRequired()])


PERIOD_KINDS = [
    SelectChoice(SessionKind.PLACEMENT.value, _l("en entreprise (stage) : pas d'appel au centre")),
    SelectChoice(SessionKind.CENTRE.value, _l("de retour au centre")),
]


class PeriodForm(FlaskForm):
    """A period of company placement, or back to the centre."""

    first_day = FrenchDateField(_l("Premier jour"), validators=[InputRequired(_l("Indiquez le premier jour."))])
    last_day = FrenchDateField(_l("Dernier jour"), validators=[InputRequired(_l("Indiquez le dernier jour."))])
    kind = SelectField(_l("Les demi-journées de la période sont"), choices=PERIOD_KINDS)

    def validate_last_day(self, field: FrenchDateField) -> None:
        if self.first_day.data and field.data and field.data < self.first_day.data:
            raise ValidationError(_l("Le dernier jour ne peut pas précéder le premier."))


class ClosureForm(FlaskForm):
    """A closure: its label, first and last day, one cohort or every cohort."""

    label = StringField(
        _l("Intitulé"), validators=[DataRequired(_l("Indiquez un intitulé.")), ColumnLength(Closure.label)]
    )
    first_day = FrenchDateField(_l("Premier jour"), validators=[InputRequired(_l("Indiquez le premier jour."))])
    last_day = FrenchDateField(_l("Dernier jour"), validators=[InputRequired(_l("Indiquez le dernier jour."))])
    cohort = SelectField(_l("Promotion concernée"))

    def __init__(self, *args: Any, cohorts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = [SelectChoice(str(cohort_id), name) for cohort_id, name in cohorts]
        self.cohort.choices = with_blank(options, _l("toutes les promotions"))

    validate_last_day = PeriodForm.validate_last_day

    @property
    def cohort_id(self) -> int | None:
        return int(self.cohort.data) if self.cohort.data else None


def slot_name(weekday: int, half_day: HalfDay) -> str:
    return f"{weekday}_{half_day.value}"


class PatternForm(FlaskForm):
    """The weekly pattern: for each weekday and half-day, whether it is held, and its times. `confirmed` is set by
    the confirmation step (which says how many half-days are added and removed)."""

    confirmed = HiddenField()

    def slots(self) -> list[tuple[int, HalfDay, BooleanField, FrenchTimeField, FrenchTimeField]]:
        """Each weekday and half-day with its three fields, Monday morning first."""
        parts = ("held", "starts", "ends")
        return [
            (weekday, half_day, *(self[f"{part}_{slot_name(weekday, half_day)}"] for part in parts))
            for weekday in range(7)
            for half_day in HalfDay
        ]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for _weekday, _half_day, held, starts, ends in self.slots():
            if held.data and not (starts.errors or ends.errors):
                valid = _check_held(starts, ends) and valid
        if not any(held.data for _weekday, _half_day, held, _starts, _ends in self.slots()):
            self.form_errors.append(str(_l("Cochez au moins une demi-journée.")))
            valid = False
        return valid

    def pattern(self) -> list[Slot]:
        """The slots held, with their times."""
        return [
            Slot(weekday, half_day, starts.data, ends.data)
            for weekday, half_day, held, starts, ends in self.slots()
            if held.data
        ]

    def fill(self, pattern: list[Slot]) -> None:
        """Show `pattern` (the cohort's, on GET); a slot not held shows the default times of its half-day."""
        held = {(slot.weekday, slot.half_day): slot for slot in pattern}
        for weekday, half_day, held_field, starts, ends in self.slots():
            slot = held.get((weekday, half_day))
            held_field.data = slot is not None
            starts.data, ends.data = (slot.starts_at, slot.ends_at) if slot else DEFAULT_TIMES[half_day]


def _check_held(starts: FrenchTimeField, ends: FrenchTimeField) -> bool:
    """A half-day held has both times, in order."""
    for field in (starts, ends):
        if field.data is None:
            field.errors = [*field.errors, str(_l("Indiquez l'heure."))]
    if problem := times_problem(starts.data, ends.data):
        ends.errors = [*ends.errors, problem]
    return not (starts.errors or ends.errors)


def _add_slot_fields() -> None:
    for weekday, day_name in enumerate(WEEKDAYS):
        for half_day in HalfDay:
            name, words = slot_name(weekday, half_day), {"weekday": day_name, "half_day": LABELS[half_day]}
            held = BooleanField(_l("%(weekday)s %(half_day)s : tenu", **words))
            starts = FrenchTimeField(_l("%(weekday)s %(half_day)s : début", **words), [Optional()])
            ends = FrenchTimeField(_l("%(weekday)s %(half_day)s : fin", **words), [Optional()])
            setattr(PatternForm, f"held_{name}", held)
            setattr(PatternForm, f"starts_{name}", starts)
            setattr(PatternForm, f"ends_{name}", ends)


_add_slot_fields()
