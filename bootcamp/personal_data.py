"""Everything the app holds about one learner, as plain data (the right of access and portability)."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from .audit import plain
from .extensions import db
from .models import AuditEvent, Cohort, CompetencyAssessment, Enrolment, Grade, Learner, Outcome, User


def _row(instance: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every column of a row, JSON-friendly."""
    return {
        column.key: plain(getattr(instance, column.key))
        for column in sa.inspect(type(instance)).columns
        if column.key not in skip
    }


def learner_export(learner: Learner) -> dict[str, Any]:
    """Every row of every table that refers to the learner (passwords excepted), with readable names."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .options(
            joinedload(Enrolment.cohort).joinedload(Cohort.site),
            joinedload(Enrolment.cohort).joinedload(Cohort.programme),
        )
        .where(Enrolment.learner_id == learner.id)
    ).all()
    enrolment_ids = [enrolment.id for enrolment in enrolments]
    grades = db.session.scalars(
        sa.select(Grade).options(joinedload(Grade.project)).where(Grade.learner_id == learner.id).order_by(Grade.id)
    ).all()
    assessments = db.session.scalars(
        sa.select(CompetencyAssessment)
        .options(joinedload(CompetencyAssessment.competency))
        .where(CompetencyAssessment.learner_id == learner.id)
        .order_by(CompetencyAssessment.id)
    ).all()
    outcomes = db.session.scalars(
        sa.select(Outcome).where(Outcome.enrolment_id.in_(enrolment_ids)).order_by(Outcome.id)
    ).all()
    accounts = db.session.scalars(sa.select(User).where(User.learner_id == learner.id)).all()
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.learner_id == learner.id).order_by(AuditEvent.id)
    ).all()
    return {
        "learner": _row(learner),
        "enrolments": [
            {
                **_row(enrolment),
                "cohort": enrolment.cohort.name,
                "site": enrolment.cohort.site.name,
                "programme": enrolment.cohort.programme.rncp_code,
            }
            for enrolment in enrolments
        ],
        "grades": [{**_row(grade), "score": plain(grade.score), "project": grade.project.title} for grade in grades],
        "competency_assessments": [
            {**_row(assessment), "competency": assessment.competency.code} for assessment in assessments
        ],
        "outcomes": [_row(outcome) for outcome in outcomes],
        "accounts": [_row(account, skip=("password_hash",)) for account in accounts],
        "audit_events": [_row(event) for event in events],
    }


def export_for(user: User) -> dict[str, Any]:
    """What a person gets when they ask for their data: their learner file, or at least their account."""
    if user.learner is not None:
        return learner_export(user.learner)
    return {"learner": None, "accounts": [_row(user, skip=("password_hash",))]}
