"""What the project pages show, in a fixed number of queries."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from .. import dates
from ..competencies.queries import Cell, newest_assessment_id
from ..extensions import db
from ..handins.queries import SheetHandIns, sheet_hand_ins
from ..learners.names import by_name
from ..models import (
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Grade,
    Learner,
    Project,
    ProjectCompetency,
)
from ..progress import current_levels


@dataclass(frozen=True)
class ProjectSummary:
    project: Project
    graded: int
    average: float | None


def cohort_projects(cohort: Cohort) -> list[ProjectSummary]:
    """The cohort's projects by due date, with their targets, how many are graded and the average."""
    projects = db.session.scalars(
        sa.select(Project)
        .options(selectinload(Project.targets).joinedload(ProjectCompetency.competency))
        .where(Project.cohort_id == cohort.id)
        .order_by(Project.due_date, Project.id)
    ).all()
    stats = {
        row.project_id: row
        for row in db.session.execute(
            sa.select(
                Grade.project_id,
                sa.func.count().label("graded"),
                (sa.func.avg(Grade.score_hundredths) / 100.0).label("average"),
            )
            .join(Project, Project.id == Grade.project_id)
            .where(Project.cohort_id == cohort.id)
            .group_by(Grade.project_id)
        )
    }
    return [
        ProjectSummary(
            project,
            stats[project.id].graded if project.id in stats else 0,
            float(stats[project.id].average) if project.id in stats and stats[project.id].average is not None else None,
        )
        for project in projects
    ]


@dataclass(frozen=True)
class GradeSheet:
    project: Project
    learners: list[Learner]
    grades: dict[int, Grade]  # by learner id
    targets: list[ProjectCompetency]
    levels: dict[Cell, int]  # level recorded with this project as evidence, as of the snapshot
    snapshot: int
    hand_ins: SheetHandIns  # each learner's status on the brief and latest version (now, not as of the snapshot)


def grade_sheet(project: Project, as_of: int | None = None) -> GradeSheet:
    """Everyone to grade on a project: learners still there, and anyone already graded; their statuses and latest
    hand-ins."""
    snapshot = newest_assessment_id() if as_of is None else as_of
    grades = {
        grade.learner_id: grade
        for grade in db.session.scalars(
            sa.select(Grade).options(joinedload(Grade.graded_by)).where(Grade.project_id == project.id)
        )
    }
    enrolments = db.session.scalars(
        sa.select(Enrolment).options(joinedload(Enrolment.learner)).where(Enrolment.cohort_id == project.cohort_id)
    ).all()
    learners = sorted(
        (e.learner for e in enrolments if e.status != EnrolmentStatus.DROPPED or e.learner_id in grades),
        key=by_name,
    )
    targets = list(
        db.session.scalars(
            sa.select(ProjectCompetency)
            .options(joinedload(ProjectCompetency.competency))
            .where(ProjectCompetency.project_id == project.id)
        )
    )
    current = current_levels(up_to_id=snapshot, project_id=project.id)
    levels = {
        (row.learner_id, row.competency_id): row.level
        for row in db.session.execute(sa.select(current.c.learner_id, current.c.competency_id, current.c.level))
    }
    return GradeSheet(project, learners, grades, targets, levels, snapshot, sheet_hand_ins(project, dates.today()))
