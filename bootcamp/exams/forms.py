"""The forms of exam sessions: a session, registering candidates, removing one, the results grid."""

from typing import Any

import sqlalchemy as sa
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..extensions import db
from ..forms import ColumnLength, FrenchDateField, HiddenNumber, posted_id
from ..labels import choices
from ..models import BlockResult, ExamKind, ExamSession, Programme

JURY_MAX = 2000
RESULT_CODES = {"": None, **{result.value: result for result in BlockResult}}


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SessionForm(FlaskForm):
    """A session's dates, place and jury (and, when created, its programme, kind and blocks)."""

    start_date = FrenchDateField(_l("Début"), validators=[InputRequired(_l("Indiquez la date de début."))])
    end_date = FrenchDateField(_l("Fin"), validators=[InputRequired(_l("Indiquez la date de fin."))])
    place = StringField(_l("Lieu"), validators=[ColumnLength(ExamSession.place)])
    jury = TextAreaField(
        _l("Jury (noms)"),
        validators=[Length(max=JURY_MAX, message=_l("Texte trop long : %(length)d caractères, %(max)d au plus."))],
    )
    version = HiddenNumber(validators=[InputRequired()])

    def validate_end_date(self, field: FrenchDateField) -> None:
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("La fin ne peut pas précéder le début."))

    def values(self) -> dict[str, Any]:
        return {
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "place": " ".join((self.place.data or "").split()),
            "jury": (self.jury.data or "").strip(),
        }


class NewSessionForm(SessionForm):
    # No `required` in the page: a select always has a choice (HTML wants a blank first option with it)
    programme = SelectField(
        _l("Titre"),
        coerce=int,
        validators=[InputRequired(_l("Choisissez le titre."))],
        render_kw={"required": False},
    )
    kind = SelectField(_l("Type de session"), choices=choices(ExamKind), default=ExamKind.TITLE.value)
    blocks = CheckboxList(_l("Blocs examinés (pour une session de rattrapage)"), coerce=int, default=[])
    version = None  # a new session has none

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programmes = db.session.scalars(sa.select(Programme).order_by(Programme.rncp_code)).all()
        self.programme.choices = [SelectChoice(p.id, str(p)) for p in programmes]
        self.blocks.choices = [
            SelectChoice(block.id, f"{p.short_name} · {block.code} — {block.title}")
            for p in programmes
            for block in p.blocks
        ]
        self.block_programmes = {block.id: p.id for p in programmes for block in p.blocks}

    def validate_blocks(self, field: CheckboxList) -> None:
        if self.kind.data != ExamKind.BLOCKS.value:
            return
        if not field.data:
            raise ValidationError(_l("Choisissez les blocs examinés par cette session."))
        if any(self.block_programmes.get(block_id) != self.programme.data for block_id in field.data):
            raise ValidationError(_l("Choisissez des blocs du titre de la session."))


class CandidatesForm(FlaskForm):
    """Register a cohort's learners, or some enrolments (the proposed resits), or both."""

    cohort = SelectField(_l("Promotion"), coerce=int, default=0)
    # boxes in the template; any id is read, the view keeps those of the session's programme
    enrolment = SelectMultipleField(_l("Candidat·es proposé·es"), coerce=int, default=[], validate_choice=False)

    def __init__(self, *args: Any, cohorts: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cohort.choices = [SelectChoice(0, "—"), *(SelectChoice(c.id, c.name) for c in cohorts or [])]

    def validate_cohort(self, field: SelectField) -> None:
        if not field.data and not self.enrolment.data:
            raise ValidationError(_l("Choisissez une promotion ou des candidat·es."))


class EmptyForm(FlaskForm):
    """A button's form: the CSRF token only."""


class ResultsForm(FlaskForm):
    """The grid: one field per result row, `result-<id>` (a BlockResult code, or empty for « pas encore »), with
    the version it was shown with, `version-<id>`."""

    def cells(self, result_ids: list[int]) -> dict[int, tuple[BlockResult | None, int]] | None:
        """Each posted cell of these result rows: (result, version shown); None if one is unreadable."""
        cells = {}
        for result_id in result_ids:
            name = f"result-{result_id}"
            if name not in request.form:
                continue
            value, version = request.form[name], posted_id(f"version-{result_id}")
            if value not in RESULT_CODES or version is None:
                return None
            cells[result_id] = (RESULT_CODES[value], version)
        return cells
