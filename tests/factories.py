"""Objects with sensible defaults; call inside an app context, then commit."""

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from bootcamp.certification.services import record_overall
from bootcamp.extensions import db
from bootcamp.models import (
    AttendanceRecord,
    AttendanceSession,
    Certification,
    Cohort,
    Competency,
    CompetencyAssessment,
    Enrolment,
    EnrolmentStatus,
    Gender,
    HalfDay,
    Learner,
    Presence,
    Programme,
    Project,
    Role,
    SignatureSource,
    Site,
    User,
)
from bootcamp.passwords import hash_password

_numbers = itertools.count(1)


def dwwm() -> Programme:
    return db.session.scalars(sa.select(Programme).where(Programme.rncp_code == "RNCP37674")).one()


def competencies(programme: Programme) -> list[Competency]:
    return [competency for block in programme.blocks for competency in block.competencies]


def site(name: str | None = None) -> Site:
    made = Site(name=name or f"Site {next(_numbers)}")
    db.session.add(made)
    return made


def cohort(
    name: str | None = None,
    at: Site | None = None,
    start: date = date(2026, 9, 7),
    end: date = date(2027, 7, 5),
    trainers: tuple[User, ...] = (),
) -> Cohort:
    made = Cohort(
        name=name or f"Promotion {next(_numbers)}",
        site=at or site(),
        programme=dwwm(),
        start_date=start,
        end_date=end,
    )
    made.trainers.extend(trainers)
    db.session.add(made)
    return made


def learner(in_cohort: Cohort, **fields: object) -> Learner:
    number = next(_numbers)
    values: dict[str, object] = {
        "first_name": f"Prénom{number}",
        "last_name": f"Nom{number}",
        "email": f"learner{number}@example.net",
        "gender": Gender.FEMALE,
        "birth_date": date(2000, 1, 1),
    }
    values.update(fields)
    made = Learner(**values)
    made.enrolments.append(Enrolment(cohort=in_cohort, status=EnrolmentStatus.IN_TRAINING))
    db.session.add(made)
    return made


def certify(enrolment: Enrolment, certification: Certification | None, on: date | None = None) -> None:
    """Record an overall certification as per-block results at a whole-title session held `on` (the exit date by
    default): what the learner import does with its `certification` column."""
    record_overall(enrolment, certification, on or enrolment.exit_date or enrolment.cohort.end_date)


def user(email: str, role: Role, password: str, linked: Learner | None = None, name: str | None = None) -> User:
    made = User(
        email=email, role=role, name=name or email.split("@")[0], password_hash=hash_password(password), learner=linked
    )
    db.session.add(made)
    return made


def assess(
    who: Learner, competency: Competency, level: int, when: datetime, project: Project | None = None
) -> CompetencyAssessment:
    made = CompetencyAssessment(learner=who, competency=competency, level=level, assessed_at=when, project=project)
    db.session.add(made)
    return made


def project(of: Cohort, due: date | None = None, title: str | None = None) -> Project:
    made = Project(
        cohort=of, title=title or f"Brief {next(_numbers)}", due_date=due or of.start_date + timedelta(days=30)
    )
    db.session.add(made)
    return made


def half_day(
    of: Cohort, day: date, when: HalfDay = HalfDay.AM, starts: time | None = None, ends: time | None = None
) -> AttendanceSession:
    """A half-day of `of` (default times 9:00–12:30 or 13:30–17:00), open, with a fixed code."""
    starts = starts or (time(9) if when == HalfDay.AM else time(13, 30))
    ends = ends or (time(12, 30) if when == HalfDay.AM else time(17))
    minutes = (ends.hour * 60 + ends.minute) - (starts.hour * 60 + starts.minute)
    made = AttendanceSession(
        cohort=of, day=day, half_day=when, starts_at=starts, ends_at=ends, planned_minutes=minutes, code="123456"
    )
    db.session.add(made)
    return made


def attendance(
    session: AttendanceSession, enrolment: Enrolment, presence: Presence = Presence.PRESENT, **fields: object
) -> AttendanceRecord:
    made = AttendanceRecord(
        session=session, enrolment=enrolment, presence=presence, source=SignatureSource.TRAINER, **fields
    )
    db.session.add(made)
    return made


WORLD_DAY = date(2026, 11, 16)  # a Monday of both world cohorts: one half-day each (morning), one absence each


@dataclass(frozen=True)
class World:
    cohort_id: int  # the trainer's cohort
    other_cohort_id: int  # another site's cohort, not the trainer's
    learner_id: int  # in cohort_id, linked to learner@example.org
    other_learner_id: int  # in other_cohort_id
    enrolment_id: int
    other_enrolment_id: int
    project_id: int  # a brief of cohort_id
    other_project_id: int  # a brief of other_cohort_id
    competency_id: int  # the first DWWM competency
    emails: dict[str, str]  # role (and "unlinked") -> email
    session_id: int  # the morning of WORLD_DAY in cohort_id
    other_session_id: int  # the morning of WORLD_DAY in other_cohort_id
    record_id: int  # learner_id absent that morning
    other_record_id: int  # other_learner_id absent that morning

    def paths(self, mine: bool = True) -> dict[str, str]:
        """Values for the URL templates of test_access, in the trainer's cohort or in the other one."""
        return {
            "cohort": str(self.cohort_id if mine else self.other_cohort_id),
            "learner": str(self.learner_id if mine else self.other_learner_id),
            "enrolment": str(self.enrolment_id if mine else self.other_enrolment_id),
            "project": str(self.project_id if mine else self.other_project_id),
            "competency": str(self.competency_id),
            "leaver_enrolment": str(self.other_enrolment_id),
            "user": "1",  # the trainer's account
            "site": "1",  # Mende (sites are not scoped: any manager keeps them all)
            "day": WORLD_DAY.isoformat(),
            "half_day": "am",
            "record": str(self.record_id if mine else self.other_record_id),
        }


def make_world(password: str) -> World:
    trainer = user("trainer@example.org", Role.TRAINER, password, name="Thomas Formateur")
    other_trainer = user("other.trainer@example.org", Role.TRAINER, password, name="Olga Formatrice")
    mine = cohort("Mende 2026 automne", at=site("Mende"), trainers=(trainer,))
    theirs = cohort("Rodez 2026 automne", at=site("Rodez"), trainers=(other_trainer,))
    learner_mine = learner(mine, first_name="Luc", last_name="Lefèvre", email="learner@example.org")
    learner_theirs = learner(theirs, first_name="Rose", last_name="Roux")
    learner_theirs.enrolments[0].status = EnrolmentStatus.FINISHED  # a leaver, for the follow-up pages
    learner_theirs.enrolments[0].exit_date = date(2026, 10, 30)
    user("learner@example.org", Role.LEARNER, password, linked=learner_mine, name="Luc Lefèvre")
    user("unlinked@example.org", Role.LEARNER, password)
    user("manager@example.org", Role.MANAGER, password)
    user("admin@example.org", Role.ADMIN, password)
    brief, other_brief = project(mine, title="Portfolio"), project(theirs, title="Portfolio Rodez")
    morning, other_morning = half_day(mine, WORLD_DAY), half_day(theirs, WORLD_DAY)
    absence = attendance(morning, learner_mine.enrolments[0], Presence.ABSENT)
    other_absence = attendance(other_morning, learner_theirs.enrolments[0], Presence.ABSENT)
    db.session.flush()
    return World(
        cohort_id=mine.id,
        other_cohort_id=theirs.id,
        learner_id=learner_mine.id,
        other_learner_id=learner_theirs.id,
        enrolment_id=learner_mine.enrolments[0].id,
        other_enrolment_id=learner_theirs.enrolments[0].id,
        project_id=brief.id,
        other_project_id=other_brief.id,
        competency_id=competencies(mine.programme)[0].id,
        emails={
            "learner": "learner@example.org",
            "unlinked": "unlinked@example.org",
            "trainer": "trainer@example.org",
            "manager": "manager@example.org",
            "admin": "admin@example.org",
        },
        session_id=morning.id,
        other_session_id=other_morning.id,
        record_id=absence.id,
        other_record_id=other_absence.id,
    )
