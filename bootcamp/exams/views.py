"""The pages of bootcamp.exams: exam sessions, their candidates, their results grid, the resits proposed."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import dates, params
from ..access import get_exam_candidate_or_404, get_exam_session_or_404, role_required
from ..audit import last_change
from ..extensions import db
from ..models import BlockResult, ExamKind, ExamSession, Programme
from .forms import CandidatesForm, EmptyForm, NewSessionForm, ResultsForm, SessionForm
from .queries import cohort_enrolments, enrolments_by_id, programme_cohorts, session_page, session_rows
from .services import ExamError, StaleGrid, create_session, record_results, register, unregister, update_session

bp = Blueprint("exams", __name__, url_prefix="/exams")


@bp.get("/")
@role_required("manage_exams")
def index() -> str:
    """Every session: the upcoming ones first, then the past ones, with their candidates and results recorded."""
    return render_template("exams/index.html", sessions=session_rows(params.page()))


@bp.route("/new", methods=["GET", "POST"])
@role_required("manage_exams")
def new() -> Response | tuple[str, int]:
    """A new session: programme, whole title or some blocks, dates, place, jury."""
    form = NewSessionForm()
    if form.validate_on_submit():
        programme = db.get_or_404(Programme, form.programme.data)
        blocks = [block for block in programme.blocks if block.id in (form.blocks.data or [])]
        try:
            session = create_session(programme, ExamKind(form.kind.data), blocks, form.values())
        except ExamError as refused:
            db.session.rollback()
            form.blocks.errors = [str(refused)]
        else:
            db.session.commit()
            flash(_("Session d'examen créée."), "success")
            return redirect(url_for("exams.show", session_id=session.id))
    return render_template("exams/form.html", form=form, session=None), 400 if form.is_submitted() else 200


@bp.get("/<int:session_id>")
@role_required("manage_exams")
def show(session_id: int) -> str:
    """The session: details, candidates × blocks (the results grid), each one's certification and deadline, the
    candidates proposed for a resit, and the forms that register candidates."""
    session = get_exam_session_or_404(session_id)
    return _show_page(session)


def _show_page(session: ExamSession, **context: object) -> str:
    page = session_page(session)
    return render_template(
        "exams/show.html",
        page=page,
        session=session,
        candidates_form=CandidatesForm(formdata=None, cohorts=programme_cohorts(session)),
        empty_form=EmptyForm(formdata=None),
        results_form=ResultsForm(formdata=None),
        result_kind=BlockResult,
        today=dates.today(),
        **{"conflict": None, "refused": [], **context},
    )


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@role_required("manage_exams")
def edit(session_id: int) -> Response | tuple[str, int]:
    """Change a session's dates, place and jury (refused, 409, if someone changed it since the form was shown)."""
    session = get_exam_session_or_404(session_id)
    form = SessionForm(obj=session)
    if form.validate_on_submit():
        if form.version.data != session.version:
            return render_template("exams/form.html", form=form, session=session, stale=True), 409
        try:
            changed = update_session(session, form.values())
        except ExamError as refused:
            db.session.rollback()
            form.start_date.errors = [str(refused)]
        else:
            db.session.commit()
            if changed:
                flash(_("Session enregistrée."), "success")
            return redirect(url_for("exams.show", session_id=session.id))
    return render_template("exams/form.html", form=form, session=session), 400 if form.is_submitted() else 200


@bp.post("/<int:session_id>/candidates")
@role_required("manage_exams")
def candidates(session_id: int) -> Response | tuple[str, int]:
    """Register a cohort's learners not yet registered, or the enrolments ticked (the proposed resits)."""
    session = get_exam_session_or_404(session_id)
    form = CandidatesForm(cohorts=programme_cohorts(session))
    if not form.validate_on_submit():
        abort(400, description=" ".join(str(error) for errors in form.errors.values() for error in errors))
    chosen = cohort_enrolments(form.cohort.data, session.programme_id) if form.cohort.data else []
    chosen += enrolments_by_id(form.enrolment.data or [], session.programme_id)
    registered = {candidate.enrolment_id for candidate in session.candidates}
    if form.cohort.data:  # a whole cohort: those already registered are simply skipped
        chosen = [enrolment for enrolment in chosen if enrolment.id not in registered]
    outcome = register(session, list({enrolment.id: enrolment for enrolment in chosen}.values()))
    db.session.commit()
    if outcome.added:
        count = len(outcome.added)
        flash(ngettext("%(num)d candidat·e inscrit·e.", "%(num)d candidat·es inscrit·es.", count), "success")
    for message in outcome.refused:
        flash(message, "error")
    if not outcome.added and not outcome.refused:
        flash(_("Personne à inscrire : tous et toutes sont déjà inscrit·es."), "info")
    return redirect(url_for("exams.show", session_id=session.id))


@bp.post("/<int:session_id>/candidates/<int:candidate_id>/delete")
@role_required("manage_exams")
def delete_candidate(session_id: int, candidate_id: int) -> Response:
    """Remove a candidate, while no result of theirs is recorded."""
    session = get_exam_session_or_404(session_id)
    candidate = get_exam_candidate_or_404(session, candidate_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    name = candidate.enrolment.learner.full_name
    try:
        unregister(candidate)
    except ExamError as refused:
        db.session.rollback()
        abort(409, description=str(refused))
    db.session.commit()
    flash(_("%(name)s n'est plus inscrit·e à cette session.", name=name), "success")
    return redirect(url_for("exams.show", session_id=session.id))


@bp.post("/<int:session_id>/results")
@role_required("manage_exams")
def save_results(session_id: int) -> Response | tuple[str, int]:
    """Save the grid, all or nothing: a cell changed by someone else since the page was shown answers 409."""
    session = get_exam_session_or_404(session_id)
    form = ResultsForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [result.id for candidate in session.candidates for result in candidate.results]
    cells = form.cells(ids)
    if cells is None:
        abort(400, description=_("Résultat illisible : choisissez acquis, non acquis, absent·e ou pas encore."))
    try:
        changed = record_results(session, cells, current_user.id)
    except StaleGrid as stale:
        db.session.rollback()
        return _show_page(session, conflict=_conflict(stale)), 409
    except ExamError as refused:
        db.session.rollback()
        abort(400, description=str(refused))
    db.session.commit()
    flash(ngettext("%(num)d résultat enregistré.", "%(num)d résultats enregistrés.", changed), "success")
    return redirect(url_for("exams.show", session_id=session.id))


def _conflict(stale: StaleGrid) -> str:
    change = last_change("exam_result", stale.changed[0].id)
    who = change.actor.name if change and change.actor else _("quelqu'un")
    when = format_datetime(change.created_at, "short") if change else ""
    return ngettext(
        "%(who)s a modifié %(num)d résultat de cette session (%(when)s) après l'ouverture de votre page. Rien n'a "
        "été enregistré : voici les résultats actuels ; reportez vos changements puis enregistrez à nouveau.",
        "%(who)s a modifié %(num)d résultats de cette session (%(when)s) après l'ouverture de votre page. Rien n'a "
        "été enregistré : voici les résultats actuels ; reportez vos changements puis enregistrez à nouveau.",
        len(stale.changed),
        who=who,
        when=when,
    )
