"""What a learner sees of their own training, in a fixed number of queries whatever their history."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..dates import add_months
from ..extensions import db
from ..indicators import SMALL_GROUP
from ..models import (
    Block,
    Cohort,
    Competency,
    CompetencyAssessment,
    Enrolment,
    EnrolmentStatus,
    Grade,
    Outcome,
    Project,
    ProjectCompetency,
)
from ..progress import enrolment_progress

# A cohort figure shown to a learner is made of at least this many OTHER learners, so that it cannot give away
# one of them (with one other learner, the median of two is the other's exact count); the dashboard's rule.
MIN_OTHERS = SMALL_GROUP


@dataclass(frozen=True)
class MonthPoint:
    month: date  # first day of the month
    mine: int  # competencies at the acquired level or above at the end of the month
    median: float | None  # the cohort's median for the same month


@dataclass(frozen=True)
class MyProject:
    project: Project
    grade: Grade | None
    targets: list[ProjectCompetency]


@dataclass(frozen=True)
class MyCompetency:
    competency: Competency
    history: list[CompetencyAssessment]  # newest first

    @property
    def current(self) -> CompetencyAssessment | None:
        return self.history[0] if self.history else None


@dataclass(frozen=True)
class MyBlock:
    block: Block
    competencies: list[MyCompetency]


@dataclass
class MyPage:
    enrolment: Enrolment
    progress: float
    weeks_left: int
    blocks: list[MyBlock]
    projects: list[MyProject]
    months: list[MonthPoint]
    outcomes: list[Outcome]
    due: list[MyProject] = field(default_factory=list)
    others: int = 0  # learners of the cohort who are not me and have not dropped out: those the median is made of

    @property
    def cohort_figures(self) -> bool:
        """Whether enough other learners make the cohort's figures for me to see them."""
        return self.others >= MIN_OTHERS

    @property
    def competency_count(self) -> int:
        return sum(len(block.competencies) for block in self.blocks)


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


def month_starts(start: date, end: date) -> list[date]:
    """The first day of each month from `start`'s month to `end`'s month."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


def progress_by_month(enrolment: Enrolment, months: list[date]) -> tuple[list[MonthPoint], int]:
    """Competencies at the acquired level at each month's end: mine, and the cohort's median (one query); and
    how many other learners the median is made of.

    The median is computed by the database over the learners who have not dropped out, so no other
    learner's value ever leaves it; with fewer than MIN_OTHERS of them it is left out (None).
    """
    if not months:
        return [], 0
    calendar = _calendar(months)
    peers = (
        sa.select(Enrolment.learner_id)
        .where(Enrolment.cohort_id == enrolment.cohort_id, Enrolment.status != EnrolmentStatus.DROPPED)
        .subquery("peers")
    )
    every = _reached_by_peer(calendar, peers, enrolment.cohort.programme.acquired_level)
    middle = every.c.position.in_([(every.c.size + 1) // 2, (every.c.size + 2) // 2])
    rows = db.session.execute(
        sa.select(
            every.c.month,
            sa.func.max(sa.case((every.c.learner_id == enrolment.learner_id, every.c.reached))).label("mine"),
            sa.func.avg(sa.case((middle, every.c.reached))).label("median"),
            sa.func.count(sa.case((every.c.learner_id != enrolment.learner_id, 1))).label("others"),
        )
        .group_by(every.c.month)
        .order_by(every.c.month)
    ).all()
    return _month_points(months, rows)


def _calendar(months: list[date]) -> sa.Subquery:
    """One row per month: its first day and the first day of the next one."""
    return sa.union_all(
        *(
            sa.select(
                sa.literal(month, sa.Date).label("month"), sa.literal(add_months(month, 1), sa.Date).label("month_end")
            )
            for month in months
        )
    ).subquery("calendar")


def _reached_by_peer(calendar: sa.Subquery, peers: sa.Subquery, acquired: int) -> sa.Subquery:
    """For each month and peer: how many competencies their latest assessments put at `acquired` or above by the
    month's end (0 if none), their rank by that count within the month, and how many peers the month has."""
    assessment = CompetencyAssessment
    ranked = (
        sa.select(
            calendar.c.month,
            assessment.learner_id,
            assessment.level,
            sa.func.row_number()
            .over(
                partition_by=(calendar.c.month, assessment.learner_id, assessment.competency_id),
                order_by=(assessment.assessed_at.desc(), assessment.id.desc()),
            )
            .label("rank"),
        )
        .select_from(calendar)
        .join(assessment, assessment.assessed_at < calendar.c.month_end)
        .join(peers, peers.c.learner_id == assessment.learner_id)
        .subquery("ranked")
    )
    reached = (
        sa.select(ranked.c.month, ranked.c.learner_id, sa.func.count().label("reached"))
        .where(ranked.c.rank == 1, ranked.c.level >= acquired)
        .group_by(ranked.c.month, ranked.c.learner_id)
        .subquery("reached")
    )
    count = sa.func.coalesce(reached.c.reached, 0)
    return (
        sa.select(
            calendar.c.month,
            peers.c.learner_id,
            count.label("reached"),
            sa.func.row_number().over(partition_by=calendar.c.month, order_by=count).label("position"),
            sa.func.count().over(partition_by=calendar.c.month).label("size"),
        )
        .select_from(calendar.join(peers, sa.true()))
        .outerjoin(reached, sa.and_(reached.c.month == calendar.c.month, reached.c.learner_id == peers.c.learner_id))
        .subquery("every")
    )


def _month_points(months: list[date], rows: Sequence[sa.Row[Any]]) -> tuple[list[MonthPoint], int]:
    """The chart's points from the rows of progress_by_month (medians left out below MIN_OTHERS), and the number
    of other learners."""
    by_month = {_as_date(row.month): row for row in rows}
    others = max((row.others for row in rows), default=0)  # the same every month: peers do not change by month
    shown = others >= MIN_OTHERS
    medians = {month: row.median for month, row in by_month.items() if shown and row.median is not None}
    return [
        MonthPoint(
            month,
            int(by_month[month].mine or 0) if month in by_month else 0,
            float(medians[month]) if month in medians else None,
        )
        for month in months
    ], others


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def my_page(learner_id: int, today: date) -> MyPage | None:
    """Everything the learner's own page shows."""
    enrolment = current_enrolment(learner_id)
    if enrolment is None:
        return None
    cohort = enrolment.cohort
    progress = db.session.execute(enrolment_progress(sa.select(sa.literal(enrolment.id)))).first()
    projects = my_projects(cohort, learner_id)
    last_month = min(
        today, cohort.end_date if not enrolment.is_leaver else enrolment.exit_date or today
    )
    days_left = (cohort.end_date - today).days
    months, others = progress_by_month(enrolment, month_starts(cohort.start_date, last_month))
    return MyPage(
        enrolment=enrolment,
        progress=float(progress.progress) if progress else 0.0,
        weeks_left=max(0, -(-days_left // 7)),
        blocks=my_blocks(cohort, learner_id),
        projects=projects,
        months=months,
        outcomes=my_outcomes(learner_id),
        due=[item for item in projects if item.project.due_date >= today][:5],
        others=others,
    )


def my_blocks(cohort: Cohort, learner_id: int) -> list[MyBlock]:
    """The programme's blocks and competencies, each with the learner's assessments, newest first (two queries)."""
    competencies = db.session.scalars(
        sa.select(Competency)
        .join(Block, Block.id == Competency.block_id)
        .options(joinedload(Competency.block))
        .where(Block.programme_id == cohort.programme_id)
        .order_by(Block.position, Competency.position)
    ).all()
    history: dict[int, list[CompetencyAssessment]] = defaultdict(list)
    for assessment in db.session.scalars(
        sa.select(CompetencyAssessment)
        .options(joinedload(CompetencyAssessment.project), joinedload(CompetencyAssessment.assessed_by))
        .where(CompetencyAssessment.learner_id == learner_id)
        .order_by(CompetencyAssessment.assessed_at.desc(), CompetencyAssessment.id.desc())
    ):
        history[assessment.competency_id].append(assessment)
    blocks: list[MyBlock] = []
    for competency in competencies:
        if not blocks or blocks[-1].block.id != competency.block_id:
            blocks.append(MyBlock(competency.block, []))
        blocks[-1].competencies.append(MyCompetency(competency, history.get(competency.id, [])))
    return blocks


def my_projects(cohort: Cohort, learner_id: int) -> list[MyProject]:
    """The cohort's briefs by due date, each with the learner's grade and its targeted competencies (two queries)."""
    targets: dict[int, list[ProjectCompetency]] = defaultdict(list)
    for target in db.session.scalars(
        sa.select(ProjectCompetency)
        .join(Project, Project.id == ProjectCompetency.project_id)
        .options(joinedload(ProjectCompetency.competency))
        .where(Project.cohort_id == cohort.id)
    ):
        targets[target.project_id].append(target)
    return [
        MyProject(project, grade, sorted(targets[project.id], key=lambda t: t.competency.code))
        for project, grade in db.session.execute(
            sa.select(Project, Grade)
            .outerjoin(Grade, sa.and_(Grade.project_id == Project.id, Grade.learner_id == learner_id))
            .where(Project.cohort_id == cohort.id)
            .order_by(Project.due_date, Project.id)
        )
    ]


def my_outcomes(learner_id: int) -> list[Outcome]:
    """The learner's situations after the training, by follow-up point."""
    return list(
        db.session.scalars(
            sa.select(Outcome)
            .join(Enrolment, Enrolment.id == Outcome.enrolment_id)
            .where(Enrolment.learner_id == learner_id)
            .order_by(Outcome.point)
        )
    )
