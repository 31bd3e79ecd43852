"""The competency grid of a cohort, and one learner's history on one competency."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from ..access import COHORT_STAFF, get_cohort_or_404, role_required
from ..cache import cached_fragment, render_fragment, with_csrf
from ..extensions import db
from ..forms import posted_id
from ..models import Block, Cohort, Competency, Enrolment, Learner
from . import bp
from .forms import AssessmentForm, cell_name, grid_form, project_choices
from .queries import grid, history
from .services import LevelChange, record_levels


@bp.route("/cohorts/<int:cohort_id>/competencies", methods=["GET", "POST"])
@role_required(*COHORT_STAFF)
def grid_page(cohort_id: int) -> Response | str:
    """Learners x competencies: change any number of levels, save once."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    if request.method == "GET":  # the same for every member of staff until the next write
        body = cached_fragment(
            "competencies/_grid.html", ("grid", cohort.id, current_user.role), lambda: _grid_context(cohort)
        )
        return render_template("competencies/grid.html", cohort=cohort, body=with_csrf(body))
    data = grid(cohort, as_of=posted_id("snapshot"))
    form = grid_form(data)
    conflicts = {}
    if form.validate_on_submit():
        seen = data.levels
        changes = {}
        for learner in data.learners:
            for competency in data.competencies:
                cell = (learner.id, competency.id)
                level = form[cell_name(cell)].level
                if level is not None and level != seen.get(cell):
                    changes[cell] = LevelChange(seen.get(cell), level)
        if not changes:
            flash(_("Aucun niveau n'a changé : rien n'a été enregistré."), "info")
            return redirect(url_for("competencies.grid_page", cohort_id=cohort.id))
        conflicts = record_levels(changes, form.comment.data.strip(), form.project_id, seen_up_to=form.snapshot.data)
        if not conflicts:
            db.session.commit()
            flash(ngettext("%(num)d niveau enregistré.", "%(num)d niveaux enregistrés.", len(changes)), "success")
            return redirect(url_for("competencies.grid_page", cohort_id=cohort.id))
        db.session.rollback()
        # Show the grid as it is now, with this person's changes on top: saving again applies them.
        data, comment, project = grid(cohort), form.comment.data, form.project.data
        form = grid_form(data, posted=False)
        form.comment.data, form.project.data = comment, project
        for cell, change in changes.items():
            form[cell_name(cell)].data = str(change.level)
    context = {"cohort": cohort, "grid": data, "form": form, "conflicts": conflicts, "cell_name": cell_name}
    body = render_fragment("competencies/_grid.html", **context)
    return render_template("competencies/grid.html", cohort=cohort, body=with_csrf(body))


def _grid_context(cohort: Cohort) -> dict:
    data = grid(cohort)
    return {
        "cohort": cohort,
        "grid": data,
        "form": grid_form(data, posted=False),
        "conflicts": {},
        "cell_name": cell_name,
    }


def _learner_and_competency_or_404(cohort: Cohort, learner_id: int, competency_id: int) -> tuple[Learner, Competency]:
    """The learner if enrolled in the cohort, the competency if in its programme; else 404."""
    learner = db.session.scalar(
        sa.select(Learner)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(Learner.id == learner_id, Enrolment.cohort_id == cohort.id)
    )
    competency = db.session.scalar(
        sa.select(Competency)
        .join(Block, Block.id == Competency.block_id)
        .where(Competency.id == competency_id, Block.programme_id == cohort.programme_id)
    )
    if learner is None or competency is None:
        abort(404)
    return learner, competency


@bp.route("/cohorts/<int:cohort_id>/competencies/<int:learner_id>/<int:competency_id>", methods=["GET", "POST"])
@role_required(*COHORT_STAFF)
def cell(cohort_id: int, learner_id: int, competency_id: int) -> Response | str:
    """One learner's history on one competency, and a form to record a new assessment."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    learner, competency = _learner_and_competency_or_404(cohort, learner_id, competency_id)
    past = history(learner.id, competency.id)
    form = AssessmentForm()
    form.project.choices = project_choices(list(cohort.projects))
    if form.validate_on_submit():
        before = past[0].level if past else None
        record_levels(
            {(learner.id, competency.id): LevelChange(before, form.level.level)},
            form.comment.data.strip(),
            form.project_id,
        )
        db.session.commit()
        flash(_("Niveau de %(name)s enregistré.", name=learner.full_name), "success")
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
