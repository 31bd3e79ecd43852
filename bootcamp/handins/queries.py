"""What the hand-in pages show: my versions of a brief, every learner's on a brief, the latest on the grading form;
each in a fixed number of queries, the statuses from status.py."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..learners.names import by_name
from ..models import Enrolment, EnrolmentStatus, Grade, HandIn, Project, SubmissionStatus
from .status import status_of, statuses


@dataclass(frozen=True)
class MyHandIns:
    """A learner's hand-ins of one brief, and where they stand on it."""

    enrolment: Enrolment | None  # theirs in the brief's cohort
    versions: list[HandIn]  # newest first
    status: SubmissionStatus

    @property
    def may_hand_in(self) -> bool:
        return may_hand_in(self.enrolment)


def may_hand_in(enrolment: Enrolment | None) -> bool:
    """Whether a learner may hand in a (new) version on their cohort's briefs: enrolled, and not dropped out (one
    who finished may still hand in what was missing)."""
    return enrolment is not None and enrolment.status != EnrolmentStatus.DROPPED


def next_to_hand_in(learner_id: int, today: date) -> Project | None:
    """The learner's next brief « à rendre » (nothing handed in, not exempted, due today or later) in the cohort they
    are in training in: the one /me offers to hand in at once (one query)."""
    in_training = sa.select(Enrolment.id).where(Enrolment.learner_id == learner_id, sa.not_(Enrolment.is_leaver))
    status = statuses(in_training, today)
    return db.session.scalar(
        sa.select(Project)
        .join(status, status.c.project_id == Project.id)
        .where(status.c.status == SubmissionStatus.PENDING.value)
        .order_by(Project.due_date, Project.id)
        .limit(1)
    )


def enrolment_in(project: Project, learner_id: int) -> Enrolment | None:
    """The learner's enrolment in the brief's cohort (the latest if, oddly, several)."""
    return db.session.scalar(
        sa.select(Enrolment)
        .where(Enrolment.cohort_id == project.cohort_id, Enrolment.learner_id == learner_id)
        .order_by(Enrolment.id.desc())
        .limit(1)
    )


def my_hand_ins(project: Project, learner_id: int, exempted: bool, today: date) -> MyHandIns:
    """My versions of the brief, newest first, and my status on it (two queries; `exempted`: my grade says so)."""
    enrolment = enrolment_in(project, learner_id)
    versions = list(
        db.session.scalars(
            sa.select(HandIn)
            .options(joinedload(HandIn.recorded_by))
            .where(HandIn.project_id == project.id, HandIn.learner_id == learner_id)
            .order_by(HandIn.number.desc())
        )
    )
    first = min((version.handed_in_on for version in versions), default=None)
    return MyHandIns(enrolment, versions, status_of(exempted, first, project.due_date, today))


@dataclass(frozen=True)
class LearnerHandIns:
    """One learner of the cohort on a brief, for the staff: status, exemption, every version."""

    enrolment: Enrolment
    status: SubmissionStatus
    grade: Grade | None
    versions: list[HandIn]  # newest first
    left: bool = False  # left the cohort before the due date: not expected, out of the counts


def left_before(due_date: date, exit_date: date | None) -> bool:
    """Whether a learner who left on `exit_date` (dropped out or finished) left before a brief due on `due_date`:
    then they are not expected to hand it in (the roster's rule, cohorts.queries._graded)."""
    return exit_date is not None and exit_date < due_date


def _versions_by_learner(project: Project) -> dict[int, list[HandIn]]:
    found: dict[int, list[HandIn]] = defaultdict(list)
    for version in db.session.scalars(
        sa.select(HandIn)
        .options(joinedload(HandIn.recorded_by))
        .where(HandIn.project_id == project.id)
        .order_by(HandIn.learner_id, HandIn.number.desc())
    ):
        found[version.learner_id].append(version)
    return found


def project_hand_ins(project: Project, today: date) -> list[LearnerHandIns]:
    """Every learner of the brief's cohort by name, with their status and versions, those who left before the due
    date last (two queries)."""
    status = statuses(sa.select(Enrolment.id).where(Enrolment.cohort_id == project.cohort_id), today)
    rows = db.session.execute(
        sa.select(Enrolment, status.c.status, Grade)
        .join(status, status.c.enrolment_id == Enrolment.id)
        .outerjoin(Grade, sa.and_(Grade.project_id == project.id, Grade.learner_id == Enrolment.learner_id))
        .options(joinedload(Enrolment.learner))
        .where(status.c.project_id == project.id)
    ).all()
    versions = _versions_by_learner(project)
    found = [
        LearnerHandIns(
            enrolment,
            SubmissionStatus(code),
            grade,
            versions.get(enrolment.learner_id, []),
            left_before(project.due_date, enrolment.exit_date),
        )
        for enrolment, code, grade in rows
    ]
    return sorted(found, key=lambda item: (item.left, by_name(item.enrolment.learner)))


@dataclass(frozen=True)
class SheetHandIns:
    """What the grading form shows of the hand-ins: each learner's status and latest version."""

    statuses: dict[int, SubmissionStatus]  # by learner id
    latest: dict[int, HandIn]  # by learner id: their last version
    left: frozenset[int] = frozenset()  # learner ids: left the cohort before the due date, not expected


def sheet_hand_ins(project: Project, today: date) -> SheetHandIns:
    """Each learner's status on the brief and their latest version (one query)."""
    status = statuses(sa.select(Enrolment.id).where(Enrolment.cohort_id == project.cohort_id), today)
    last = (
        sa.select(HandIn.learner_id, sa.func.max(HandIn.number).label("number"))
        .where(HandIn.project_id == project.id)
        .group_by(HandIn.learner_id)
        .subquery("last")
    )
    latest = sa.and_(
        HandIn.project_id == project.id, HandIn.learner_id == last.c.learner_id, HandIn.number == last.c.number
    )
    rows = db.session.execute(
        sa.select(status.c.learner_id, status.c.status, Enrolment.exit_date, HandIn)
        .select_from(status)
        .join(Enrolment, Enrolment.id == status.c.enrolment_id)
        .outerjoin(last, last.c.learner_id == status.c.learner_id)
        .outerjoin(HandIn, latest)
        .options(joinedload(HandIn.recorded_by))
        .where(status.c.project_id == project.id)
    ).all()
    return SheetHandIns(
        {row.learner_id: SubmissionStatus(row.status) for row in rows},
        {row.learner_id: row.HandIn for row in rows if row.HandIn is not None},
        frozenset(row.learner_id for row in rows if left_before(project.due_date, row.exit_date)),
    )


def learner_statuses(learner_id: int, today: date) -> dict[int, SubmissionStatus]:
    """The learner's status on each brief of their cohorts, by project id (one query)."""
    status = statuses(sa.select(Enrolment.id).where(Enrolment.learner_id == learner_id), today)
    rows = db.session.execute(sa.select(status.c.project_id, status.c.status))
    return {row.project_id: SubmissionStatus(row.status) for row in rows}
