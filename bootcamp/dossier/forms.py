"""The forms of the Dossier Professionnel: the learner adds, edits and deletes an example; the trainer reviews one.

Several forms share a page (one per example, one « add » per block): `numbered` gives each one's fields ids of
their own, the names staying the same.
"""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..forms import ColumnLength, HiddenNumber
from ..labels import choices, label
from ..models import DpContext, DpExample, DpStatus
from .services import LEARNER_STATUSES, REVIEW_COMMENT_MAX

NOT_A_STATUS = _l("Choisissez un statut de la liste.")
NOT_A_CONTEXT = _l("Choisissez un contexte de la liste.")


def _stripped(value: str | None) -> str | None:
    return " ".join(value.split()) if isinstance(value, str) else value


def numbered(form: Form, suffix: object) -> Form:
    """The form with `-<suffix>` added to each field's id (and its label's `for`), for a page of several."""
    for field in form:
        field.id = f"{field.id}-{suffix}"
        field.label.field_id = field.id
    return form


class NewExampleForm(FlaskForm):
    """A learner adds an example to a block: its title and where it took place (its status: « à rédiger »)."""

    block = HiddenNumber(validators=[InputRequired()])
    title = StringField(
        _l("Titre de l'exemple"),
        filters=[_stripped],
        validators=[DataRequired(_l("Indiquez le titre de l'exemple.")), ColumnLength(DpExample.title)],
    )
    context = SelectField(
        _l("Contexte"), choices=choices(DpContext), default=DpContext.CENTRE.value, invalid_choice_message=NOT_A_CONTEXT
    )


class ExampleForm(FlaskForm):
    """A learner changes their example: title, context, status (« relu » only kept when the trainer gave it)."""

    version = HiddenNumber(validators=[InputRequired()])
    title = StringField(
        _l("Titre de l'exemple"),
        filters=[_stripped],
        validators=[DataRequired(_l("Indiquez le titre de l'exemple.")), ColumnLength(DpExample.title)],
    )
    context = SelectField(_l("Contexte"), choices=choices(DpContext), invalid_choice_message=NOT_A_CONTEXT)
    status = SelectField(_l("Statut"), invalid_choice_message=NOT_A_STATUS)

    def __init__(self, *args: Any, current: DpStatus | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = [*LEARNER_STATUSES, *([DpStatus.REVIEWED] if current == DpStatus.REVIEWED else [])]
        self.status.choices = [SelectChoice(status.value, label(status)) for status in DpStatus if status in offered]


class DeleteForm(FlaskForm):
    """A learner deletes their example: the version the page showed."""

    version = HiddenNumber(validators=[InputRequired()])


class ReviewForm(FlaskForm):
    """A trainer reviews an example: any status, a comment."""

    version = HiddenNumber(validators=[InputRequired()])
    status = SelectField(_l("Statut"), choices=choices(DpStatus), invalid_choice_message=NOT_A_STATUS)
    review_comment = TextAreaField(
        _l("Commentaire de relecture"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            Length(
                max=REVIEW_COMMENT_MAX, message=_l("Texte trop long : %(length)d caractères, %(max)d au plus.")
            )
        ],
    )


def example_form(example: DpExample, formdata: Any = None) -> ExampleForm:
    """The learner's form of `example`, filled from it (formdata=None) or from a posted form."""
    form = ExampleForm(
        formdata=formdata,
        current=example.status,
        data={
            "version": example.version,
            "title": example.title,
            "context": example.context.value,
            "status": example.status.value,
        },
    )
    return numbered(form, f"e{example.id}")


def review_form(example: DpExample, formdata: Any = None) -> ReviewForm:
    """The trainer's form of `example`, filled from it (formdata=None) or from a posted form."""
    form = ReviewForm(
        formdata=formdata,
        data={"version": example.version, "status": example.status.value, "review_comment": example.review_comment},
    )
    return numbered(form, f"e{example.id}")
