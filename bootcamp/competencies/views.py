"""The competency grid of a cohort, and one learner's history on one competency."""

from collections.abc import Hashable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from ..access import get_cohort_or_404, get_learner_and_competency_or_404, role_required
from ..extensions import db
from ..models import Block, Cohort, Competency
from ..sheets import Result, Saved, Sheet, respond
from ..wording import of_name
from .forms import AssessmentForm, GridChanges, GridForm, cell_name, grid_form, project_choices
from .queries import Grid, grid, history
from .services import LevelChange, record_levels

bp = Blueprint("competencies", __name__)


class GridSheet(Sheet[Grid, GridChanges]):
    """The cohort's competency grid as a versioned sheet (sheets.py)."""

    partial, page = "competencies/_grid.html", "competencies/grid.html"
    nothing_changed = _l("Aucun niveau n'a changé : rien n'a été enregistré.")

    def __init__(self, cohort: Cohort) -> None:
        self.cohort = cohort

    def key(self) -> Hashable:
        return ("grid", self.cohort.id)

    def read(self, as_of: int | None = None) -> Grid:
        return grid(self.cohort, as_of=as_of)

    def form(self, data: Grid, posted: bool = True) -> GridForm:
        return grid_form(data, posted)

    def save(self, data: Grid, form: GridForm, changes: GridChanges) -> Saved:
        conflicts = record_levels(changes.levels, changes.comment.strip(), form.project_id, form.snapshot.data)
        return Saved(len(changes), conflicts)

    def context(self, data: Grid, form: GridForm, result: Result | None) -> dict[str, Any]:
        conflicts = result.conflicts if isinstance(result, Saved) else {}
        return {"cohort": self.cohort, "grid": data, "form": form, "conflicts": conflicts, "cell_name": cell_name}

    def page_context(self) -> dict[str, Any]:
        return {"cohort": self.cohort}

    def url(self) -> str:
        return url_for("competencies.grid_page", cohort_id=self.cohort.id)

    def saved_message(self, result: Result) -> str:
        return ngettext("%(num)d niveau enregistré.", "%(num)d niveaux enregistrés.", result.saved)


@bp.route("/cohorts/<int:cohort_id>/competencies", methods=["GET", "POST"])
@role_required("teach")
def grid_page(cohort_id: int) -> Response | str:
    """Learners x competencies: change any number of levels, save once."""
    return respond(GridSheet(get_cohort_or_404(cohort_id, current_user)))


@bp.route("/cohorts/<int:cohort_id>/competencies/<int:learner_id>/<int:competency_id>", methods=["GET", "POST"])
@role_required("teach")
def cell(cohort_id: int, learner_id: int, competency_id: int) -> Response | str:
    """One learner's history on one competency, and a form to record a new assessment."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    learner, competency = get_learner_and_competency_or_404(cohort, learner_id, competency_id)
    past = history(learner.id, competency.id)
    form = AssessmentForm(data={"level": str(past[0].level) if past else "0"})  # the current level
    form.project.choices = project_choices(list(cohort.projects))
    if form.validate_on_submit():
        before = past[0].level if past else None
        record_levels(
            {(learner.id, competency.id): LevelChange(before, form.level.level)},
            form.comment.data.strip(),
            form.project_id,
        )
        db.session.commit()
        flash(_("Niveau %(of_name)s enregistré.", of_name=of_name(learner.full_name)), "success")
        return redirect(
            url_for("competencies.cell", cohort_id=cohort.id, learner_id=learner.id, competency_id=competency.id)
        )
    competencies = db.session.scalars(
        sa.select(Competency)
        .join(Block, Block.id == Competency.block_id)
        .where(Block.programme_id == cohort.programme_id)
        .order_by(Block.position, Competency.position)
    ).all()
    return render_template(
        "competencies/cell.html",
        cohort=cohort,
        learner=learner,
        competency=competency,
        competencies=competencies,
        history=past,
        form=form,
    )
