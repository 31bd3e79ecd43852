"""Importing follow-ups: `email,point,situation,employer,job_title,digital,start_date`, all or nothing.

New follow-ups are written with bulk INSERTs, corrected ones through the ORM (their version), flushed once; one
audit event per change, as outcomes.services.save_outcome() writes them.
"""

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..audit import actor_id, plain, snapshot
from ..dates import situation_start_problem
from ..extensions import db
from ..models import FOLLOW_UP_POINTS, Enrolment, Learner, Outcome, Situation, compare_key, utcnow
from ..outcomes.services import OUTCOME_FIELDS, SituationData
from ..transactions import end_transaction
from .reading import FileRefused, Plan, Problem, RowCheck, parse_code, parse_date, parse_yes_no, read_rows
from .writing import AuditRow, current_version, record_all

REQUIRED = ("email", "point", "situation")
OPTIONAL = ("employer", "job_title", "digital", "start_date")
TEXT_COLUMNS = {"email": Learner.email, "employer": Outcome.employer, "job_title": Outcome.job_title}


@dataclass
class OutcomeChange:
    line: int
    email: str
    point: int
    data: SituationData
    enrolment_id: int | None = None
    learner_id: int | None = None
    outcome_id: int | None = None  # the follow-up already recorded at this point
    before: dict[str, Any] | None = field(default=None, repr=False)
    kind: str = "create"  # create, update or unchanged

    @property
    def after(self) -> dict[str, Any]:
        """The follow-up as the audit log and OUTCOME_FIELDS see it."""
        return {"point": self.point, **{name: plain(value) for name, value in vars(self.data).items()}}


class OutcomePlan(Plan):
    def fingerprint(self, change: OutcomeChange) -> object:
        return change.email, change.point, change.kind, change.data


def _point(text: str) -> int:
    if text not in {str(point) for point in FOLLOW_UP_POINTS}:
        raise ValueError(_("« %(value)s » : le relevé vaut 0, 3, 6 ou 12", value=text))
    return int(text)


def _row(line: int, cells: dict[str, str], problems: list[Problem]) -> OutcomeChange | None:
    check = RowCheck(line, cells)
    if check.problems:  # too many cells: the columns cannot be trusted
        problems.extend(check.problems)
        return None
    texts = {column: check.text(column, attribute) for column, attribute in TEXT_COLUMNS.items()}
    check.require(REQUIRED)
    point = check.parse("point", _point)
    situation = check.parse("situation", parse_code, Situation)
    digital = check.parse("digital", parse_yes_no)
    start_date = check.parse("start_date", parse_date)
    problems.extend(check.problems)
    if check.problems:
        return None
    data = SituationData(situation, texts["employer"], texts["job_title"], digital, start_date)
    return OutcomeChange(line, texts["email"].lower(), point, data)


def plan_outcomes(content: bytes) -> OutcomePlan:
    """Check the whole file: each learner known and gone, each (learner, point) once; nothing is written.

    The file is read with no transaction open (transactions.py), then the database is read once.
    """
    end_transaction()
    try:
        _header, rows = read_rows(content, REQUIRED, OPTIONAL)
    except FileRefused as refused:
        return OutcomePlan([], refused.problems)
    problems: list[Problem] = []
    changes = [change for line, cells in rows if (change := _row(line, cells, problems))]
    if not rows:
        problems.append(Problem(2, "", _("aucune ligne de données")))
    version = current_version()
    learners = {
        learner.email: learner
        for learner in db.session.scalars(
            sa.select(Learner)
            .options(
                selectinload(Learner.enrolments).selectinload(Enrolment.outcomes),
                selectinload(Learner.enrolments).joinedload(Enrolment.cohort),
            )
            .where(Learner.email.in_({change.email for change in changes}))
        )
    }
    seen: dict[tuple[str, int], int] = {}
    for change in changes:
        key = (change.email, change.point)
        if key in seen:
            problems.append(
                Problem(
                    change.line,
                    "point",
                    _("ce relevé de %(email)s figure déjà ligne %(line)d", email=change.email, line=seen[key]),
                )
            )
            continue
        seen[key] = change.line
        if problem := _attach(change, learners.get(change.email)):
            problems.append(problem)
    return OutcomePlan(changes, problems, data_version=version)


def _attach(change: OutcomeChange, learner: Learner | None) -> Problem | None:
    """Attach the change to the learner's latest exit (and to the outcome it replaces), or say why not (a
    situation that starts before the cohort or after today, too: dates.situation_start_problem)."""
    if learner is None:
        return Problem(change.line, "email", _("aucun·e apprenant·e avec l'adresse %(email)s", email=change.email))
    left = [e for e in learner.enrolments if e.is_leaver and e.exit_date]
    if not left:
        return Problem(change.line, "email", _("%(email)s est encore en formation : pas de suivi", email=change.email))
    enrolment = max(left, key=lambda e: e.exit_date)
    start = change.data.start_date
    if start is not None and (problem := situation_start_problem(start, enrolment.cohort.start_date)):
        return Problem(change.line, "start_date", problem)
    change.enrolment_id, change.learner_id = enrolment.id, learner.id
    existing = next((o for o in enrolment.outcomes if o.point == change.point), None)
    if existing is not None:
        change.outcome_id, change.before = existing.id, snapshot(existing, OUTCOME_FIELDS)
        change.kind = "unchanged" if change.before == change.after else "update"
    return None


def _create(changes: list[OutcomeChange]) -> list[AuditRow]:
    if not changes:
        return []
    actor, now = actor_id(), utcnow()
    rows = [
        {
            "enrolment_id": change.enrolment_id,
            "point": change.point,
            **vars(change.data),
            "employer_key": compare_key(change.data.employer or "")[:200],  # a bulk insert skips the model's @validates
            "recorded_by_id": actor,
            "recorded_at": now,
        }
        for change in changes
    ]
    ids = {
        (enrolment_id, point): outcome_id
        for outcome_id, enrolment_id, point in db.session.execute(
            sa.insert(Outcome).returning(Outcome.id, Outcome.enrolment_id, Outcome.point), rows
        )
    }
    return [
        AuditRow("outcome", ids[change.enrolment_id, change.point], "create", None, change.after, change.learner_id)
        for change in changes
    ]


def _update(changes: list[OutcomeChange]) -> list[AuditRow]:
    if not changes:
        return []
    actor, now = actor_id(), utcnow()
    outcomes = {
        outcome.id: outcome
        for outcome in db.session.scalars(
            sa.select(Outcome).where(Outcome.id.in_([change.outcome_id for change in changes]))
        )
    }
    events = []
    for change in changes:
        outcome = outcomes[change.outcome_id]
        before = snapshot(outcome, OUTCOME_FIELDS)
        for name, value in vars(change.data).items():
            setattr(outcome, name, value)
        outcome.recorded_by_id, outcome.recorded_at = actor, now
        events.append(AuditRow("outcome", outcome.id, "update", before, change.after, change.learner_id))
    db.session.flush()  # once
    return events


def apply_outcomes(plan: OutcomePlan) -> dict[str, int]:
    """Record every follow-up of the plan, audited (the caller commits)."""
    record_all(_create(plan.of_kind("create")) + _update(plan.of_kind("update")))
    return plan.counts()
