"""Saving briefs and grades, each change audited; the caller commits (one transaction per form)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_login import current_user

from ..audit import record, snapshot
from ..competencies.queries import Cell
from ..competencies.services import LevelChange, record_levels
from ..extensions import db
from ..models import Cohort, CompetencyAssessment, Grade, Project, ProjectCompetency, utcnow
from .queries import GradeSheet

PROJECT_FIELDS = ("title", "description", "context", "deliverables", "due_date")
GRADE_FIELDS = ("score", "exempted", "exemption_reason", "feedback")


@dataclass(frozen=True)
class BriefData:
    title: str
    description: str
    context: str
    deliverables: str
    due_date: date
    targets: dict[int, int]  # competency id -> target level


def _project_state(project: Project) -> dict[str, object]:
    state = snapshot(project, PROJECT_FIELDS)
    state["targets"] = {str(t.competency_id): t.target_level for t in project.targets}
    return state


def save_project(cohort: Cohort, data: BriefData, project: Project | None = None) -> Project:
    """Create a brief for the cohort, or update one; audited with before and after."""
    before = None if project is None else _project_state(project)
    if project is None:
        project = Project(cohort=cohort, created_by_id=current_user.id)
        db.session.add(project)
    project.title, project.description, project.context = data.title, data.description, data.context
    project.deliverables, project.due_date = data.deliverables, data.due_date
    existing = {target.competency_id: target for target in project.targets}
    project.targets = [
        existing.get(cid) or ProjectCompetency(competency_id=cid, target_level=level)
        for cid, level in data.targets.items()
    ]
    for target in project.targets:
        target.target_level = data.targets[target.competency_id]
    db.session.flush()
    after = _project_state(project)
    if before != after:
        record("project", project.id, "create" if before is None else "update", before, after)
    return project


@dataclass(frozen=True)
class GradeInput:
    learner_id: int
    version: int | None  # the version the form was loaded with (0: no grade yet)
    score: Decimal | None
    exempted: bool  # « dispensé·e » (then no score, and a reason)
    exemption_reason: str
    feedback: str

    @property
    def empty(self) -> bool:
        """Nothing typed in the row."""
        return self.score is None and not self.exempted and not self.feedback


@dataclass(frozen=True)
class GradingResult:
    saved: int
    grade_conflicts: dict[int, Grade]  # learner id -> the grade someone else saved meanwhile
    level_conflicts: dict[Cell, CompetencyAssessment]
    clash: bool = False  # a write raced with another one: nothing saved, no details

    @property
    def ok(self) -> bool:
        return not self.grade_conflicts and not self.level_conflicts and not self.clash


def _same(grade: Grade | None, row: GradeInput) -> bool:
    """Whether the row asks for exactly what the grade already holds."""
    if grade is None:
        return False
    held = (grade.score, grade.exempted, grade.exemption_reason, grade.feedback)
    return held == (row.score, row.exempted, row.exemption_reason, row.feedback)


def save_grades(
    sheet: GradeSheet, rows: list[GradeInput], levels: dict[Cell, LevelChange], seen_up_to: int
) -> GradingResult:
    """Save every changed grade and level of the sheet, or nothing if any row was changed meanwhile."""
    conflicts = {}
    for row in rows:
        grade = sheet.grades.get(row.learner_id)
        if row.version != (grade.version if grade else 0) and not _same(grade, row):
            conflicts[row.learner_id] = grade
    if conflicts:
        return GradingResult(0, conflicts, {})
    saved = 0
    for row in rows:
        grade = sheet.grades.get(row.learner_id)
        if (grade is None and row.empty) or _same(grade, row):
            continue  # an empty row (nothing to grade yet), or one that changes nothing
        before = None if grade is None else snapshot(grade, GRADE_FIELDS)
        if grade is None:
            grade = Grade(learner_id=row.learner_id, project_id=sheet.project.id)
            db.session.add(grade)
        grade.score, grade.exempted, grade.exemption_reason = row.score, row.exempted, row.exemption_reason
        grade.feedback = row.feedback
        grade.graded_by_id, grade.graded_at = current_user.id, utcnow()
        db.session.flush()
        record(
            "grade",
            grade.id,
            "create" if before is None else "update",
            before,
            snapshot(grade, GRADE_FIELDS),
            learner_id=row.learner_id,
        )
        saved += 1
    level_conflicts = record_levels(levels, project_id=sheet.project.id, seen_up_to=seen_up_to) if levels else {}
    if level_conflicts:
        return GradingResult(0, {}, level_conflicts)
    return GradingResult(saved + len(levels), {}, {})
