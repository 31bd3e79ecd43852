"""The pages of bootcamp.ecf: a learner's livret d'évaluation, filled on screen by the cohort's trainers and
managers — per block of the programme, the evidence Bootcamp holds, the evaluation situations and the summary."""

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from .. import dates
from ..access import Action, get_ecf_situation_or_404, get_learner_enrolment_or_404, role_required
from ..audit import last_change
from ..certification.livret import livret
from ..extensions import db
from ..forms import posted_id, replace_value
from ..models import Block, EcfBlock, EcfKind, Enrolment
from ..transactions import lock_rows
from ..wording import of_name
from .forms import SituationForm, SummaryForm, VersionForm
from .services import (
    EcfRefusal,
    SituationValues,
    SummaryValues,
    add_situation,
    delete_situation,
    ecf_window,
    save_summary,
    update_situation,
)

bp = Blueprint("ecf", __name__)


def _add_prefix(block_id: int) -> str:
    return f"add{block_id}"


def _summary_prefix(block_id: int) -> str:
    return f"summary{block_id}"


@bp.get("/learners/<int:learner_id>/ecf")
@role_required(Action.TEACH)
def learner_ecf(learner_id: int) -> str:
    """The learner's livret d'évaluation, block by block: the evidence, the situations, a form to add one, the
    summary."""
    enrolment = get_learner_enrolment_or_404(learner_id, current_user)
    return _ecf_page(enrolment)


def _ecf_page(enrolment: Enrolment, bound: dict[str, Any] | None = None, **context: object) -> str:
    """The page; `bound` holds a submitted form that was refused (by its prefix), shown with its errors."""
    bound = bound or {}
    book = livret(enrolment)
    representative = current_app.config["ORGANISATION_MANAGER"]
    blank = {"held_on": dates.today(), "first_assessor": current_user.name, "kind": EcfKind.EVALUATION.value}
    forms = {}
    for part in book.blocks:
        block_id = part.block.id
        add = bound.get(_add_prefix(block_id)) or SituationForm(
            formdata=None, prefix=_add_prefix(block_id), data=blank, block=part.block, cohort=enrolment.cohort
        )
        summary = bound.get(_summary_prefix(block_id)) or SummaryForm(
            formdata=None,
            prefix=_summary_prefix(block_id),
            data=SummaryForm.initial(part.summary, representative),
            cohort=enrolment.cohort,
        )
        forms[block_id] = (add, summary)
    window = ecf_window(enrolment.cohort)
    return render_template(
        "ecf/learner.html", enrolment=enrolment, livret=book, forms=forms, bound=bound, window=window, **context
    )


def _back(enrolment: Enrolment, block_id: int) -> Response:
    return redirect(url_for("ecf.learner_ecf", learner_id=enrolment.learner_id, _anchor=f"block-{block_id}"))


def _block_or_404(enrolment: Enrolment, block_id: int | None) -> Block:
    """A block of the learner's programme, with its competencies."""
    block = db.session.scalar(
        sa.select(Block)
        .options(selectinload(Block.competencies))
        .where(Block.id == (block_id or 0), Block.programme_id == enrolment.cohort.programme_id)
    )
    if block is None:
        abort(404)
    return block


def _values(form: SituationForm) -> SituationValues:
    return SituationValues(
        kind=EcfKind(form.kind.data),
        held_on=form.held_on.data,
        description=form.description.data or "",
        satisfactory=form.satisfactory,
        points_to_watch=form.points_to_watch.data or "",
        first_assessor=form.first_assessor.data or "",
        second_assessor=form.second_assessor.data or "",
        assessed=tuple(dict.fromkeys(form.competencies.data or [])),
        to_reassess=frozenset(form.to_reassess.data or []),
    )


@bp.post("/learners/<int:learner_id>/ecf/situations")
@role_required(Action.TEACH)
def add(learner_id: int) -> Response | tuple[str, int]:
    """Add an evaluation situation to a block (the block's id is posted as `block`)."""
    enrolment = get_learner_enrolment_or_404(learner_id, current_user)
    lock_rows(Enrolment, [enrolment.id])  # the block's situations read by the check stay as read until the write
    block_id = posted_id("block")
    if block_id is None:
        abort(400, description=_("Le formulaire ne dit pas à quel bloc ajouter la situation."))
    block = _block_or_404(enrolment, block_id)
    form = SituationForm(prefix=_add_prefix(block.id), block=block, cohort=enrolment.cohort)
    if form.validate_on_submit():
        try:
            add_situation(enrolment, block, _values(form), current_user.id)
        except EcfRefusal as refusal:
            db.session.rollback()
            form.kind.errors = [*form.kind.errors, str(refusal)]
        else:
            db.session.commit()
            flash(_("Situation d'évaluation ajoutée au bloc %(code)s.", code=block.code), "success")
            return _back(enrolment, block.id)
    return _ecf_page(enrolment, {_add_prefix(block.id): form}), 400


@bp.route("/learners/<int:learner_id>/ecf/situations/<int:situation_id>", methods=["GET", "POST"])
@role_required(Action.TEACH)
def edit_situation(learner_id: int, situation_id: int) -> Response | str | tuple[str, int]:
    """Change an evaluation situation; a form older than the situation answers 409 with the person's values kept."""
    enrolment = get_learner_enrolment_or_404(learner_id, current_user)
    if request.method == "POST":
        lock_rows(Enrolment, [enrolment.id])
    situation = get_ecf_situation_or_404(enrolment, situation_id)
    block = _block_or_404(enrolment, situation.block_id)
    form = SituationForm(data=SituationForm.initial(situation), block=block, cohort=enrolment.cohort, editing=True)
    if not form.validate_on_submit():
        page = _edit_page(enrolment, situation, form)
        return (page, 400) if request.method == "POST" else page
    if form.version.data != situation.version:
        replace_value(form.version, situation.version)
        conflict = last_change("ecf_situation", situation.id)
        return _edit_page(enrolment, situation, form, stale=True, conflict=conflict), 409
    try:
        changed = update_situation(situation, _values(form))
    except EcfRefusal as refusal:
        db.session.rollback()
        form.kind.errors = [*form.kind.errors, str(refusal)]
        return _edit_page(enrolment, situation, form), 400
    db.session.commit()
    if changed:
        flash(_("Situation d'évaluation enregistrée."), "success")
    return _back(enrolment, block.id)


def _edit_page(enrolment: Enrolment, situation: Any, form: SituationForm, **context: object) -> str:
    return render_template(
        "ecf/situation.html",
        enrolment=enrolment,
        situation=situation,
        form=form,
        window=ecf_window(enrolment.cohort),
        **{"stale": False, "conflict": None, **context},
    )


@bp.post("/learners/<int:learner_id>/ecf/situations/<int:situation_id>/delete")
@role_required(Action.TEACH)
def delete(learner_id: int, situation_id: int) -> Response:
    """Delete an evaluation situation, as the page showed it (else 409)."""
    enrolment = get_learner_enrolment_or_404(learner_id, current_user)
    lock_rows(Enrolment, [enrolment.id])
    situation = get_ecf_situation_or_404(enrolment, situation_id)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400, description=_("Le formulaire ne dit pas quelle version de la situation il a affichée."))
    if form.version.data != situation.version:
        abort(409, description=_("La situation a été modifiée depuis l'affichage de la page : rien n'a été supprimé. "
                                 "Rechargez la page pour voir la version actuelle."))
    block_id = situation.block_id
    try:
        delete_situation(situation)
    except EcfRefusal as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(url_for("ecf.edit_situation", learner_id=learner_id, situation_id=situation_id))
    db.session.commit()
    flash(_("Situation d'évaluation supprimée."), "success")
    return _back(enrolment, block_id)


@bp.post("/learners/<int:learner_id>/ecf/blocks/<int:block_id>")
@role_required(Action.TEACH)
def summary(learner_id: int, block_id: int) -> Response | tuple[str, int]:
    """Create or change a block's summary; a form older than the summary answers 409 with the person's values."""
    enrolment = get_learner_enrolment_or_404(learner_id, current_user)
    lock_rows(Enrolment, [enrolment.id])
    block = _block_or_404(enrolment, block_id)
    recorded = db.session.scalar(
        sa.select(EcfBlock).where(EcfBlock.enrolment_id == enrolment.id, EcfBlock.block_id == block.id)
    )
    prefix = _summary_prefix(block.id)
    form = SummaryForm(prefix=prefix, cohort=enrolment.cohort)
    if not form.validate_on_submit():
        return _ecf_page(enrolment, {prefix: form}), 400
    current = recorded.version if recorded is not None else 0
    if form.version.data != current:
        replace_value(form.version, current)
        conflict = last_change("ecf_block", recorded.id) if recorded is not None else None
        return _ecf_page(enrolment, {prefix: form}, conflict=(block.id, conflict)), 409
    values = SummaryValues(
        mastered=form.is_mastered,
        observations=form.observations.data or "",
        assessors=form.assessors.data or "",
        legal_representative=form.legal_representative.data or "",
        handed_on=form.handed_on.data,
    )
    if save_summary(enrolment, block, recorded, values, current_user.id) is not None:
        db.session.commit()
        flash(
            _("Synthèse du bloc %(code)s enregistrée pour le livret %(of_name)s.", code=block.code,
              of_name=of_name(enrolment.learner.full_name)),
            "success",
        )
    return _back(enrolment, block.id)
