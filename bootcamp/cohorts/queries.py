"""Cohort figures computed in SQL: counts by status and average progress."""

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..access import visible_cohorts
from ..extensions import db
from ..models import Cohort, Enrolment, EnrolmentStatus, Grade, Project, SubmissionStatus, User
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


# The « à surveiller » rule, shown on the cohort page.
WATCH_PROGRESS_GAP = 0.20  # progress this far (20 points) under the cohort's median
WATCH_MISSING = 2  # or this many projects not handed in


@dataclass
class RosterRow:
    enrolment: Enrolment
    progress: float
    average_score: float | None  # out of 20, over graded projects with a score
    missing: int
    late: int
    last_assessed_at: datetime | None
    watch: list[str] = field(default_factory=list)  # why the learner is « à surveiller »


@dataclass(frozen=True)
class Roster:
    rows: list[RosterRow]
    median_progress: float | None
    project_count: int


def roster(cohort: Cohort) -> Roster:
    """Each learner of the cohort with progress, grades and the watch flag (four queries)."""
    enrolments = db.session.scalars(
        sa.select(Enrolment).options(joinedload(Enrolment.learner)).where(Enrolment.cohort_id == cohort.id)
    ).all()
    in_cohort = sa.select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)
    progress = {row.enrolment_id: row for row in db.session.execute(enrolment_progress(in_cohort))}
    grades = {
        row.learner_id: row
        for row in db.session.execute(
            sa.select(
                Grade.learner_id,
                (sa.func.avg(Grade.score_hundredths) / 100.0).label("average"),
                sa.func.count().filter(Grade.status == SubmissionStatus.MISSING).label("missing"),
                sa.func.count().filter(Grade.status == SubmissionStatus.LATE).label("late"),
            )
            .join(Project, Project.id == Grade.project_id)
            .where(Project.cohort_id == cohort.id)
            .group_by(Grade.learner_id)
        )
    }
    project_count = db.session.scalar(sa.select(sa.func.count()).where(Project.cohort_id == cohort.id)) or 0
    rows = []
    for enrolment in enrolments:
        done = progress.get(enrolment.id)
        graded = grades.get(enrolment.learner_id)
        rows.append(
            RosterRow(
                enrolment=enrolment,
                progress=float(done.progress) if done else 0.0,
                average_score=float(graded.average) if graded and graded.average is not None else None,
                missing=graded.missing if graded else 0,
                late=graded.late if graded else 0,
                last_assessed_at=done.last_assessed_at if done else None,
            )
        )
    staying = [row.progress for row in rows if row.enrolment.status != EnrolmentStatus.DROPPED]
    median = statistics.median(staying) if staying else None
    for row in rows:
        if row.enrolment.is_leaver:
            continue
        if median is not None and row.progress <= median - WATCH_PROGRESS_GAP:
            row.watch.append("progress")
        if row.missing >= WATCH_MISSING:
            row.watch.append("missing")
    return Roster(rows=rows, median_progress=median, project_count=project_count)


SORT_KEYS: dict[str, Callable[[RosterRow], Any]] = {
    "name": lambda row: (row.enrolment.learner.last_name.lower(), row.enrolment.learner.first_name.lower()),
    "status": lambda row: (row.enrolment.status.value, row.enrolment.learner.last_name.lower()),
    "progress": lambda row: row.progress,
    "grade": lambda row: (row.average_score is None, row.average_score or 0),
    "missing": lambda row: (row.missing, row.late),
    "last": lambda row: (row.last_assessed_at is None, row.last_assessed_at or datetime.min),
    "watch": lambda row: (len(row.watch), -row.progress),
}


def sort_rows(rows: list[RosterRow], key: str, descending: bool) -> list[RosterRow]:
    """Rows sorted by a column of the cohort page (unknown keys sort by name)."""
    return sorted(rows, key=SORT_KEYS.get(key, SORT_KEYS["name"]), reverse=descending)
