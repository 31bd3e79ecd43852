"""Briefs of a cohort, one brief, and grading it for the whole cohort."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from ..access import COHORT_STAFF, get_cohort_or_404, get_project_or_404, role_required
from ..audit import last_change
from ..cache import cached_fragment, render_fragment, with_csrf
from ..competencies.queries import programme_blocks
from ..extensions import db
from ..forms import posted_id, replace_value
from ..models import Project
from . import bp
from .forms import ProjectForm, grading_form, project_form, row_field
from .queries import cohort_projects, grade_sheet
from .services import BriefData, GradingResult, save_grades, save_project


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
@role_required(*COHORT_STAFF)
def index(cohort_id: int) -> Response | str:
    """The cohort's briefs, and the form to publish a new one."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    blocks = programme_blocks(cohort)
    form = project_form(blocks, cohort.start_date, {})
    if form.validate_on_submit():
        project = save_project(cohort, _brief(form))
        db.session.commit()
        flash(_("Projet « %(title)s » publié.", title=project.title), "success")
        return redirect(url_for("projects.index", cohort_id=cohort.id))
    return render_template(
        "projects/index.html", cohort=cohort, projects=cohort_projects(cohort), form=form, blocks=blocks
    )


@bp.route("/projects/<int:project_id>", methods=["GET", "POST"])
@role_required(*COHORT_STAFF)
def edit(project_id: int) -> Response | str:
    """One brief: read it, change it (refused if someone else changed it since the form was opened)."""
    project = get_project_or_404(project_id, current_user)
    cohort = project.cohort
    blocks = programme_blocks(cohort)
    targets = {target.competency_id: target.target_level for target in project.targets}
    form = project_form(blocks, cohort.start_date, targets, obj=project)
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


@bp.route("/projects/<int:project_id>/grades", methods=["GET", "POST"])
@role_required(*COHORT_STAFF)
def grades(project_id: int) -> Response | str:
    """Grade a brief for the whole cohort in one form: scores, statuses, feedback, levels reached."""
    project = get_project_or_404(project_id, current_user)
    if request.method == "GET":  # the same for every member of staff until the next write
        body = cached_fragment(
            "projects/_grades.html", ("grades", project.id, current_user.role), lambda: _grades_context(project)
        )
        return render_template("projects/grades.html", project=project, body=with_csrf(body))
    sheet = grade_sheet(project, as_of=posted_id("snapshot"))
    form = grading_form(sheet)
    result = None
    if form.validate_on_submit():
        rows, levels = form.changes()
        try:
            result = save_grades(sheet, rows, levels, form.snapshot.data)
        except (StaleDataError, IntegrityError):  # someone saved between our check and our write
            result = GradingResult(0, {}, {}, clash=True)
        if result.ok:
            db.session.commit()
            message = ngettext("%(num)d changement enregistré.", "%(num)d changements enregistrés.", result.saved)
            flash(message, "success")
            return redirect(url_for("projects.grades", project_id=project.id))
        db.session.rollback()
        # Show the grades as they are now, with this person's changes on top: saving again applies them.
        sheet = grade_sheet(project)
        form = grading_form(sheet, posted=False)
        form.keep(rows, levels)
    context = _grades_context(project, sheet, form, result)
    body = render_fragment("projects/_grades.html", **context)
    return render_template("projects/grades.html", project=project, body=with_csrf(body))


def _grades_context(project: Project, sheet=None, form=None, result: GradingResult | None = None) -> dict:
    sheet = sheet or grade_sheet(project)
    return {
        "cohort": project.cohort,
        "project": project,
        "sheet": sheet,
        "form": form or grading_form(sheet, posted=False),
        "result": result,
        "row_field": row_field,
    }
