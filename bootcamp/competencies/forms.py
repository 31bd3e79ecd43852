"""The grid form (built for each cohort) and the single assessment form."""

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..forms import HiddenNumber, LevelField, code, with_blank
from ..models import Project
from .queries import Cell, Grid
from .services import LevelChange


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


@dataclass(frozen=True)
class GridChanges:
    """The levels a person changed on the grid, with the comment and the project they gave for all of them."""

    levels: dict[Cell, LevelChange]
    comment: str
    project: str | None

    def __len__(self) -> int:
        return len(self.levels)


class GridForm(EvidenceForm):
    snapshot = HiddenNumber(validators=[InputRequired()])
    grid: Grid

    def changes(self) -> GridChanges:
        """The levels changed, compared with what the grid showed (as of its snapshot)."""
        seen = self.grid.levels
        levels = {}
        for learner in self.grid.learners:
            for competency in self.grid.competencies:
                cell = (learner.id, competency.id)
                level = self[cell_name(cell)].level
                if level is not None and level != seen.get(cell):
                    levels[cell] = LevelChange(seen.get(cell), level)
        return GridChanges(levels, self.comment.data, self.project.data)

    def keep(self, changes: GridChanges) -> None:
        """Put a refused submission's changes back into this (fresh) form, so that saving again applies them."""
        self.comment.data, self.project.data = changes.comment, changes.project
        for cell, change in changes.levels.items():
            if cell_name(cell) in self:
                self[cell_name(cell)].data = str(change.level)


def grid_form(grid: Grid, posted: bool = True) -> GridForm:
    """A form with one level field per (learner, competency) of the grid, preset to the current level.

    With `posted=False` the request's values are ignored (to show the current grid again).
    """

    class Form(GridForm):
        pass

    for learner in grid.learners:
        for competency in grid.competencies:
            cell = (learner.id, competency.id)
            assessed = cell in grid.levels
            setattr(
                Form,
                cell_name(cell),
                LevelField(
                    f"{learner.full_name}, {competency.code}",
                    default=str(grid.levels[cell]) if assessed else "",
                    allow_blank=not assessed,
                    compact=True,
                ),
            )
    form = Form(data={"snapshot": grid.snapshot}, **({} if posted else {"formdata": None}))
    form.grid = grid
    form.project.choices = project_choices(grid.projects)
    return form


class AssessmentForm(EvidenceForm):
    level = LevelField(_l("Niveau atteint"), allow_blank=False)


class ConfirmForm(FlaskForm):
    """« Confirmer le niveau proposé »: the tutor's level the page showed, and the newest assessment it showed."""

    proposal = HiddenNumber(validators=[InputRequired()])
    snapshot = HiddenNumber(validators=[InputRequired()])
    comment = TextAreaField(_l("Commentaire (facultatif)"), validators=[Length(max=2000)])

    def __init__(self, **kwargs: Any) -> None:  # its own ids beside the « nouvelle évaluation » form's on the page
        super().__init__(prefix="confirm", **kwargs)
