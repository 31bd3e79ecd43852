"""Everything the app holds about one learner, as plain data (the right of access and portability)."""

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from .audit import plain, record
from .dates import add_months
from .extensions import db
from .models import (
    AuditEvent,
    Cohort,
    CompetencyAssessment,
    Enrolment,
    Grade,
    Learner,
    Outcome,
    User,
    utcnow,
)

SECRET_COLUMNS = ("password_hash", "session_token")  # never exported, not even to their owner


def _row(instance: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every column of a row, JSON-friendly."""
    return {
        column.key: plain(getattr(instance, column.key))
        for column in sa.inspect(type(instance)).columns
        if column.key not in skip
    }


@dataclass(frozen=True)
class LearnerRows:
    """Every row the app holds about a learner: the JSON export and the page `/me/data` both give these."""

    learner: Learner
    enrolments: list[Enrolment]
    grades: list[Grade]
    assessments: list[CompetencyAssessment]
    outcomes: list[Outcome]
    accounts: list[User]
    events: list[AuditEvent]


def learner_rows(learner: Learner) -> LearnerRows:
    """The learner's file, enrolments, grades, levels, situations, accounts and journal (seven queries)."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .options(
            joinedload(Enrolment.cohort).joinedload(Cohort.site),
            joinedload(Enrolment.cohort).joinedload(Cohort.programme),
        )
        .where(Enrolment.learner_id == learner.id)
        .order_by(Enrolment.id)
    ).all()
    grades = db.session.scalars(
        sa.select(Grade)
        .options(joinedload(Grade.project), joinedload(Grade.graded_by))
        .where(Grade.learner_id == learner.id)
        .order_by(Grade.graded_at, Grade.id)
    ).all()
    assessments = db.session.scalars(
        sa.select(CompetencyAssessment)
        .options(
            joinedload(CompetencyAssessment.competency),
            joinedload(CompetencyAssessment.project),
            joinedload(CompetencyAssessment.assessed_by),
        )
        .where(CompetencyAssessment.learner_id == learner.id)
        .order_by(CompetencyAssessment.assessed_at, CompetencyAssessment.id)
    ).all()
    outcomes = db.session.scalars(
        sa.select(Outcome)
        .join(Enrolment, Enrolment.id == Outcome.enrolment_id)
        .options(joinedload(Outcome.enrolment).joinedload(Enrolment.cohort))
        .where(Enrolment.learner_id == learner.id)
        .order_by(Outcome.id)
    ).all()
    accounts = db.session.scalars(sa.select(User).where(User.learner_id == learner.id).order_by(User.id)).all()
    events = db.session.scalars(
        sa.select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(AuditEvent.learner_id == learner.id)
        .order_by(AuditEvent.created_at, AuditEvent.id)
    ).all()
    return LearnerRows(
        learner, list(enrolments), list(grades), list(assessments), list(outcomes), list(accounts), list(events)
    )


def learner_export(learner: Learner) -> dict[str, Any]:
    """Every row of every table that refers to the learner (passwords excepted), with readable names."""
    rows = learner_rows(learner)
    enrolments, accounts = rows.enrolments, rows.accounts
    grades, assessments, outcomes, events = (
        sorted(found, key=lambda row: row.id) for found in (rows.grades, rows.assessments, rows.outcomes, rows.events)
    )
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
        "accounts": [_row(account, skip=SECRET_COLUMNS) for account in accounts],
        "audit_events": [_row(event) for event in events],
    }


def export_for(user: User) -> dict[str, Any]:
    """What a person gets when they ask for their data: their learner file, or at least their account."""
    if user.learner is not None:
        return learner_export(user.learner)
    # The same keys as a learner's export (docs/personal-data-export.md), empty: a program reading one reads both.
    empty: dict[str, Any] = {key: [] for key in EXPORT_LISTS}
    return {"learner": None, **empty, "accounts": [_row(user, skip=SECRET_COLUMNS)]}


# The lists of an export, after "learner" (documented in docs/personal-data-export.md).
EXPORT_LISTS = ("enrolments", "grades", "competency_assessments", "outcomes", "accounts", "audit_events")


ERASED = "effacé"
# Personal values that an erasure removes, wherever they stand (the learner's file, free text about them,
# and the values kept by past audit events of that learner).
PERSONAL_KEYS = frozenset(
    {
        "first_name",
        "last_name",
        "email",
        "birth_date",
        "postal_code",
        "phone",
        "comment",
        "feedback",
        "employer",
        "job_title",
        "name",
    }
)


def erase_learner(learner: Learner) -> None:
    """Remove a learner's personal data and keep the anonymous facts statistics need.

    Gender, age band, publics, diploma, referrer, enrolments, certification, levels, scores and the
    situations after the training stay, so past indicators do not change. Names, email, phone, birth date,
    postal code, free-text comments, feedback, employers and job titles go, from the audit log too;
    a linked account is deactivated and anonymised. The erasure itself is audited without the values.
    The caller commits.
    """
    learner.first_name, learner.last_name = "Personne", f"effacée n° {learner.id}"
    learner.email, learner.birth_date, learner.postal_code, learner.phone = None, None, None, None
    learner.erased_at = utcnow()
    enrolment_ids = sa.select(Enrolment.id).where(Enrolment.learner_id == learner.id)
    db.session.execute(sa.update(Grade).where(Grade.learner_id == learner.id).values(feedback=""))
    db.session.execute(
        sa.update(CompetencyAssessment).where(CompetencyAssessment.learner_id == learner.id).values(comment="")
    )
    db.session.execute(
        sa.update(Outcome).where(Outcome.enrolment_id.in_(enrolment_ids)).values(employer="", job_title="")
    )
    if learner.user is not None:
        account = learner.user
        account.email, account.name, account.active = f"effacé-{account.id}@invalid.example", ERASED, False
        account.password_hash, account.learner = None, None
        account.rotate_session_token()
    for event in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.learner_id == learner.id)):
        event.before = _scrub(event.before)
        event.after = _scrub(event.after)
    record("learner", learner.id, "erase", None, {"erased": True}, learner_id=learner.id)


def _scrub(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if not values:
        return values
    return {key: ERASED if key in PERSONAL_KEYS and value not in (None, "") else value for key, value in values.items()}


def due_for_erasure(today: date, years: int) -> list[Learner]:
    """Learners not yet erased whose last exit is more than `years` years ago, and who are in no training now."""
    last_exit = sa.func.max(Enrolment.exit_date)
    still_here = sa.select(Enrolment.learner_id).where(~Enrolment.is_leaver)
    old = (
        sa.select(Enrolment.learner_id)
        .group_by(Enrolment.learner_id)
        .having(last_exit < add_months(today, -12 * years))
    )
    return list(
        db.session.scalars(
            sa.select(Learner)
            .options(joinedload(Learner.user), selectinload(Learner.enrolments))
            .where(Learner.erased_at.is_(None), Learner.id.in_(old), Learner.id.not_in(still_here))
            .order_by(Learner.id)
        )
    )
