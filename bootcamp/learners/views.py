"""The learner's own pages: my progress, and all my data as JSON."""

import json
from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField
from wtforms.validators import DataRequired

from ..access import get_learner_or_404, role_required
from ..cache import cached, render_fragment
from ..charts import to_json
from ..extensions import db
from ..labels import LEVEL_LABELS
from ..outcomes.queries import learner_path
from ..personal_data import erase_learner, export_for, learner_export
from . import charts
from .queries import MyPage, my_page

bp = Blueprint("learners", __name__)


def _figures(page: MyPage) -> dict[str, str]:
    """The two charts of the page, as JSON for the static drawing script."""
    over_time = charts.progress_over_time(
        [point.month for point in page.months],
        [point.mine for point in page.months],
        [point.median for point in page.months],
        page.competency_count,
        {"mine": _("moi"), "median": _("médiane de la promotion"), "y": _("compétences acquises")},
        month_name=lambda month: format_date(month, "MMM y"),
    )
    items = [item for block in page.blocks for item in block.competencies]
    levels = charts.levels_against_target(
        [item.competency.code for item in items],
        [item.competency.title for item in items],
        [item.current.level if item.current else None for item in items],
        page.enrolment.cohort.programme.acquired_level,
        {"mine": _("mon niveau"), "target": _("niveau visé"), "y": _("niveau")},
        {level: str(words) for level, words in LEVEL_LABELS.items()},
    )
    return {"progress": to_json(over_time), "levels": to_json(levels)}


@bp.get("/me")
@role_required("see_own_progress")
def me() -> str:
    """Where I stand, my competencies, my projects, my progress over time, my situation after."""
    today = date.today()
    learner_id = current_user.learner_id

    def compute() -> tuple[Markup, bool]:
        page = my_page(learner_id, today) if learner_id else None
        figures = _figures(page) if page else {}
        html = render_fragment(
            "learners/_me.html", page=page, figures=figures, linked=learner_id is not None, today=today
        )
        return html, page is not None

    body, charts_shown = cached(("me", learner_id), compute)
    return render_template("learners/me.html", page=charts_shown, body=body)


@bp.get("/me/export.json")
@role_required("see_own_progress")
def export() -> Response:
    """All the data the app holds about me, as one JSON file."""
    return Response(
        json.dumps(export_for(current_user._get_current_object()), ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="mes-donnees-bootcamp.json"'},
    )


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l("Je confirme : effacer le nom, l'adresse e-mail, la date de naissance, le code postal et les commentaires"),
        validators=[DataRequired()],
    )


@bp.get("/learners/<int:learner_id>")
@role_required("see_learner_files")
def show(learner_id: int) -> str:
    """A learner's whole path, for managers: who they are, their enrolments, certification, follow-ups."""
    learner = get_learner_or_404(learner_id, current_user)
    return render_template(
        "learners/show.html", learner=learner, path=learner_path(learner.id), today=date.today(), erase_form=EraseForm()
    )


@bp.get("/learners/<int:learner_id>/export.json")
@role_required("see_learner_files")
def export_learner(learner_id: int) -> Response:
    """Everything about one learner, as the learner would get it themselves."""
    learner = get_learner_or_404(learner_id, current_user)
    return Response(
        json.dumps(learner_export(learner), ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="apprenant-{learner.id}.json"'},
    )


@bp.post("/learners/<int:learner_id>/erase")
@role_required("see_learner_files")
def erase(learner_id: int) -> Response:
    """Erase a learner's personal data (the statistics keep their anonymous facts)."""
    learner = get_learner_or_404(learner_id, current_user)
    form = EraseForm()
    if not form.validate_on_submit():
        flash(_("Cochez la case de confirmation pour effacer les données personnelles."), "error")
    elif learner.erased_at is None:
        erase_learner(learner)
        db.session.commit()
        flash(_("Les données personnelles ont été effacées ; les statistiques restent inchangées."), "success")
    return redirect(url_for("learners.show", learner_id=learner.id))
