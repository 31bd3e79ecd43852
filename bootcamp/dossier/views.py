"""The pages of bootcamp.dossier: the learner's titre professionnel (/me/certification) and their Dossier
Professionnel's examples; the trainer's review of a learner's examples."""

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..access import (
    Action,
    get_dp_example_or_404,
    get_learner_enrolment_or_404,
    get_own_enrolment_or_404,
    refuse,
    role_required,
)
from ..certification.livret import Livret, livret
from ..extensions import db
from ..forms import posted_id
from ..models import DP_EXAMPLES_PER_BLOCK, Block, DpContext, DpExample, DpStatus, Enrolment
from ..transactions import locked
from . import services
from .forms import DeleteForm, ExampleForm, NewExampleForm, ReviewForm, example_form, numbered, review_form
from .services import DossierRefused, check_version

bp = Blueprint("dossier", __name__)


def _learner_page(
    enrolment: Enrolment, posted: dict[Any, Any] | None = None, problem: tuple[int, str] | None = None
) -> str:
    """The learner's page; `posted` holds a refused form (by example id, or ("block", id) for an addition),
    shown with its errors in place of the fresh one; `problem` a block's message above its « add » form."""
    read = livret(enrolment)
    posted = posted or {}
    forms: dict[Any, Any] = {}
    for part in read.blocks:
        for example in part.examples:
            forms[example.id] = posted.get(example.id) or example_form(example)
        key = ("block", part.block.id)
        fresh = NewExampleForm(formdata=None, data={"block": part.block.id})
        forms[key] = posted.get(key) or numbered(fresh, f"b{part.block.id}")
    return render_template(
        "dossier/mine.html",
        livret=read,
        lines=services.block_lines(read),
        reviewers=services.reviewers(read),
        forms=forms,
        problem=problem,
        most=DP_EXAMPLES_PER_BLOCK,
    )


@bp.get("/me/certification")
@role_required(Action.SEE_OWN_PROGRESS)
def mine() -> str:
    """My titre professionnel: my livret d'évaluation (read only), my Dossier Professionnel to keep up to date,
    my exam results by block."""
    return _learner_page(get_own_enrolment_or_404(current_user))


def _own_example(example_id: int) -> tuple[Enrolment, DpExample]:
    """My latest enrolment and its example `example_id`; anyone else's (or an older enrolment's): 404."""
    enrolment = get_own_enrolment_or_404(current_user)
    example = get_dp_example_or_404(example_id, current_user)
    if example.enrolment_id != enrolment.id:
        refuse()
    return enrolment, example


@bp.post("/me/dp")
@role_required(Action.SEE_OWN_PROGRESS)
def add() -> Response | tuple[str, int]:
    """Add an example to one of my blocks (at most DP_EXAMPLES_PER_BLOCK a block)."""
    enrolment = get_own_enrolment_or_404(current_user)
    form = NewExampleForm()
    block_id = posted_id("block")
    block = db.session.get(Block, block_id) if block_id is not None else None
    if block is None or block.programme_id != enrolment.cohort.programme_id:
        abort(400, description=_("Ce bloc ne fait pas partie de votre formation."))
    numbered(form, f"b{block.id}")
    if not form.validate_on_submit():
        return _learner_page(enrolment, {("block", block.id): form}), 400
    try:
        services.add_example(enrolment, block, form.title.data, DpContext(form.context.data))
    except DossierRefused as refused:
        db.session.rollback()
        return _learner_page(enrolment, {("block", block.id): form}, (block.id, str(refused))), 400
    db.session.commit()
    flash(_("Exemple « %(title)s » ajouté au bloc %(code)s.", title=form.title.data, code=block.code), "success")
    return redirect(url_for(".mine", _anchor=f"dp-block-{block.id}"))


@bp.post("/me/dp/<int:example_id>")
@role_required(Action.SEE_OWN_PROGRESS)
def edit(example_id: int) -> Response | tuple[str, int]:
    """Change my example's title, context and status (not « relu »: the trainer's word)."""
    enrolment, example = _own_example(example_id)
    example = locked(example)
    form = numbered(ExampleForm(current=example.status), f"e{example.id}")
    if not form.validate_on_submit():
        return _learner_page(enrolment, {example.id: form}), 400
    check_version(example, form.version.data)
    try:
        changed = services.update_example(
            example, form.title.data, DpContext(form.context.data), DpStatus(form.status.data)
        )
    except DossierRefused as refused:  # the form offers « relu » only to keep it: a forged form gets here
        abort(400, description=str(refused))
    db.session.commit()
    if changed:
        flash(_("Exemple « %(title)s » enregistré.", title=example.title), "success")
    return redirect(url_for(".mine", _anchor=f"dp-example-{example.id}"))


@bp.post("/me/dp/<int:example_id>/delete")
@role_required(Action.SEE_OWN_PROGRESS)
def delete(example_id: int) -> Response:
    """Delete one of my examples."""
    _enrolment, example = _own_example(example_id)
    example = locked(example)
    form = DeleteForm()
    if not form.validate_on_submit():  # the page's hidden version: only a forged form gets here
        abort(400)
    check_version(example, form.version.data)
    block_id, title = example.block_id, example.title
    services.delete_example(example)
    db.session.commit()
    flash(_("Exemple « %(title)s » supprimé.", title=title), "success")
    return redirect(url_for(".mine", _anchor=f"dp-block-{block_id}"))


def _review_page(enrolment: Enrolment, posted: dict[int, ReviewForm] | None = None) -> str:
    read: Livret = livret(enrolment)
    forms = {
        example.id: (posted or {}).get(example.id) or review_form(example)
        for part in read.blocks
        for example in part.examples
    }
    return render_template(
        "dossier/review.html",
        livret=read,
        enrolment=enrolment,
        reviewers=services.reviewers(read),
        forms=forms,
        most=DP_EXAMPLES_PER_BLOCK,
    )


@bp.get("/learners/<int:learner_id>/dp")
@role_required(Action.TEACH)
def review(learner_id: int) -> str:
    """A learner's Dossier Professionnel, block by block, each example with its review form."""
    return _review_page(get_learner_enrolment_or_404(learner_id, current_user))


@bp.post("/learners/<int:learner_id>/dp/<int:example_id>")
@role_required(Action.TEACH)
def review_example(learner_id: int, example_id: int) -> Response | tuple[str, int]:
    """Review one example: its status (any) and a comment; the reviewer is recorded."""
    enrolment = get_learner_enrolment_or_404(learner_id, current_user)
    example = get_dp_example_or_404(example_id, current_user)
    if example.enrolment_id != enrolment.id:
        refuse()
    example = locked(example)
    form = numbered(ReviewForm(), f"e{example.id}")
    if not form.validate_on_submit():
        return _review_page(enrolment, {example.id: form}), 400
    check_version(example, form.version.data)
    changed = services.review_example(
        example, DpStatus(form.status.data), form.review_comment.data or "", current_user._get_current_object()
    )
    db.session.commit()
    if changed:
        flash(_("Relecture de « %(title)s » enregistrée.", title=example.title), "success")
    return redirect(url_for(".review", learner_id=learner_id, _anchor=f"dp-example-{example.id}"))
