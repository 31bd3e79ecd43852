"""Importing learners into a cohort: check the whole file, show what would change, then apply it all or nothing.

The email identifies a learner: importing the same file twice changes nothing the second time. A cell
left empty in an optional column keeps what the app already holds (or the default, for a new learner).
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import selectinload

from flask_babel import gettext as _

from ..audit import record, snapshot
from ..extensions import db
from ..models import (
    Certification,
    Cohort,
    Diploma,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    Gender,
    Learner,
    PublicFlag,
    Referrer,
)
from .reading import FileRefused, Plan, Problem, RowCheck, parse_code, parse_date, read_rows

REQUIRED = ("email", "first_name", "last_name", "gender", "birth_date")
OPTIONAL = ("postal_code", "diploma", "flags", "referrer", "status", "exit_date", "dropout_reason", "certification")
LEARNER_FIELDS = (
    "first_name",
    "last_name",
    "gender",
    "birth_date",
    "postal_code",
    "diploma",
    "referrer",
    *(f.value for f in PublicFlag),
)
ENROLMENT_FIELDS = ("status", "exit_date", "dropout_reason", "certification")


@dataclass
class LearnerChange:
    line: int
    email: str
    learner: dict[str, Any]  # the learner fields the file gives
    enrolment: dict[str, Any]  # the enrolment fields the file gives
    existing: Learner | None = None
    learner_before: dict[str, Any] = field(default_factory=dict)
    enrolment_before: dict[str, Any] | None = None  # None: not enrolled in this cohort yet

    @property
    def kind(self) -> str:
        if self.existing is None:
            return "create"
        if self.enrolment_before is None or self.learner_diff or self.enrolment_diff:
            return "update"
        return "unchanged"

    @property
    def learner_diff(self) -> dict[str, tuple[Any, Any]]:
        return {k: (self.learner_before.get(k), v) for k, v in self.learner.items() if self.learner_before.get(k) != v}

    @property
    def enrolment_diff(self) -> dict[str, tuple[Any, Any]]:
        before = self.enrolment_before or {}
        return {k: (before.get(k), v) for k, v in self.enrolment.items() if before.get(k) != v}


@dataclass
class LearnerPlan(Plan):
    cohort: Cohort | None = None

    def fingerprint(self, change: LearnerChange) -> object:
        return change.email, change.kind, sorted(change.learner_diff.items()), sorted(change.enrolment_diff.items())


def _flags(text: str) -> dict[str, bool]:
    """`qpv|jobseeker` -> every flag with whether the learner holds it."""
    flags = {parse_code(part, PublicFlag) for part in text.split("|") if part.strip()}
    return {flag.value: flag in flags for flag in PublicFlag}


def _row(line: int, cells: dict[str, str], problems: list[Problem], cohort: Cohort) -> LearnerChange | None:
    """Check one row; add its problems; return the change it asks for when it is valid."""
    check = RowCheck(line, cells)
    if check.problems:  # too many cells: the columns cannot be trusted
        problems.extend(check.problems)
        return None
    email = cells.get("email", "")
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        check.refuse("email", _("« %(value)s » n'est pas une adresse e-mail valide", value=email))
    check.require(REQUIRED)
    learner = {
        "first_name": cells.get("first_name") or None,
        "last_name": cells.get("last_name") or None,
        "gender": check.parse("gender", parse_code, Gender),
        "birth_date": check.parse("birth_date", parse_date),
    }
    optional = {"postal_code": (str,), "diploma": (parse_code, Diploma), "referrer": (parse_code, Referrer)}
    learner |= {column: check.parse(column, *how) for column, how in optional.items() if cells.get(column)}
    if cells.get("flags"):
        learner |= check.parse("flags", _flags) or {}
    born = learner.get("birth_date")
    if born and not cohort.start_date.year - 80 < born.year <= cohort.start_date.year - 14:
        check.refuse("birth_date", _("date de naissance improbable pour une personne en formation"))
    parsers = {
        "status": (parse_code, EnrolmentStatus),
        "exit_date": (parse_date,),
        "dropout_reason": (parse_code, DropoutReason),
        "certification": (parse_code, Certification),
    }
    enrolment = {column: check.parse(column, *how) for column, how in parsers.items() if cells.get(column)}
    status = enrolment.get("status")
    if status in (EnrolmentStatus.DROPPED, EnrolmentStatus.FINISHED) and not cells.get("exit_date"):
        check.refuse("exit_date", _("une sortie (abandon ou fin) demande sa date"))
    if status == EnrolmentStatus.DROPPED and not cells.get("dropout_reason"):
        check.refuse("dropout_reason", _("un abandon demande son motif"))
    if status != EnrolmentStatus.DROPPED and cells.get("dropout_reason"):
        check.refuse("dropout_reason", _("un motif d'abandon ne va qu'avec le statut dropped"))
    if enrolment.get("exit_date") and enrolment["exit_date"] < cohort.start_date:
        check.refuse("exit_date", _("la sortie ne peut pas précéder le début de la promotion"))
    if status in (None, EnrolmentStatus.IN_TRAINING) and cells.get("exit_date"):
        check.refuse("exit_date", _("une date de sortie demande le statut dropped ou finished"))
    problems.extend(check.problems)
    if check.problems:
        return None
    return LearnerChange(line=line, email=email, learner=learner, enrolment=enrolment)


def plan_learners(content: bytes, cohort: Cohort) -> LearnerPlan:
    """Check the whole file against the database; nothing is written."""
    try:
        _header, rows = read_rows(content, REQUIRED, OPTIONAL)
    except FileRefused as refused:
        return LearnerPlan([], refused.problems, cohort)
    problems: list[Problem] = []
    changes: list[LearnerChange] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        change = _row(line, cells, problems, cohort)
        if change is None:
            continue
        if change.email in seen:
            problems.append(
                Problem(
                    line,
                    "email",
                    _("%(email)s figure déjà ligne %(line)d", email=change.email, line=seen[change.email]),
                )
            )
            continue
        seen[change.email] = line
        changes.append(change)
    if not rows:
        problems.append(Problem(2, "", _("aucune ligne de données")))
    existing = {
        learner.email: learner
        for learner in db.session.scalars(
            sa.select(Learner).options(selectinload(Learner.enrolments)).where(Learner.email.in_(list(seen)))
        )
    }
    for change in changes:
        learner = existing.get(change.email)
        if learner is None:
            continue
        change.existing = learner
        change.learner_before = snapshot(learner, LEARNER_FIELDS)
        change.learner = {
            k: v.isoformat() if hasattr(v, "isoformat") else getattr(v, "value", v) for k, v in change.learner.items()
        }
        enrolment = next((e for e in learner.enrolments if e.cohort_id == cohort.id), None)
        change.enrolment_before = None if enrolment is None else snapshot(enrolment, ENROLMENT_FIELDS)
        change.enrolment = {
            k: v.isoformat() if hasattr(v, "isoformat") else getattr(v, "value", v) for k, v in change.enrolment.items()
        }
    return LearnerPlan(changes, problems, cohort)


def _value(name: str, raw: Any) -> Any:
    if name in ("birth_date", "exit_date") and isinstance(raw, str):
        return date.fromisoformat(raw)
    return raw


def apply_learners(plan: LearnerPlan) -> dict[str, int]:
    """Write the plan (the caller commits: one transaction), audited. Return how many of each kind."""
    if not plan.ok:
        raise ValueError("a refused import cannot be applied")
    written = []
    for change in plan.changes:
        if change.kind == "unchanged":
            continue
        learner = change.existing
        if learner is None:
            learner = Learner(email=change.email)
            db.session.add(learner)
        before = None if change.existing is None else snapshot(learner, LEARNER_FIELDS)
        for name, raw in change.learner.items():
            setattr(learner, name, _value(name, raw))
        enrolment = next((e for e in learner.enrolments if e.cohort_id == plan.cohort.id), None)
        enrolment_before = None if enrolment is None else snapshot(enrolment, ENROLMENT_FIELDS)
        if enrolment is None:
            enrolment = Enrolment(cohort=plan.cohort, status=EnrolmentStatus.IN_TRAINING)
            learner.enrolments.append(enrolment)
        for name, raw in change.enrolment.items():
            setattr(enrolment, name, _value(name, raw))
        written.append((learner, before, enrolment, enrolment_before))
    db.session.flush()  # once, so that ten thousand rows stay quick
    for learner, before, enrolment, enrolment_before in written:
        after = snapshot(learner, LEARNER_FIELDS)
        if before != after:
            record(
                "learner", learner.id, "import" if before is None else "update", before, after, learner_id=learner.id
            )
        enrolment_after = snapshot(enrolment, ENROLMENT_FIELDS)
        if enrolment_before != enrolment_after:
            record("enrolment", enrolment.id, "import", enrolment_before, enrolment_after, learner_id=learner.id)
    return {kind: plan.count(kind) for kind in ("create", "update", "unchanged")}
