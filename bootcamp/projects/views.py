"""Briefs of a cohort, one brief, and grading it for the whole cohort."""

from collections.abc import Hashable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from ..access import get_cohort_or_404, get_project_or_404, role_required
from ..audit import last_change
from ..competencies.queries import Cell, programme_blocks
from ..competencies.services import LevelChange
from ..extensions import db
from ..forms import replace_value
from ..handins.status import DEFINITION
from ..models import Project
from ..sheets import Result, Sheet, respond
from .forms import GradingForm, ProjectForm, grading_form, project_form, row_field
from .queries import GradeSheet, cohort_projects, grade_sheet
from .services import BriefData, GradeInput, GradingResult, save_grades, save_project

bp = Blueprint("projects", __name__)


def _brief(form: ProjectForm) -> BriefData:
    return BriefData(
        title=form.title.data.strip(),
        description=form.description.data or "",
        context=form.context.data or "",
        deliverables=form.deliverables.data or "",
        due_date=form.due_date.data,
        targets=form.targets(),
    )


@bp.route("/cohorts/<int:cohort_id>/projects", methods=["GET", "POST"])
@role_required("teach")
def index(cohort_id: int) -> Response | str:
    """The cohort's briefs, and the form to publish a new one."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    blocks = programme_blocks(cohort)
    form = project_form(blocks, cohort, {})
    if form.validate_on_submit():
        project = save_project(cohort, _brief(form))
        db.session.commit()
        flash(_("Projet « %(title)s » publié.", title=project.title), "success")
        return redirect(url_for("projects.index", cohort_id=cohort.id))
    return render_template(
        "projects/index.html", cohort=cohort, projects=cohort_projects(cohort), form=form, blocks=blocks
    )


@bp.route("/projects/<int:project_id>", methods=["GET", "POST"])
@role_required("teach")
def edit(project_id: int) -> Response | str:
    """One brief: read it, change it (refused if someone else changed it since the form was opened)."""
    project = get_project_or_404(project_id, current_user)
    cohort = project.cohort
    blocks = programme_blocks(cohort)
    targets = {target.competency_id: target.target_level for target in project.targets}
    form = project_form(blocks, cohort, targets, obj=project)
    conflict = None
    if form.validate_on_submit():
        if form.version.data != project.version:
            conflict = last_change("project", project.id)
            replace_value(form.version, project.version)
        else:
            save_project(cohort, _brief(form), project)
            db.session.commit()
            flash(_("Projet « %(title)s » enregistré.", title=project.title), "success")
            return redirect(url_for("projects.edit", project_id=project.id))
    return render_template(
        "projects/edit.html", cohort=cohort, project=project, form=form, blocks=blocks, conflict=conflict
    )


GradingChanges = tuple[list[GradeInput], dict[Cell, LevelChange]]


class GradingSheet(Sheet[GradeSheet, GradingChanges]):
    """A brief's grades for the whole cohort as a versioned sheet (sheets.py)."""

    partial, page = "projects/_grades.html", "projects/grades.html"

    def __init__(self, project: Project) -> None:
        self.project = project

    def key(self) -> Hashable:
        return ("grades", self.project.id)

    def read(self, as_of: int | None = None) -> GradeSheet:
        return grade_sheet(self.project, as_of=as_of)

    def form(self, data: GradeSheet, posted: bool = True) -> GradingForm:
        return grading_form(data, posted)

    def save(self, data: GradeSheet, form: GradingForm, changes: GradingChanges) -> GradingResult:
        try:
            return save_grades(data, *changes, form.snapshot.data)
        except (StaleDataError, IntegrityError):  # someone saved between our check and our write
            return GradingResult(0, {}, {}, clash=True)

    def context(self, data: GradeSheet, form: GradingForm, result: Result | None) -> dict[str, Any]:
        return {
            "cohort": self.project.cohort,
            "project": self.project,
            "sheet": data,
            "form": form,
            "result": result,
            "row_field": row_field,
            "definition": DEFINITION,
        }

    def page_context(self) -> dict[str, Any]:
        return {"project": self.project}

    def url(self) -> str:
        return url_for("projects.grades", project_id=self.project.id)

    def saved_message(self, result: Result) -> str:
        return ngettext("%(num)d changement enregistré.", "%(num)d changements enregistrés.", result.saved)


@bp.route("/projects/<int:project_id>/grades", methods=["GET", "POST"])
@role_required("teach")
def grades(project_id: int) -> Response | str:
    """Grade a brief for the whole cohort in one form, beside each learner's status and latest hand-in: scores,
    exemptions, feedback, levels reached."""
    return respond(GradingSheet(get_project_or_404(project_id, current_user)))
