"""The placement form: the company, its tutor, the dates and hours of the agreement, and the signed agreement (PDF).

Checks: a SIRET of 14 digits with a valid key (Luhn; La Poste's establishments, SIREN 356 000 000, have a sum of
digits that is a multiple of 5 instead), a French phone number, dates within the cohort's (a week before its start
to a month after its end) that meet no other placement of the learner, weekly hours from 1 to 48.
"""

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from ..files import PDF, UploadField
from ..forms import ColumnLength, FrenchDateField, HiddenNumber
from ..models import Cohort, Placement
from .queries import overlapping

SIRET_LENGTH = 14
LA_POSTE_SIREN = "356000000"  # its establishments' SIRETs fail the Luhn key: their digits add up to a multiple of 5
MIN_WEEKLY_HOURS, MAX_WEEKLY_HOURS = 1, 48  # 48 h: the legal weekly maximum (Code du travail L3121-20)
EARLY_DAYS, LATE_DAYS = 7, 30  # a placement may start a week before the cohort, end a month after it
MAX_ACTIVITIES = 5000
PHONE_PATTERNS = (
    re.compile(r"0([1-9])(\d{8})"),  # 06 12 34 56 78
    re.compile(r"(?:\+|00)33\(?0?\)?([1-9])(\d{8})"),  # +33 6 12 34 56 78, +33 (0)6 12 34 56 78, 0033 6...
)


def stripped(value: str | None) -> str | None:
    """A text field's value without its surrounding spaces (« » alone is empty)."""
    return value.strip() if isinstance(value, str) else value


def luhn(digits: str) -> bool:
    """Whether a string of digits has a valid Luhn key (SIREN and SIRET numbers)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char) * (2 if index % 2 else 1)
        total += number - 9 if number > 9 else number
    return total % 10 == 0


def valid_siret(digits: str) -> bool:
    """A SIRET's key: Luhn, or La Poste's own rule."""
    if digits.startswith(LA_POSTE_SIREN):
        return luhn(digits) or sum(int(char) for char in digits) % 5 == 0
    return luhn(digits)


def clean_siret(text: str) -> str:
    """A SIRET as typed (« 732 829 320 00074 ») as its 14 digits; a wrong one raises ValidationError."""
    digits = re.sub(r"\s+", "", text or "")
    if not digits:
        return ""
    if not re.fullmatch(r"\d{14}", digits):
        raise ValidationError(_l("SIRET invalide : 14 chiffres (les espaces sont permis)."))
    if not valid_siret(digits):
        raise ValidationError(_l("SIRET invalide : sa clé de contrôle ne correspond pas. Vérifiez les chiffres."))
    return digits


def format_siret(digits: str) -> str:
    """A SIRET's 14 digits as people read them: « 808 123 456 00010 » (the SIREN in three groups, then the NIC)."""
    if len(digits) != SIRET_LENGTH:
        return digits
    return f"{digits[:3]} {digits[3:6]} {digits[6:9]} {digits[9:]}"


def clean_phone(text: str) -> str:
    """A French phone number as « 06 12 34 56 78 » or « +33 6 12 34 56 78 »; a wrong one raises ValidationError."""
    compact = re.sub(r"[\s.\-/]", "", text or "")
    if not compact:
        return ""
    for pattern in PHONE_PATTERNS:
        if match := pattern.fullmatch(compact):
            rest = match.group(2)
            pairs = " ".join(rest[index : index + 2] for index in range(0, 8, 2))
            international = not compact.startswith("0") or compact.startswith("00")
            return f"+33 {match.group(1)} {pairs}" if international else f"0{match.group(1)} {pairs}"
    raise ValidationError(_l("Numéro invalide : un numéro français, par exemple 04 66 12 34 56 ou +33 6 12 34 56 78."))


class HoursField(StringField):
    """Weekly hours typed as « 35 » or « 35,5 » (at most two decimals), from 1 to 48; its data is in minutes."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        text = (valuelist[0] if valuelist else "").strip().replace(",", ".")
        if not text:
            return
        try:
            hours = Decimal(text)
        except InvalidOperation:
            raise ValueError(_l("Durée invalide : écrivez un nombre d'heures, par exemple 35 ou 35,5.")) from None
        if not hours.is_finite() or not MIN_WEEKLY_HOURS <= hours <= MAX_WEEKLY_HOURS:
            raise ValueError(_l("Entre 1 et 48 heures par semaine."))
        if hours != hours.quantize(Decimal("0.01")):
            raise ValueError(_l("Au plus deux décimales, par exemple 35,5."))
        self.data = int((hours * 60).to_integral_value())

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format(Decimal(self.data) / 60, "f").rstrip("0").rstrip(".").replace(".", ",")


class PlacementForm(FlaskForm):
    """A placement's agreement: the company, the tutor, dates and hours, activities, the signed PDF; the version the
    page showed. `hired_by_host` only for those who may say so (else the field is removed: its value is kept)."""

    version = HiddenNumber(default=0)
    company_name = StringField(
        _l("Entreprise"),
        filters=[stripped],
        validators=[DataRequired(_l("Indiquez l'entreprise.")), ColumnLength(Placement.company_name)],
    )
    siret = StringField(_l("SIRET"), validators=[Length(max=40)])
    city = StringField(
        _l("Ville"),
        filters=[stripped],
        validators=[DataRequired(_l("Indiquez la ville.")), ColumnLength(Placement.city)],
    )
    tutor_name = StringField(
        _l("Tuteur·rice : nom"),
        filters=[stripped],
        validators=[DataRequired(_l("Indiquez le nom du ou de la tuteur·rice.")), ColumnLength(Placement.tutor_name)],
    )
    tutor_role = StringField(_l("Tuteur·rice : fonction"), validators=[ColumnLength(Placement.tutor_role)])
    tutor_email = StringField(
        _l("Tuteur·rice : adresse e-mail"),
        filters=[stripped],
        validators=[
            DataRequired(_l("Indiquez l'adresse e-mail du ou de la tuteur·rice.")),
            Email(_l("Adresse e-mail invalide.")),
            ColumnLength(Placement.tutor_email),
        ],
    )
    tutor_phone = StringField(_l("Tuteur·rice : téléphone"), validators=[Optional(), Length(max=40)])
    start_date = FrenchDateField(_l("Début"), validators=[InputRequired(_l("Indiquez la date de début."))])
    end_date = FrenchDateField(_l("Fin"), validators=[InputRequired(_l("Indiquez la date de fin."))])
    weekly_hours = HoursField(
        _l("Heures par semaine"), validators=[InputRequired(_l("Indiquez les heures par semaine de la convention."))]
    )
    activities = TextAreaField(
        _l("Activités prévues"),
        validators=[Length(max=MAX_ACTIVITIES, message=_l("Texte trop long : %(max)d caractères au plus."))],
    )
    agreement = UploadField(_l("Convention signée (PDF, 5 Mo au plus)"), types=(PDF,))
    hired_by_host = BooleanField(_l("Embauché·e par l'entreprise d'accueil à la sortie"))

    def __init__(
        self, *args: Any, cohort: Cohort, enrolment_id: int, placement_id: int | None = None,
        may_say_hired: bool = False, **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.cohort, self.enrolment_id, self.placement_id = cohort, enrolment_id, placement_id
        if not may_say_hired:
            del self.hired_by_host

    def validate_siret(self, field: StringField) -> None:
        field.data = clean_siret(field.data)

    def validate_tutor_phone(self, field: StringField) -> None:
        field.data = clean_phone(field.data)

    def _within_cohort(self, day: date) -> None:
        first = self.cohort.start_date - timedelta(days=EARLY_DAYS)
        last = self.cohort.end_date + timedelta(days=LATE_DAYS)
        if not first <= day <= last:
            raise ValidationError(
                _("Date trop éloignée de la formation : entre le %(first)s et le %(last)s.",
                  first=format_date(first), last=format_date(last))
            )

    def validate_start_date(self, field: FrenchDateField) -> None:
        if field.data is not None:
            self._within_cohort(field.data)

    def validate_end_date(self, field: FrenchDateField) -> None:
        start, end = self.start_date.data, field.data
        if end is None:
            return
        self._within_cohort(end)
        if start is None or self.start_date.errors:
            return
        if end < start:
            raise ValidationError(_l("La fin doit être le jour du début ou après."))
        other = overlapping(self.enrolment_id, start, end, leaving_out=self.placement_id)
        if other is not None:
            raise ValidationError(
                _("Ces dates chevauchent le stage chez %(company)s (du %(start)s au %(end)s).",
                  company=other.company_name, start=format_date(other.start_date), end=format_date(other.end_date))
            )
