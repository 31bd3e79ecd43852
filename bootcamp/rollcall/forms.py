"""The roll-call form (built for each half-day: one row per learner, with versions) and the signing form."""

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from ..access import keep_hidden_choice, kept_value
from ..forms import HiddenNumber, code, with_blank
from ..labels import choices
from ..models import AbsenceReason, Justification, Presence
from .queries import RollCall, Row
from .services import MAX_CODE_LENGTH, TIMED, Mark

MINUTES = re.compile(r"[0-9]{1,4}")


def posted_number(field: Field) -> int | None:
    """The number the request gave for a hidden version field (None when missing: never its default)."""
    return field.data if field.raw_data and not field.process_errors else None


def field_name(kind: str, enrolment_id: int) -> str:
    """Field names of a learner's row: presence_<enrolment id>, minutes_<id>, reason_<id>, justified_<id>..."""
    return f"{kind}_{enrolment_id}"


class PresenceField(RadioField):
    def pre_validate(self, form: Any) -> None:
        if self.data not in {member.value for member in Presence}:
            raise ValidationError(_l("Choisissez présent·e, absent·e, en retard ou parti·e plus tôt."))


class ReasonField(SelectField):
    def pre_validate(self, form: Any) -> None:
        if self.data not in {choice[0] for choice in self.iter_choices()}:
            raise ValidationError(_l("Motif inconnu : choisissez-en un dans la liste."))


class RollCallForm(FlaskForm):
    version = HiddenNumber(validators=[InputRequired()])
    action = HiddenField()  # the button pressed: "close" saves and validates the half-day, anything else saves
    roll: RollCall

    def stale(self) -> bool:
        """Whether the form was loaded before a change of the roll call (another save, a signature, a learner who
        arrived or a half-day moved): its versions are not those stored now."""
        if posted_number(self.version) != self.roll.session.version:
            return True
        return any(
            posted_number(self[field_name("version", row.enrolment.id)]) != (row.record.version if row.record else 0)
            for row in self.roll.rows
        )

    @property
    def closing(self) -> bool:
        return self.action.data == "close"

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for row in self.roll.rows:
            if self.presence(row) in TIMED and self.minutes(row) is None:
                field = self[field_name("minutes", row.enrolment.id)]
                planned = self.roll.session.planned_minutes
                field.errors = [_l("Indiquez les minutes : un nombre entier de 1 à %(most)d.", most=planned - 1)]
                valid = False
        return valid

    def presence(self, row: Row) -> str | None:
        return self[field_name("presence", row.enrolment.id)].data

    def minutes(self, row: Row) -> int | None:
        """The minutes typed for the row, if a whole number between 1 and the half-day's minutes − 1."""
        text = (self[field_name("minutes", row.enrolment.id)].data or "").strip()
        if not MINUTES.fullmatch(text) or not 1 <= int(text) < self.roll.session.planned_minutes:
            return None
        return int(text)

    def marks(self) -> dict[int, Mark]:
        """What was marked for each learner (a validated form)."""
        marks = {}
        for row in self.roll.rows:
            recorded = row.record.reason if row.record else None
            reason = kept_value(self[field_name("reason", row.enrolment.id)].data or None, recorded)
            presence = Presence(self.presence(row))
            marks[row.enrolment.id] = Mark(
                presence=presence,
                minutes=(self.minutes(row) or 0) if presence in TIMED else 0,
                reason=AbsenceReason(reason) if reason else None,
                justified=bool(self[field_name("justified", row.enrolment.id)].data),
            )
        return marks


def _row_fields(row: Row) -> dict[str, Field]:
    """The fields of a learner's row, preset to their record (present by default)."""
    record, name = row.record, row.learner.full_name
    timed = record is not None and record.presence in TIMED
    return {
        "version": HiddenNumber(default=record.version if record else 0),
        "presence": PresenceField(
            _l("Présence de %(name)s", name=name),
            choices=choices(Presence),
            default=(record.presence.value if record else Presence.PRESENT.value),
        ),
        "minutes": StringField(
            _l("Minutes (retard ou départ avant la fin)"), default=str(record.minutes) if timed else ""
        ),
        "reason": ReasonField(
            _l("Motif de l'absence"),
            choices=with_blank(choices(AbsenceReason), _l("non précisé")),
            default=code(record.reason if record else None),
            coerce=code,
        ),
        "justified": BooleanField(
            _l("Absence justifiée"), default=record is not None and record.justification == Justification.ACCEPTED
        ),
    }


def rollcall_form(roll: RollCall, posted: bool = True) -> RollCallForm:
    """One row per learner of the roll call, with the half-day's and each record's versions. With `posted=False`
    the request's values are ignored (to show the roll call as stored). A recorded reason the person may not
    see (sickness, for a trainer) is kept behind a « kept » choice (access.keep_hidden_choice)."""

    class Form(RollCallForm):
        pass

    for row in roll.rows:
        for kind, field in _row_fields(row).items():
            setattr(Form, field_name(kind, row.enrolment.id), field)
    form = Form(**({} if posted else {"formdata": None, "data": {"version": roll.session.version}}))
    form.roll = roll
    for row in roll.rows:
        if row.record is not None:
            reason = form[field_name("reason", row.enrolment.id)]
            keep_hidden_choice(reason, "reason", row.record.reason, current_user)
    return form


class SignForm(FlaskForm):
    """A learner's signature: the code alone (nothing names a learner: the account signs for itself)."""

    code = StringField(_l("Code de la demi-journée"), validators=[Length(max=MAX_CODE_LENGTH * 5)])
    next = HiddenField()
