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
from ..models import Block, Cohort, Competency, CompetencyAssessment, Learner
from ..progress import current_of, pending_proposal
from ..sheets import Result, Saved, Sheet, respond
from ..wording import of_name
from .forms import AssessmentForm, ConfirmForm, GridChanges, GridForm, cell_name, grid_form, project_choices
from .queries import Grid, grid, history
from .services import LevelChange, confirm_proposal, record_levels

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
    current = current_of(past)
    form = _assessment_form(cohort, current)
    if form.validate_on_submit():
        record_levels(
            {(learner.id, competency.id): LevelChange(current.level if current else None, form.level.level)},
            form.comment.data.strip(),
            form.project_id,
        )
        db.session.commit()
        flash(_("Niveau %(of_name)s enregistré.", of_name=of_name(learner.full_name)), "success")
        return redirect(_cell_url(cohort, learner.id, competency.id))
    return _cell_page(cohort, learner, competency, past, form, _confirm_form(past))


@bp.route("/cohorts/<int:cohort_id>/competencies/<int:learner_id>/<int:competency_id>/confirm", methods=["POST"])
@role_required("teach")
def confirm(cohort_id: int, learner_id: int, competency_id: int) -> Response | tuple[str, int]:
    """Confirm the tutor's level the page showed, unless a trainer's level or another tutor's was saved since."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    learner, competency = get_learner_and_competency_or_404(cohort, learner_id, competency_id)
    past = history(learner.id, competency.id)
    proposal, posted = pending_proposal(past), ConfirmForm()
    form = _assessment_form(cohort, current_of(past), posted=False)
    if not posted.validate_on_submit():
        return _cell_page(cohort, learner, competency, past, form, posted), 400
    if proposal is None or proposal.id != posted.proposal.data or confirm_proposal(
        proposal, current_of(past), posted.comment.data.strip(), posted.snapshot.data
    ):
        db.session.rollback()
        return _cell_page(cohort, learner, competency, history(learner.id, competency.id), form, None, True), 409
    db.session.commit()
    flash(_("Niveau proposé par le ou la tuteur·rice confirmé pour %(name)s.", name=learner.full_name), "success")
    return redirect(_cell_url(cohort, learner.id, competency.id))


def _assessment_form(cohort: Cohort, current: CompetencyAssessment | None, posted: bool = True) -> AssessmentForm:
    """The « nouvelle évaluation » form, preset to the current level (a trainer's)."""
    level = str(current.level) if current else "0"
    form = AssessmentForm(data={"level": level}, **({} if posted else {"formdata": None}))
    form.project.choices = project_choices(list(cohort.projects))
    return form


def _confirm_form(past: list[CompetencyAssessment]) -> ConfirmForm | None:
    """The « confirmer » form when a tutor's level is pending, carrying what the page shows."""
    proposal = pending_proposal(past)
    if proposal is None:
        return None
    return ConfirmForm(formdata=None, data={"proposal": proposal.id, "snapshot": max(each.id for each in past)})


def _cell_url(cohort: Cohort, learner_id: int, competency_id: int) -> str:
    return url_for("competencies.cell", cohort_id=cohort.id, learner_id=learner_id, competency_id=competency_id)


def _cell_page(
    cohort: Cohort,
    learner: Learner,
    competency: Competency,
    past: list[CompetencyAssessment],
    form: AssessmentForm,
    confirm_form: ConfirmForm | None,
    conflict: bool = False,
) -> str:
    competencies = db.session.scalars(
        sa.select(Competency)
        .join(Block, Block.id == Competency.block_id)
        .where(Block.programme_id == cohort.programme_id)
        .order_by(Block.position, Competency.position)
    ).all()
    if conflict:
        confirm_form = _confirm_form(past)
    return render_template(
        "competencies/cell.html",
        cohort=cohort,
        learner=learner,
        competency=competency,
        competencies=competencies,
        history=past,
        current=current_of(past),
        proposal=pending_proposal(past),
        form=form,
        confirm_form=confirm_form,
        conflict=conflict,
    )
