"""The forms of the questionnaires: a programme's statements, opening a campaign by hand, the anonymous answer."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    SelectChoice,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length

from ..forms import HiddenNumber
from ..models import OVERALL, SCALE, SurveyKind
from .answers import COMMENT_MAX
from .statements import MAX_STATEMENTS, TEXT_MAX, Statement

TOO_LONG = _l("Texte trop long : %(length)d caractères, %(max)d au plus.")


class EmptyForm(FlaskForm):
    """A button's form: the CSRF token only."""


class OpenCampaignForm(FlaskForm):
    """Open a cohort's campaign of a kind by hand (the button of /surveys/)."""

    cohort = HiddenNumber(validators=[InputRequired()])
    kind = HiddenField(validators=[InputRequired()])

    def validate_kind(self, field: HiddenField) -> None:
        if field.data not in {kind.value for kind in SurveyKind}:
            raise ValidationError(_l("Questionnaire inconnu."))


class StatementsForm(FlaskForm):
    """The statements of a questionnaire: each text (`text_<key>`), a box to remove it (`remove_<key>`, not for
    « overall »), one new statement (`added`), and the stamp the page was shown with."""

    stamp = HiddenField()
    added = TextAreaField(
        _l("Ajouter une affirmation (facultatif)"), validators=[Length(max=TEXT_MAX, message=TOO_LONG)]
    )

    @classmethod
    def for_statements(cls, statements: list[Statement], **kwargs: Any) -> "StatementsForm":
        class Form(cls):  # type: ignore[valid-type,misc]
            pass

        for number, item in enumerate(statements, start=1):
            text = TextAreaField(
                _l("Affirmation %(num)d", num=number),
                validators=[
                    InputRequired(_l("Écrivez l'affirmation, ou cochez « retirer ».")),
                    Length(max=TEXT_MAX, message=TOO_LONG),
                ],
                default=item.text,
            )
            setattr(Form, f"text_{item.key}", text)
            if item.key != OVERALL:
                setattr(Form, f"remove_{item.key}", BooleanField(_l("Retirer cette affirmation")))
        form = Form(**kwargs)
        form.statements = statements
        return form

    def validate(self, extra_validators: Any = None) -> bool:
        for item in self.statements:  # a statement removed needs no text
            if self._removed(item.key):
                self[f"text_{item.key}"].validators = []
        if not super().validate(extra_validators):
            return False
        if len(self.kept()) + bool((self.added.data or "").strip()) > MAX_STATEMENTS:
            self.added.errors.append(_l("%(max)d affirmations au plus : retirez-en une d'abord.", max=MAX_STATEMENTS))
            return False
        return True

    def _removed(self, key: str) -> bool:
        box = self._fields.get(f"remove_{key}")
        return bool(box is not None and box.data)

    def kept(self) -> list[tuple[str, str]]:
        """(key, text) of the statements kept, in order."""
        return [
            (item.key, self[f"text_{item.key}"].data or "") for item in self.statements if not self._removed(item.key)
        ]


class ScaleField(RadioField):
    """A score from 1 (« pas du tout d'accord ») to 5 (« tout à fait d'accord »); anything else is refused."""

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        super().__init__(label, choices=[SelectChoice(str(score), str(score)) for score in SCALE], **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[0] if valuelist else None

    def pre_validate(self, form: Any) -> None:
        if self.data not in {str(score) for score in SCALE}:
            raise ValidationError(_l("Choisissez une note de 1 à 5."))

    @property
    def score(self) -> int:
        return int(self.data)


class AnswerForm(FlaskForm):
    """The questionnaire: one 1-5 scale per statement of the campaign (`score_<key>`), all required, and a free
    text."""

    comment = TextAreaField(
        _l("Voulez-vous ajouter quelque chose ? (facultatif)"),
        validators=[Length(max=COMMENT_MAX, message=TOO_LONG)],
    )

    @classmethod
    def for_campaign(cls, statements: list[dict[str, str]], **kwargs: Any) -> "AnswerForm":
        class Form(cls):  # type: ignore[valid-type,misc]
            pass

        for item in statements:
            setattr(Form, f"score_{item['key']}", ScaleField(item["text"]))
        form = Form(**kwargs)
        form.keys = [item["key"] for item in statements]
        return form

    def scale_fields(self) -> list[Field]:
        return [self[f"score_{key}"] for key in self.keys]

    def scores(self) -> dict[str, int]:
        return {key: self[f"score_{key}"].score for key in self.keys}
