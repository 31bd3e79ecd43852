"""Cohort figures computed in SQL: counts by status and average progress."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..access import visible_cohorts
from ..extensions import db
from ..models import Cohort, Enrolment, EnrolmentStatus, User
from ..progress import enrolment_progress


@dataclass(frozen=True)
class CohortSummary:
    cohort: Cohort
    in_training: int
    dropped: int
    finished: int
    average_progress: float | None  # over learners who have not dropped out

    @property
    def is_current(self) -> bool:
        return self.cohort.end_date >= date.today()


def cohort_summaries(user: User) -> list[CohortSummary]:
    """The cohorts `user` may see, newest first, with their figures (three queries)."""
    cohorts = db.session.scalars(
        visible_cohorts(user)
        .options(joinedload(Cohort.site), joinedload(Cohort.programme))
        .order_by(Cohort.start_date.desc(), Cohort.name)
    ).all()
    cohort_ids = [cohort.id for cohort in cohorts]
    counts: dict[tuple[int, EnrolmentStatus], int] = {
        (cohort_id, status): count
        for cohort_id, status, count in db.session.execute(
            sa.select(Enrolment.cohort_id, Enrolment.status, sa.func.count())
            .where(Enrolment.cohort_id.in_(cohort_ids))
            .group_by(Enrolment.cohort_id, Enrolment.status)
        )
    }
    staying = sa.select(Enrolment.id).where(
        Enrolment.cohort_id.in_(cohort_ids), Enrolment.status != EnrolmentStatus.DROPPED
    )
    progress = enrolment_progress(staying).subquery("progress")
    averages: dict[int, float] = {
        cohort_id: average
        for cohort_id, average in db.session.execute(
            sa.select(Enrolment.cohort_id, sa.func.avg(progress.c.progress))
            .join(progress, progress.c.enrolment_id == Enrolment.id)
            .group_by(Enrolment.cohort_id)
        )
    }
    return [
        CohortSummary(
            cohort=cohort,
            in_training=counts.get((cohort.id, EnrolmentStatus.IN_TRAINING), 0),
            dropped=counts.get((cohort.id, EnrolmentStatus.DROPPED), 0),
            finished=counts.get((cohort.id, EnrolmentStatus.FINISHED), 0),
            average_progress=averages.get(cohort.id),
        )
        for cohort in cohorts
    ]
