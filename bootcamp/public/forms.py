"""The form of a programme's public page: its summary, the nine texts of Qualiopi's indicator 1, the title's
certifier and RNCP registration date, its address (/p/<slug>), the open data's licence, published or not."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import ColumnLength, FrenchDateField, HiddenNumber
from ..labels import label
from ..models.public import INFORMATION_FIELDS, SLUG_LENGTH, SUMMARY_LENGTH, TEXT_LENGTH, Licence, ProgrammePage
from .pages import slug_taken
from .slugs import RESERVED, is_slug

# Each indicator-1 text's label and hint on the form, in INFORMATION_FIELDS' order (Qualiopi's own words).
TEXT_LABELS = {
    "objectives": (_l("Objectifs"), _l("Ce que la formation permet de faire à son terme.")),
    "prerequisites": (_l("Prérequis"), _l("Niveau, connaissances ou diplômes attendus ; « aucun » s'il n'y en a pas.")),
    "duration": (_l("Durée"), _l("En heures et en mois, stage compris, et le rythme.")),
    "admission": (_l("Modalités et délais d'accès"), _l("Comment entrer (réunion, tests, entretien) et quand.")),
    "price": (_l("Tarif"), _l("Le coût et qui peut le financer.")),
    "contacts": (_l("Contacts"), _l("À qui s'adresser : téléphone, adresse e-mail.")),
    "methods": (_l("Méthodes mobilisées"), _l("Comment on apprend : projets, ateliers, stage, accompagnement.")),
    "assessment": (_l("Modalités d'évaluation"), _l("Évaluations en cours de formation et examen du titre.")),
    "accessibility": (
        _l("Accessibilité aux personnes en situation de handicap"),
        _l("Locaux, adaptations possibles, et qui contacter (référent·e handicap)."),
    ),
}
TOO_LONG = _l("Texte trop long : %(length)d caractères, %(max)d au plus.")


def _stripped(value: str | None) -> str | None:
    """Trimmed, with a browser's line endings (CRLF) made plain newlines: the text is stored, journalled and
    measured as the manager sees it (a textarea's maxlength counts a line break as one character)."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(value, str) else value


def _text(name: str) -> TextAreaField:
    """An indicator-1 text: free, trimmed, TEXT_LENGTH characters at most."""
    return TextAreaField(
        TEXT_LABELS[name][0], filters=[_stripped], validators=[Length(max=TEXT_LENGTH, message=TOO_LONG)]
    )


def _lowered(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else value


class PageForm(FlaskForm):
    """A programme's public page as a manager writes it; the version the form was loaded with; two buttons: save,
    or see the page as it would be (nothing saved)."""

    version = HiddenNumber(default=0)
    summary = TextAreaField(
        _l("Résumé"),
        filters=[_stripped],
        validators=[Length(max=SUMMARY_LENGTH, message=TOO_LONG)],
    )
    objectives = _text("objectives")
    prerequisites = _text("prerequisites")
    duration = _text("duration")
    admission = _text("admission")
    price = _text("price")
    contacts = _text("contacts")
    methods = _text("methods")
    assessment = _text("assessment")
    accessibility = _text("accessibility")
    certifier = StringField(
        _l("Certificateur"), filters=[_stripped], validators=[ColumnLength(ProgrammePage.certifier)]
    )
    registration_date = FrenchDateField(_l("Date d'enregistrement au RNCP"))
    slug = StringField(
        _l("Adresse de la page"),
        filters=[_lowered],
        validators=[DataRequired(_l("Indiquez l'adresse de la page."))],
    )
    licence = SelectField(_l("Licence des données ouvertes"))
    published = BooleanField(_l("Publier la page"))
    save = SubmitField(_l("Enregistrer"))
    preview = SubmitField(_l("Aperçu"))

    def __init__(self, *args: Any, programme_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.programme_id = programme_id
        self.licence.choices = [(licence.value, label(licence)) for licence in Licence]

    def texts(self) -> list[tuple[Any, Any]]:
        """The indicator-1 fields with their hints, in the page's order."""
        return [(getattr(self, name), TEXT_LABELS[name][1]) for name in INFORMATION_FIELDS]

    def posted(self) -> list[tuple[str, str]]:
        """Every value as the manager wrote it (the preview posts them back to the form); an unticked box is left
        out, as a browser does."""
        kept = []
        for field in self:
            if field.name in ("csrf_token", "save", "preview") or (field.type == "BooleanField" and not field.data):
                continue
            kept.append((field.name, field.raw_data[0] if field.raw_data else str(field.data or "")))
        return kept

    def validate_slug(self, field: StringField) -> None:
        if field.data in RESERVED:
            raise ValidationError(_l("Cette adresse est réservée : choisissez-en une autre."))
        if not is_slug(field.data):
            raise ValidationError(_l(
                "Adresse invalide : lettres minuscules sans accent, chiffres et traits d'union, %(max)d caractères au "
                "plus.", max=SLUG_LENGTH
            ))
        if slug_taken(field.data, self.programme_id):
            raise ValidationError(_l("Cette adresse est déjà celle d'une autre page : choisissez-en une autre."))
