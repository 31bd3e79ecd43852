"""What a learner sees of their own training, in a fixed number of queries."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Cohort, Enrolment, Grade, Project, SubmissionStatus
from ..progress import enrolment_progress


@dataclass(frozen=True)
class DueProject:
    project: Project
    status: SubmissionStatus | None  # None: nothing recorded yet


@dataclass(frozen=True)
class Standing:
    enrolment: Enrolment
    progress: float
    weeks_left: int
    due: list[DueProject]


def current_enrolment(learner_id: int) -> Enrolment | None:
    """The learner's latest enrolment, with its cohort, site and programme."""
    return db.session.scalar(
        sa.select(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.learner_id == learner_id)
        .options(
            joinedload(Enrolment.cohort).joinedload(Cohort.site),
            joinedload(Enrolment.cohort).joinedload(Cohort.programme),
        )
        .order_by(Cohort.start_date.desc())
        .limit(1)
    )


def standing(learner_id: int, today: date) -> Standing | None:
    """Where the learner stands today: cohort, weeks left, progress, projects due next."""
    enrolment = current_enrolment(learner_id)
    if enrolment is None:
        return None
    row = db.session.execute(enrolment_progress(sa.select(sa.literal(enrolment.id)))).first()
    due_rows = db.session.execute(
        sa.select(Project, Grade.status)
        .outerjoin(Grade, sa.and_(Grade.project_id == Project.id, Grade.learner_id == learner_id))
        .where(Project.cohort_id == enrolment.cohort_id, Project.due_date >= today)
        .order_by(Project.due_date, Project.id)
        .limit(5)
    ).all()
    days_left = (enrolment.cohort.end_date - today).days
    return Standing(
        enrolment=enrolment,
        progress=float(row.progress) if row else 0.0,
        weeks_left=max(0, -(-days_left // 7)),
        due=[DueProject(project, status) for project, status in due_rows],
    )
