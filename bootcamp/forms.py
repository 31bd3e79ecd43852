"""Form pieces shared by several features: dates in French format, scores out of 20, levels, text lengths."""

from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import QueryableAttribute
from wtforms import DateField, Field, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, NumberRange, ValidationError
from wtforms.widgets import HiddenInput, html_params

from .dates import date_problem
from .labels import LEVEL_LABELS


def column_length(attribute: QueryableAttribute) -> int:
    """The length of a mapped String(n) column: the one limit forms and imports check a text against."""
    column_type = attribute.property.columns[0].type
    if not isinstance(column_type, sa.String) or column_type.length is None:
        raise TypeError(f"{attribute} is not a String(n) column")
    return column_type.length


def ColumnLength(attribute: QueryableAttribute) -> Length:  # noqa: N802 (used like WTForms' validator classes)
    """WTForms' Length validator with the column's own limit."""
    # Length formats the message with max and length
    return Length(max=column_length(attribute), message=_l("Texte trop long : %(length)d caractères, %(max)d au plus."))


class FrenchDateField(DateField):
    """A date typed as 25/12/2026 or picked as 2026-12-25 (what <input type=date> sends); empty is None. Only
    the dates bootcamp/dates.py accepts (1900 to a few years from now)."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        message = _l("Date invalide : écrivez-la sous la forme 25/12/2026.")
        super().__init__(label, validators, format=["%Y-%m-%d", "%d/%m/%Y"], invalid_value_message=message, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and not valuelist[0].strip():
            self.data, self.raw_data = None, []  # blank counts as not given, for InputRequired too
            return
        super().process_formdata([valuelist[0].strip()] if valuelist else valuelist)
        if self.data is not None and (problem := date_problem(self.data)):
            self.data = None
            raise ValueError(problem[:1].upper() + problem[1:] + ".")


class ScoreField(StringField):
    """A score out of 20 with at most two decimals; a comma works as well as a point; empty is allowed."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        text = (valuelist[0] if valuelist else "").strip().replace(",", ".")
        if not text:
            return
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(_l("Note invalide : écrivez un nombre entre 0 et 20, par exemple 14,5.")) from None
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(20):
            raise ValueError(_l("La note doit être comprise entre 0 et 20."))
        if value != value.quantize(Decimal("0.01")):
            raise ValueError(_l("La note a au plus deux décimales."))
        self.data = value

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format(self.data.normalize(), "f").replace(".", ",")


LEVELS_LIST = "levels"  # id of the <datalist> that the `levels_datalist` macro of _form.html renders


class LevelInput:
    """A one-character box for a level, for the big forms (grid, grading): typed 0 to 3, with the levels offered
    by one <datalist> of the page. Five times fewer elements than a select per cell, and quick to fill by
    keyboard (a digit, then Tab)."""

    def __call__(self, field: "LevelField", **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        attributes = {
            "type": "text",
            "name": field.name,
            "value": field.data or "",
            "inputmode": "numeric",
            "maxlength": 1,
            "size": 1,
            "autocomplete": "off",
            "list": LEVELS_LIST,
            "class": "level",
            **kwargs,
        }
        # html_params escapes every value (as WTForms' own widgets do)
        return Markup(f"<input {html_params(**attributes)}>")  # nosec


class LevelField(SelectField):
    """A competency level, 0 to 3, or empty for « non évalué » / unchanged. A select, or with compact=True the
    small text box of LevelInput."""

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        allow_blank: bool = True,
        blank: Any = None,
        compact: bool = False,
        **kwargs: Any,
    ) -> None:
        choices = [SelectChoice("", str(blank if blank is not None else LEVEL_LABELS[None]))] if allow_blank else []
        choices += [SelectChoice(str(level), f"{level} · {LEVEL_LABELS[level]}") for level in range(4)]
        if compact:
            kwargs["widget"] = LevelInput()
        super().__init__(label, validators, choices=choices, **kwargs)
        self.allow_blank = allow_blank

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[0].strip() if valuelist else ""

    def pre_validate(self, form: Any) -> None:
        if self.data not in ("0", "1", "2", "3") and not (self.allow_blank and self.data == ""):
            raise ValidationError(_l("Niveau invalide : choisissez un niveau de 0 à 3."))

    @property
    def level(self) -> int | None:
        return int(self.data) if self.data not in (None, "") else None


def with_blank(options: list[SelectChoice], blank: Any) -> list[SelectChoice]:
    """The options with an empty first choice labelled `blank` (« — », « pas encore »...)."""
    return [SelectChoice("", blank), *options]  # a lazy string stays lazy: translated when shown


def code(value: object) -> str:
    """Coerce a stored code (a StrEnum or None) to what a select field compares."""
    return "" if value is None else str(value)


def replace_value(field: Field, value: object) -> None:
    """Give a posted field a new value to render (a hidden version after a refused save)."""
    field.data = value
    field.raw_data = None


MAX_ID = 2**31 - 1  # the largest integer key PostgreSQL and SQLite both keep


def posted_id(name: str, source: Any = None) -> int | None:
    """An integer from the request (form by default) that can be an id, a version or a snapshot; else None."""
    from flask import request

    value = (source if source is not None else request.form).get(name, type=int)
    return value if value is not None and 0 <= value <= MAX_ID else None


class HiddenNumber(IntegerField):
    """A hidden version or snapshot number; anything outside what a database key can hold is refused."""

    widget = HiddenInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, [*(validators or []), NumberRange(0, MAX_ID)], **kwargs)
