"""The tutor's form: the days present, a level (or « non observé ») with a comment for each competency of the
programme, an overall appreciation; and the staff's « send the link now » button."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectChoice, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length

from ..forms import HiddenNumber
from ..labels import LEVEL_LABELS
from ..models import Competency, TutorReview
from .tutor import APPRECIATION_MAX, COMMENT_MAX, Observation, TutorAnswer

TOO_LONG = _l("Texte trop long : %(length)d caractères, %(max)d au plus.")
NOT_OBSERVED = _l("non observé")


class SendLinkForm(FlaskForm):
    """« Envoyer le lien maintenant »: the CSRF token only."""


class DaysField(IntegerField):
    """A number of days, 0 to the form's planned days (set by the form)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if text:
            if not (text.isascii() and text.isdigit()) or len(text) > 4:
                raise ValueError(_l("Écrivez un nombre de jours, par exemple 20."))
            self.data = int(text)


class ObservedLevelField(RadioField):
    """« non observé » (empty), or a level 0 to 3 with its words; anything else is refused."""

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        choices = [SelectChoice("", NOT_OBSERVED)]
        choices += [SelectChoice(str(level), f"{level} · {LEVEL_LABELS[level]}") for level in range(4)]
        super().__init__(label, choices=choices, default="", **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[0] if valuelist else ""

    def pre_validate(self, form: Any) -> None:
        if self.data not in ("", "0", "1", "2", "3"):
            raise ValidationError(_l("Niveau invalide : choisissez « non observé » ou un niveau de 0 à 3."))

    @property
    def level(self) -> int | None:
        return int(self.data) if self.data else None


class TutorReviewForm(FlaskForm):
    """The fields `level_<competency id>` and `comment_<competency id>` are added per competency (for_review)."""

    version = HiddenNumber(validators=[InputRequired()])
    days_present = DaysField(
        _l("Jours de présence en entreprise sur la période"),
        validators=[InputRequired(_l("Indiquez le nombre de jours de présence."))],
    )
    appreciation = TextAreaField(
        _l("Votre appréciation générale"),
        validators=[
            DataRequired(_l("Écrivez votre appréciation générale, même en quelques mots.")),
            Length(max=APPRECIATION_MAX, message=TOO_LONG),
        ],
    )

    @classmethod
    def for_review(cls, review: TutorReview, competencies: list[Competency], **kwargs: Any) -> "TutorReviewForm":
        class Form(cls):  # type: ignore[valid-type,misc]
            pass

        for competency in competencies:
            setattr(Form, f"level_{competency.id}", ObservedLevelField(f"{competency.code} · {competency.title}"))
            comment = TextAreaField(
                _l("Commentaire (facultatif)"), validators=[Length(max=COMMENT_MAX, message=TOO_LONG)]
            )
            setattr(Form, f"comment_{competency.id}", comment)
        kwargs.setdefault("version", review.version)
        kwargs.setdefault("days_present", review.planned_days)
        form = Form(**kwargs)
        form.competencies, form.planned_days = competencies, review.planned_days
        return form

    def validate_days_present(self, field: DaysField) -> None:
        if field.data is not None and not 0 <= field.data <= self.planned_days:
            raise ValidationError(
                _l("Indiquez un nombre de jours de 0 à %(max)d (les jours de stage prévus).", max=self.planned_days)
            )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for _competency, level, comment in self.pairs():
            if (comment.data or "").strip() and level.data == "" and not comment.errors:
                comment.errors = [_l("Choisissez un niveau pour cette compétence, ou effacez le commentaire.")]
                valid = False
        return valid

    def pairs(self) -> list[tuple[Competency, ObservedLevelField, TextAreaField]]:
        """Each competency with its two fields, for the page."""
        return [(c, self[f"level_{c.id}"], self[f"comment_{c.id}"]) for c in self.competencies]

    def answer(self) -> TutorAnswer:
        """The validated form as an answer: the competencies observed only."""
        observed = tuple(
            Observation(competency.id, level.level, (comment.data or "").strip())
            for competency, level, comment in self.pairs()
            if level.level is not None
        )
        return TutorAnswer(self.days_present.data, (self.appreciation.data or "").strip(), observed)
