"""The one definition of a learner's status on a brief (SubmissionStatus), from their hand-ins, the brief's due date
and the trainer's exemption. Written on the pages that show it (DEFINITION):

- « dispensé·e » when the trainer exempted the learner (with a reason), whatever was handed in;
- « rendu » when a version was handed in on or before the due date (the day in France);
- « rendu en retard » when versions were handed in, all after the due date;
- « non rendu » when nothing was handed in and the due date has passed;
- « à rendre » when nothing was handed in yet and the due date has not passed.

`statuses()` computes it in SQL for every enrolment × brief of the cohorts selected (one query, whatever the number
of learners); `status_of()` is its twin in Python for one row (tests hold them equal).
"""

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..models import Enrolment, Grade, HandIn, Project, SubmissionStatus

DEFINITION = _l(
    "« Rendu » : une version rendue au plus tard le jour de l'échéance ; « rendu en retard » : des versions, toutes "
    "rendues après ; « non rendu » : aucune version et l'échéance passée ; « à rendre » : pas encore d'échéance "
    "passée ; « dispensé·e » : décidé par le formateur ou la formatrice, avec un motif."
)
COUNTED_AS_HANDED_IN = frozenset({SubmissionStatus.SUBMITTED, SubmissionStatus.LATE})


def status_of(exempted: bool, first_handed_in_on: date | None, due_date: date, today: date) -> SubmissionStatus:
    """The status for one learner and brief: `first_handed_in_on` is the day in France of their first version."""
    if exempted:
        return SubmissionStatus.EXEMPTED
    if first_handed_in_on is not None:
        return SubmissionStatus.SUBMITTED if first_handed_in_on <= due_date else SubmissionStatus.LATE
    return SubmissionStatus.MISSING if due_date < today else SubmissionStatus.PENDING


def versions() -> sa.Subquery:
    """Per (project, learner) with versions: the first version's day, the latest version's time, how many."""
    return (
        sa.select(
            HandIn.project_id,
            HandIn.learner_id,
            sa.func.min(HandIn.handed_in_on).label("first_on"),
            sa.func.max(HandIn.handed_in_at).label("last_at"),
            sa.func.count().label("versions"),
        )
        .group_by(HandIn.project_id, HandIn.learner_id)
        .subquery("versions")
    )


def status_case(
    due_date: sa.ColumnElement[date], exempted: sa.ColumnElement[bool], first_on: sa.ColumnElement[date], today: date
) -> sa.Case:
    """status_of in SQL, over columns of the caller's query."""
    return sa.case(
        (sa.func.coalesce(exempted, sa.false()), SubmissionStatus.EXEMPTED.value),
        (first_on <= due_date, SubmissionStatus.SUBMITTED.value),
        (first_on.is_not(None), SubmissionStatus.LATE.value),
        (due_date < today, SubmissionStatus.MISSING.value),
        else_=SubmissionStatus.PENDING.value,
    )


def statuses(enrolments: sa.Select, today: date) -> sa.Subquery:
    """One row per enrolment selected (`enrolments` selects Enrolment.id) and brief of its cohort: enrolment_id,
    learner_id, project_id, due_date, status (a SubmissionStatus value), first_on, last_at, versions (0 if none)."""
    handed = versions()
    return (
        sa.select(
            Enrolment.id.label("enrolment_id"),
            Enrolment.learner_id,
            Project.id.label("project_id"),
            Project.due_date,
            status_case(Project.due_date, Grade.exempted, handed.c.first_on, today).label("status"),
            handed.c.first_on,
            handed.c.last_at,
            sa.func.coalesce(handed.c.versions, 0).label("versions"),
        )
        .join(Project, Project.cohort_id == Enrolment.cohort_id)
        .outerjoin(handed, sa.and_(handed.c.project_id == Project.id, handed.c.learner_id == Enrolment.learner_id))
        .outerjoin(Grade, sa.and_(Grade.project_id == Project.id, Grade.learner_id == Enrolment.learner_id))
        .where(Enrolment.id.in_(enrolments))
        .subquery("statuses")
    )
