"""Importing follow-ups: `email,point,situation,employer,job_title,digital,start_date`, all or nothing."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from flask_babel import gettext as _

from ..extensions import db
from ..models import FOLLOW_UP_POINTS, Enrolment, EnrolmentStatus, Learner, Situation
from ..outcomes.services import OUTCOME_FIELDS, SituationData, save_outcome
from ..audit import snapshot
from .reading import FileRefused, Plan, Problem, RowCheck, parse_code, parse_date, parse_yes_no, read_rows

REQUIRED = ("email", "point", "situation")
OPTIONAL = ("employer", "job_title", "digital", "start_date")


@dataclass
class OutcomeChange:
    line: int
    email: str
    point: int
    data: SituationData
    enrolment: Enrolment | None = None
    kind: str = "create"  # create, update or unchanged


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
    check.require(REQUIRED)
    point = check.parse("point", _point)
    situation = check.parse("situation", parse_code, Situation)
    digital = check.parse("digital", parse_yes_no)
    start_date = check.parse("start_date", parse_date)
    problems.extend(check.problems)
    if check.problems:
        return None
    data = SituationData(situation, cells.get("employer", ""), cells.get("job_title", ""), digital, start_date)
    return OutcomeChange(line, cells["email"].strip().lower(), point, data)


def plan_outcomes(content: bytes) -> OutcomePlan:
    """Check the whole file: each learner known and gone, each (learner, point) once; nothing is written."""
    try:
        _header, rows = read_rows(content, REQUIRED, OPTIONAL)
    except FileRefused as refused:
        return OutcomePlan([], refused.problems)
    problems: list[Problem] = []
    changes = [change for line, cells in rows if (change := _row(line, cells, problems))]
    if not rows:
        problems.append(Problem(2, "", _("aucune ligne de données")))
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
        learner = learners.get(change.email)
        if learner is None:
            problems.append(
                Problem(change.line, "email", _("aucun·e apprenant·e avec l'adresse %(email)s", email=change.email))
            )
            continue
        left = [e for e in learner.enrolments if e.status != EnrolmentStatus.IN_TRAINING and e.exit_date]
        if not left:
            problems.append(
                Problem(change.line, "email", _("%(email)s est encore en formation : pas de suivi", email=change.email))
            )
            continue
        change.enrolment = max(left, key=lambda e: e.exit_date)
        existing = next((o for o in change.enrolment.outcomes if o.point == change.point), None)
        if existing is not None:
            wanted = {
                "point": change.point,
                **{
                    k: v.value if hasattr(v, "value") else v.isoformat() if isinstance(v, date) else v
                    for k, v in vars(change.data).items()
                },
            }
            change.kind = "unchanged" if snapshot(existing, OUTCOME_FIELDS) == wanted else "update"
    return OutcomePlan(changes, problems)


def apply_outcomes(plan: OutcomePlan) -> dict[str, int]:
    """Record every follow-up of the plan, audited (the caller commits)."""
    if not plan.ok:
        raise ValueError("a refused import cannot be applied")
    for change in plan.changes:
        if change.kind != "unchanged":
            save_outcome(change.enrolment, change.point, change.data)
    return {kind: plan.count(kind) for kind in ("create", "update", "unchanged")}
