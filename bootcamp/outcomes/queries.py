"""Which follow-ups are due and not recorded; a learner's whole path."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..dates import add_months
from ..extensions import db
from ..models import FOLLOW_UP_POINTS, Cohort, Enrolment, EnrolmentStatus, Outcome
from ..reports.queries import due_cutoff

OVERDUE_AFTER_DAYS = 30  # a follow-up still missing a month after its date is overdue


@dataclass(frozen=True)
class DueFollowUp:
    enrolment: Enrolment
    point: int
    due_date: date

    def overdue(self, today: date) -> bool:
        return (today - self.due_date).days > OVERDUE_AFTER_DAYS


def missing_follow_ups(today: date, site_id: int | None = None, cohort_id: int | None = None) -> list[DueFollowUp]:
    """Follow-ups whose date has passed and that nobody recorded, oldest first (one query)."""
    points = sa.union_all(
        *(
            sa.select(sa.literal(point).label("point"), sa.literal(due_cutoff(today, point), sa.Date).label("cutoff"))
            for point in FOLLOW_UP_POINTS
        )
    ).subquery("points")
    query = (
        sa.select(Enrolment, points.c.point)
        .join(points, Enrolment.exit_date <= points.c.cutoff)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .outerjoin(Outcome, sa.and_(Outcome.enrolment_id == Enrolment.id, Outcome.point == points.c.point))
        .where(Outcome.id.is_(None), Enrolment.status != EnrolmentStatus.IN_TRAINING)
        .options(joinedload(Enrolment.learner), joinedload(Enrolment.cohort).joinedload(Cohort.site))
    )
    if site_id is not None:
        query = query.where(Cohort.site_id == site_id)
    if cohort_id is not None:
        query = query.where(Cohort.id == cohort_id)
    rows = [
        DueFollowUp(enrolment, point, add_months(enrolment.exit_date, point))
        for enrolment, point in db.session.execute(query)
    ]
    return sorted(rows, key=lambda row: (row.due_date, row.enrolment.learner.last_name, row.point))


@dataclass(frozen=True)
class FollowUp:
    point: int
    due_date: date
    outcome: Outcome | None


def learner_path(learner_id: int) -> list[tuple[Enrolment, list[FollowUp]]]:
    """Each enrolment of the learner with its four follow-ups (recorded or not), in two queries."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .options(
            joinedload(Enrolment.cohort).joinedload(Cohort.site),
            selectinload(Enrolment.outcomes).joinedload(Outcome.recorded_by),
        )
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.learner_id == learner_id)
        .order_by(Cohort.start_date)
    ).all()
    path = []
    for enrolment in enrolments:
        recorded = {outcome.point: outcome for outcome in enrolment.outcomes}
        follow_ups = []
        if enrolment.exit_date is not None:
            follow_ups = [
                FollowUp(point, add_months(enrolment.exit_date, point), recorded.get(point))
                for point in FOLLOW_UP_POINTS
            ]
        path.append((enrolment, follow_ups))
    return path
