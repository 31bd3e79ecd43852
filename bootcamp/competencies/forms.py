"""The grid form (built for each cohort) and the single assessment form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..forms import HiddenNumber, LevelField, code, with_blank
from ..models import Project
from .queries import Cell, Grid


def cell_name(cell: Cell) -> str:
    """The form field of a grid cell: level_<learner id>_<competency id>."""
    return f"level_{cell[0]}_{cell[1]}"


def project_choices(projects: list[Project]) -> list[SelectChoice]:
    return with_blank([SelectChoice(str(project.id), project.title) for project in projects], _l("aucun"))


class EvidenceForm(FlaskForm):
    comment = TextAreaField(_l("Commentaire"), validators=[Length(max=2000)])
    project = SelectField(_l("Projet servant de preuve"), coerce=code)

    @property
    def project_id(self) -> int | None:
        return int(self.project.data) if self.project.data else None


def grid_form(grid: Grid, posted: bool = True) -> "EvidenceForm":
    """A form with one level field per (learner, competency) of the grid, preset to the current level.

    With `posted=False` the request's values are ignored (to show the current grid again).
    """

    class GridForm(EvidenceForm):
        snapshot = HiddenNumber(validators=[InputRequired()])

    for learner in grid.learners:
        for competency in grid.competencies:
            cell = (learner.id, competency.id)
            assessed = cell in grid.levels
            setattr(
                GridForm,
                cell_name(cell),
                LevelField(
                    f"{learner.full_name}, {competency.code}",
                    default=str(grid.levels[cell]) if assessed else "",
                    allow_blank=not assessed,
                    compact=True,
                ),
            )
    form = GridForm(data={"snapshot": grid.snapshot}, **({} if posted else {"formdata": None}))
    form.project.choices = project_choices(grid.projects)
    return form


class AssessmentForm(EvidenceForm):
    level = LevelField(_l("Niveau atteint"), allow_blank=False)
