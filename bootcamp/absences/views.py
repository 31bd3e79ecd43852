"""The pages of absences: a learner justifies their own, staff review a cohort's, proofs are downloaded."""

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import dates, files, params
from ..access import (
    Action,
    any_role_required,
    get_attendance_record_or_404,
    get_cohort_or_404,
    is_pooled,
    kept_value,
    refuse,
    role_required,
)
from ..dates import add_months
from ..extensions import db
from ..labels import choices
from ..models import AbsenceReason, AttendanceRecord, Cohort, Justification
from ..transactions import end_transaction, locked
from . import queries, services
from .forms import DECISIONS, REASON_BLANK, ClaimForm, DecisionForm, ProofForm, reason_of
from .queries import default_month
from .services import check_version, claimable

bp = Blueprint("absences", __name__)


@bp.app_template_global()
def absence_reasons() -> list[Any]:
    """The reasons a justification form offers (the learner's partial, absences/_mine.html)."""
    return choices(AbsenceReason)


@bp.app_template_global()
def proof_accept() -> str:
    """The file types a proof's input suggests to the browser's picker (the check is files.read_upload's)."""
    return files.accept()


@bp.post("/me/attendance/<int:record_id>/justification")
@role_required(Action.SEE_OWN_PROGRESS)
def claim(record_id: int) -> Response | tuple[str, int]:
    """A learner justifies one of their absences: a reason and/or a proof; the justification becomes pending."""
    record = get_attendance_record_or_404(record_id, current_user)
    end_transaction()  # the file is read and checked with no lock held (transactions.py)
    form = ClaimForm()
    if not form.validate_on_submit():
        return render_template("absences/claim.html", record=record, form=form), 422
    record = locked(record)
    check_version(record, form.version.data)
    if not claimable(record):
        abort(400, description=_("Cette absence est déjà justifiée, ou n'est plus une absence."))
    services.claim(record, reason_of(form.reason.data), form.proof.data)
    db.session.commit()
    flash(_("Justification envoyée : votre formateur·rice va l'examiner."), "success")
    return redirect(url_for("attendance.mine"))


@bp.get("/cohorts/<int:cohort_id>/absences")
@role_required(Action.TEACH)
def cohort_absences(cohort_id: int) -> str:
    """The cohort's absences: those to review first (whatever their month), then the month's others."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    month = params.month("month", default_month(cohort.start_date, cohort.end_date, dates.today()))
    return _page(cohort, month, treating=params.integer("record"))


def _page(
    cohort: Cohort, month: date, proof_errors: dict[int, list[str]] | None = None, treating: int | None = None
) -> str:
    """The page; `treating` (or the record whose proof was refused) gets its forms in a panel on top, the other
    rows a plain table with one « Traiter » link each (pending ones also their accept and refuse buttons)."""
    data = queries.cohort_absences(cohort.id, month)
    if proof_errors:
        treating = next(iter(proof_errors))
    treated = next((row for row in data.pending + data.others if row.record_id == treating), None)
    first, last = default_month(cohort.start_date, cohort.end_date, cohort.start_date), cohort.end_date.replace(day=1)
    return render_template(
        "absences/cohort.html",
        cohort=cohort,
        data=data,
        month=month,
        treated=treated,
        pooled={row.record_id for row in data.pending + data.others if is_pooled("reason", row.reason, current_user)},
        reasons=choices(AbsenceReason),
        reason_blank=REASON_BLANK,
        decisions=DECISIONS,
        previous_month=add_months(month, -1) if month > first else None,
        next_month=add_months(month, 1) if month < last else None,
        proof_errors=proof_errors or {},
        max_size=files.megabytes(files.max_upload_bytes()),
        type_name=files.type_name,
        human_size=files.human_size,
    )


def _cohort_record(cohort_id: int, record_id: int) -> tuple[Cohort, AttendanceRecord]:
    """The cohort if the user may see it, and the record if it is one of that cohort's; else 404."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    record = get_attendance_record_or_404(record_id, current_user)
    if record.session.cohort_id != cohort.id:
        refuse()
    return cohort, record


def _absent(record: AttendanceRecord) -> None:
    if record.presence != "absent":
        abort(400, description=_("Ce n'est plus une absence : la feuille de présence a été corrigée entre-temps."))


@bp.post("/cohorts/<int:cohort_id>/absences/<int:record_id>/decision")
@role_required(Action.TEACH)
def decide(cohort_id: int, record_id: int) -> Response:
    """Accept or refuse an absence's justification, or record its reason only."""
    cohort, record = _cohort_record(cohort_id, record_id)
    form = DecisionForm()
    if not form.validate_on_submit():  # buttons and choices of the page: only a forged form gets here
        abort(400)
    record = locked(record)
    check_version(record, form.version.data)
    _absent(record)
    decision = None if form.decision.data == "reason" else Justification(form.decision.data)
    changed = services.decide(record, decision, reason_of(kept_value(form.reason.data, record.reason)))
    db.session.commit()
    if changed:
        flash(_decided(decision), "success")
    return redirect(url_for(".cohort_absences", cohort_id=cohort.id, month=record.session.day.strftime("%Y-%m")))


def _decided(decision: Justification | None) -> str:
    if decision == Justification.ACCEPTED:
        return _("Justification acceptée : l'absence est justifiée.")
    if decision == Justification.REFUSED:
        return _("Justification refusée : l'absence reste non justifiée.")
    return _("Motif enregistré.")


@bp.post("/cohorts/<int:cohort_id>/absences/<int:record_id>/proof")
@role_required(Action.TEACH)
def add_proof(cohort_id: int, record_id: int) -> Response | tuple[str, int]:
    """Add or replace an absence's proof for the learner (one brought on paper, say): then it is to review."""
    cohort, record = _cohort_record(cohort_id, record_id)
    day = record.session.day
    end_transaction()  # the file is read and checked with no lock held (transactions.py)
    form = ProofForm()
    if not form.validate_on_submit():
        errors = [error for name in ("proof", "version") for error in form[name].errors] or [_("Formulaire invalide.")]
        return _page(cohort, day.replace(day=1), {record_id: errors}), 422
    record = locked(record)
    check_version(record, form.version.data)
    _absent(record)
    services.add_proof(record, form.proof.data)
    db.session.commit()
    flash(_("Justificatif enregistré : l'absence est à examiner."), "success")
    return redirect(url_for(".cohort_absences", cohort_id=cohort.id, month=day.strftime("%Y-%m")))


@bp.get("/attendance/records/<int:record_id>/proof")
@any_role_required(Action.SEE_OWN_PROGRESS, Action.TEACH)
def proof(record_id: int) -> Response:
    """An absence's proof, as a download: for the learner, their cohort's trainers and managers; else 404."""
    record = get_attendance_record_or_404(record_id, current_user)
    stored = files.load(record.proof_id)
    if stored is None:
        refuse()
    return files.serve(stored)
