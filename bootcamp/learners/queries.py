"""What a learner sees of their own training, in a fixed number of queries whatever their history."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..dates import add_months
from ..extensions import db
from ..handins.queries import may_hand_in
from ..handins.status import DEFINITION as STATUS_DEFINITION
from ..handins.status import status_of, statuses
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
    SubmissionStatus,
)
from ..progress import current_of, enrolment_progress, pending_proposal

# A cohort figure shown to a learner is made of at least this many OTHER learners, so that it cannot give away
# one of them (with one other learner, the median of two is the other's exact count); the dashboard's rule.
MIN_OTHERS = SMALL_GROUP


@dataclass(frozen=True)
class MonthPoint:
    month: date  # first day of the month
    mine: int  # competencies at the acquired level or above at the end of the month
    median: float | None  # the cohort's median for the same month
    under_way: int = 0  # competencies started but under the acquired level (« imiter ») at the end of the month


@dataclass(frozen=True)
class GradePoint:
    """One graded brief: my score and the cohort's median score, out of 20 (None: not shown)."""

    title: str
    due_date: date
    mine: float | None
    median: float | None


@dataclass(frozen=True)
class MyProject:
    project: Project
    grade: Grade | None
    targets: list[ProjectCompetency]
    status: SubmissionStatus = SubmissionStatus.PENDING  # handins/status.py
    versions: int = 0  # how many versions handed in

    @property
    def to_hand_in(self) -> bool:
        """Nothing handed in yet, and not exempted: what a « Rendre » link is shown for."""
        return self.status in (SubmissionStatus.PENDING, SubmissionStatus.MISSING)


@dataclass(frozen=True)
class MyCompetency:
    competency: Competency
    history: list[CompetencyAssessment]  # newest first, trainers' and tutors'

    @property
    def current(self) -> CompetencyAssessment | None:
        """The current level: the latest trainer's assessment (a tutor's never counts alone)."""
        return current_of(self.history)

    @property
    def proposal(self) -> CompetencyAssessment | None:
        """A tutor's level newer than the current one and different, not yet confirmed by a trainer."""
        return pending_proposal(self.history)

    @property
    def latest(self) -> CompetencyAssessment | None:
        """What « Dernière évaluation » shows: the current level's assessment, or the tutor's level when no trainer
        has assessed the competency yet (so that the learner reads it and its comment)."""
        return self.current or (self.history[0] if self.history else None)


@dataclass(frozen=True)
class MyBlock:
    block: Block
    competencies: list[MyCompetency]


@dataclass(frozen=True)
class Standing:
    acquired: int
    under_way: int
    not_started: int


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
    grades: list[GradePoint] = field(default_factory=list)
    today: date = field(default_factory=date.today)

    @property
    def may_hand_in(self) -> bool:
        """Whether I may hand in my work (not once I dropped out)."""
        return may_hand_in(self.enrolment)

    @property
    def status_definition(self) -> str:
        """How the briefs' statuses are derived (handins/status.py), to show beside them."""
        return str(STATUS_DEFINITION)

    @property
    def cohort_figures(self) -> bool:
        """Whether enough other learners make the cohort's figures for me to see them."""
        return self.others >= MIN_OTHERS

    @property
    def competency_count(self) -> int:
        return sum(len(block.competencies) for block in self.blocks)

    @property
    def standing(self) -> Standing:
        """My competencies today: acquired, under way (« imiter »), not started."""
        acquired_level = self.enrolment.cohort.programme.acquired_level
        levels = [item.current.level if item.current else 0 for block in self.blocks for item in block.competencies]
        acquired = sum(1 for level in levels if level >= acquired_level)
        under_way = sum(1 for level in levels if 0 < level < acquired_level)
        return Standing(acquired, under_way, len(levels) - acquired - under_way)

    @property
    def elapsed(self) -> float:
        """The share of the cohort's calendar gone by today (0 before its start, 1 after its end)."""
        return elapsed_share(self.enrolment.cohort, self.today)

    @property
    def expected_by_month(self) -> list[float]:
        """The competencies the calendar expects at the acquired level at each month's end (today for this
        month): the year's target × the share of the calendar gone by."""
        cohort, total = self.enrolment.cohort, self.competency_count
        return [
            round(total * elapsed_share(cohort, min(add_months(point.month, 1) - timedelta(days=1), self.today)), 1)
            for point in self.months
        ]

    @property
    def elapsed_weeks(self) -> tuple[int, int]:
        """Weeks gone by since the start (up to the end), and the training's length in weeks."""
        cohort = self.enrolment.cohort
        gone = min(max((self.today - cohort.start_date).days, 0), (cohort.end_date - cohort.start_date).days)
        return gone // 7, -(-(cohort.end_date - cohort.start_date).days // 7)


def elapsed_share(cohort: Cohort, day: date) -> float:
    """The share of the cohort's calendar gone by on `day`, from 0 (start) to 1 (end): the progress the calendar
    expects then, the year's target (every competency at the acquired level) being due at the end."""
    length = (cohort.end_date - cohort.start_date).days
    if length <= 0:
        return 1.0
    return min(max((day - cohort.start_date).days / length, 0.0), 1.0)


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
            sa.func.max(sa.case((every.c.learner_id == enrolment.learner_id, every.c.started))).label("under_way"),
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
    """For each month and peer: how many competencies their latest trainers' assessments (`counts`: a tutor's level
    is no current level) put at `acquired` or above by the month's end (0 if none), how many between « imiter » and
    `acquired` (started), their rank by the first count within the month, and how many peers the month has."""
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
        .join(assessment, sa.and_(assessment.assessed_at < calendar.c.month_end, assessment.counts))
        .join(peers, peers.c.learner_id == assessment.learner_id)
        .subquery("ranked")
    )
    reached = (
        sa.select(
            ranked.c.month,
            ranked.c.learner_id,
            sa.func.count(sa.case((ranked.c.level >= acquired, 1))).label("reached"),
            sa.func.count(sa.case((sa.and_(ranked.c.level > 0, ranked.c.level < acquired), 1))).label("started"),
        )
        .where(ranked.c.rank == 1)
        .group_by(ranked.c.month, ranked.c.learner_id)
        .subquery("reached")
    )
    count = sa.func.coalesce(reached.c.reached, 0)
    return (
        sa.select(
            calendar.c.month,
            peers.c.learner_id,
            count.label("reached"),
            sa.func.coalesce(reached.c.started, 0).label("started"),
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
            int(by_month[month].under_way or 0) if month in by_month else 0,
        )
        for month in months
    ], others


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def grades_over_time(enrolment: Enrolment) -> list[GradePoint]:
    """My score on each scored brief of my cohort, by due date, beside the cohort's median score (one query).

    The median is computed by the database over the scores of the learners who have not dropped out (and mine);
    it is left out (None) where fewer than MIN_OTHERS other learners have a score, as for the competencies.
    """
    me = enrolment.learner_id
    peers = sa.select(Enrolment.learner_id).where(
        Enrolment.cohort_id == enrolment.cohort_id,
        sa.or_(Enrolment.status != EnrolmentStatus.DROPPED, Enrolment.learner_id == me),
    )
    scored = (
        sa.select(
            Grade.project_id,
            Grade.learner_id,
            Grade.score_hundredths.label("score"),
            sa.func.row_number().over(partition_by=Grade.project_id, order_by=Grade.score_hundredths).label("position"),
            sa.func.count().over(partition_by=Grade.project_id).label("size"),
        )
        .join(Project, Project.id == Grade.project_id)
        .where(
            Project.cohort_id == enrolment.cohort_id,
            Grade.learner_id.in_(peers),
            Grade.score_hundredths.is_not(None),
        )
        .subquery("scored")
    )
    middle = scored.c.position.in_([(scored.c.size + 1) // 2, (scored.c.size + 2) // 2])
    rows = db.session.execute(
        sa.select(
            Project.title,
            Project.due_date,
            sa.func.max(sa.case((scored.c.learner_id == me, scored.c.score))).label("mine"),
            sa.func.avg(sa.case((middle, scored.c.score))).label("median"),
            sa.func.count(sa.case((scored.c.learner_id != me, 1))).label("others"),
        )
        .join(scored, scored.c.project_id == Project.id)
        .group_by(Project.id, Project.title, Project.due_date)
        .order_by(Project.due_date, Project.id)
    ).all()
    return [
        GradePoint(
            row.title,
            _as_date(row.due_date),
            row.mine / 100 if row.mine is not None else None,
            float(row.median) / 100 if row.others >= MIN_OTHERS else None,
        )
        for row in rows
        if row.mine is not None or row.others >= MIN_OTHERS
    ]


def my_page(learner_id: int, today: date) -> MyPage | None:
    """Everything the learner's own page shows."""
    enrolment = current_enrolment(learner_id)
    if enrolment is None:
        return None
    cohort = enrolment.cohort
    progress = db.session.execute(enrolment_progress(sa.select(sa.literal(enrolment.id)))).first()
    projects = my_projects(cohort, learner_id, today)
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
        grades=grades_over_time(enrolment),
        today=today,
    )


def my_blocks(cohort: Cohort, learner_id: int) -> list[MyBlock]:
    """The programme's blocks and competencies, each with the learner's assessments (trainers' and tutors', with the
    tutor's placement), newest first (two queries)."""
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
        .options(
            joinedload(CompetencyAssessment.project),
            joinedload(CompetencyAssessment.assessed_by),
            joinedload(CompetencyAssessment.placement),
        )
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


def my_projects(cohort: Cohort, learner_id: int, today: date) -> list[MyProject]:
    """The cohort's briefs by due date, each with the learner's grade, status (handins/status.py), versions and
    targeted competencies (two queries)."""
    targets: dict[int, list[ProjectCompetency]] = defaultdict(list)
    for target in db.session.scalars(
        sa.select(ProjectCompetency)
        .join(Project, Project.id == ProjectCompetency.project_id)
        .options(joinedload(ProjectCompetency.competency))
        .where(Project.cohort_id == cohort.id)
    ):
        targets[target.project_id].append(target)
    mine = sa.select(Enrolment.id).where(Enrolment.cohort_id == cohort.id, Enrolment.learner_id == learner_id)
    status = statuses(mine, today)
    return [
        MyProject(
            project,
            grade,
            sorted(targets[project.id], key=lambda t: t.competency.code),
            SubmissionStatus(code) if code else status_of(False, None, project.due_date, today),
            versions or 0,
        )
        for project, grade, code, versions in db.session.execute(
            sa.select(Project, Grade, status.c.status, status.c.versions)
            .outerjoin(Grade, sa.and_(Grade.project_id == Project.id, Grade.learner_id == learner_id))
            .outerjoin(status, status.c.project_id == Project.id)
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


@dataclass(frozen=True)
class MyBrief:
    grade: Grade | None
    targets: list[ProjectCompetency]


def my_brief(project: Project, learner_id: int) -> MyBrief:
    """What a brief aims at (competencies and levels) and my grade on it, if any (two queries)."""
    targets = db.session.scalars(
        sa.select(ProjectCompetency)
        .join(Competency, Competency.id == ProjectCompetency.competency_id)
        .options(joinedload(ProjectCompetency.competency))
        .where(ProjectCompetency.project_id == project.id)
        .order_by(Competency.code)
    ).all()
    grade = db.session.scalar(sa.select(Grade).where(Grade.project_id == project.id, Grade.learner_id == learner_id))
    return MyBrief(grade, list(targets))
