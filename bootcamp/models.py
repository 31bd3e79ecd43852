"""The data model: programmes and their frameworks, cohorts, learners, grades, outcomes, audit."""

import enum
import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .extensions import db


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime (SQLite keeps no time zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class Role(enum.StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    MANAGER = "manager"
    ADMIN = "admin"


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNDECLARED = "undeclared"


class AgeBand(enum.StrEnum):
    UNDER_26 = "under_26"
    FROM_26_TO_44 = "26_44"
    FROM_45 = "45_plus"

    @classmethod
    def at(cls, birth_date: date, on: date) -> "AgeBand":
        """Return the band of someone born on `birth_date`, on the day `on`."""
        age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
        if age < 26:
            return cls.UNDER_26
        return cls.FROM_26_TO_44 if age < 45 else cls.FROM_45


class Diploma(enum.StrEnum):
    BELOW_BAC = "below_bac"
    BAC = "bac"
    BAC_2 = "bac_2"
    BAC_3_PLUS = "bac_3_plus"


class PublicFlag(enum.StrEnum):
    JOBSEEKER = "jobseeker"
    QPV = "qpv"
    ZRR = "zrr"
    RQTH = "rqth"
    RSA = "rsa"
    CAREER_CHANGE = "career_change"


# Which fields and values are sensitive, and who sees them: bootcamp/access.py (SENSITIVE_FIELDS, ...).


class Referrer(enum.StrEnum):
    MISSION_LOCALE = "mission_locale"
    FRANCE_TRAVAIL = "france_travail"
    CAP_EMPLOI = "cap_emploi"
    OTHER = "other"
    NONE = "none"


class EnrolmentStatus(enum.StrEnum):
    IN_TRAINING = "in_training"
    DROPPED = "dropped"
    FINISHED = "finished"


class DropoutReason(enum.StrEnum):
    JOB = "job"
    HEALTH = "health"
    FAMILY = "family"
    FINANCIAL = "financial"
    MOTIVATION = "motivation"
    MOVED = "moved"
    EXCLUDED = "excluded"
    OTHER = "other"


class Certification(enum.StrEnum):
    OBTAINED = "obtained"
    PARTIAL = "partial"
    FAILED = "failed"
    ABSENT = "absent"
    PENDING = "pending"


class SubmissionStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    LATE = "late"
    MISSING = "missing"


class Situation(enum.StrEnum):
    CDI = "cdi"
    CDD_LONG = "cdd_long"
    BUSINESS = "business"
    CDD_SHORT = "cdd_short"
    WORK_STUDY = "work_study"
    TRAINING = "training"
    JOB_SEARCH = "job_search"
    INACTIVE = "inactive"
    UNKNOWN = "unknown"


EMPLOYMENT_SITUATIONS = frozenset(
    {Situation.CDI, Situation.CDD_LONG, Situation.BUSINESS, Situation.CDD_SHORT, Situation.WORK_STUDY}
)
DURABLE_SITUATIONS = frozenset({Situation.CDI, Situation.CDD_LONG, Situation.BUSINESS})
FOLLOW_UP_POINTS = (0, 3, 6, 12)


def str_enum(enum_class: type[enum.StrEnum], name: str) -> sa.Enum:
    """Store a StrEnum as its code in a VARCHAR, with a CHECK constraint listing the codes."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Site(db.Model):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)

    cohorts: Mapped[list["Cohort"]] = relationship(back_populates="site")

    def __str__(self) -> str:
        return self.name


class Programme(db.Model):
    """A certified title (RNCP) and its competency framework."""

    __tablename__ = "programmes"
    __table_args__ = (sa.CheckConstraint("acquired_level BETWEEN 1 AND 3", name="acquired_level_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rncp_code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str] = mapped_column(sa.String(20))
    level: Mapped[int | None]
    # The level from which a competency counts as acquired (DOMAIN.md: 2 unless said otherwise).
    acquired_level: Mapped[int] = mapped_column(default=2, server_default="2")

    blocks: Mapped[list["Block"]] = relationship(
        back_populates="programme", order_by="Block.position", cascade="all, delete-orphan"
    )
    cohorts: Mapped[list["Cohort"]] = relationship(back_populates="programme")

    def __str__(self) -> str:
        return f"{self.short_name} ({self.rncp_code})"


class Block(db.Model):
    """A block of competencies (« bloc de compétences ») of a programme."""

    __tablename__ = "blocks"
    __table_args__ = (sa.UniqueConstraint("programme_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(30))
    title: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[int]

    programme: Mapped[Programme] = relationship(back_populates="blocks")
    competencies: Mapped[list["Competency"]] = relationship(
        back_populates="block", order_by="Competency.position", cascade="all, delete-orphan"
    )


class Competency(db.Model):
    __tablename__ = "competencies"
    __table_args__ = (sa.UniqueConstraint("block_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(sa.ForeignKey("blocks.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(30))
    title: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[int]

    block: Mapped[Block] = relationship(back_populates="competencies")


cohort_trainers = sa.Table(
    "cohort_trainers",
    db.metadata,
    sa.Column("cohort_id", sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Cohort(db.Model):
    """A « promotion »: one run of a programme at a site."""

    __tablename__ = "cohorts"
    __table_args__ = (sa.CheckConstraint("end_date > start_date", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="RESTRICT"), index=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="RESTRICT"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date]

    site: Mapped[Site] = relationship(back_populates="cohorts")
    programme: Mapped[Programme] = relationship(back_populates="cohorts")
    trainers: Mapped[list["User"]] = relationship(
        secondary=cohort_trainers, back_populates="cohorts", order_by="User.name"
    )
    enrolments: Mapped[list["Enrolment"]] = relationship(back_populates="cohort")
    projects: Mapped[list["Project"]] = relationship(
        back_populates="cohort", order_by="Project.due_date", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.name


class Learner(db.Model):
    """A person in training (« apprenant·e ») and what funders ask about them at entry."""

    __tablename__ = "learners"
    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names and email are personal data: erasure empties them (see erased_at).
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    gender: Mapped[Gender] = mapped_column(str_enum(Gender, "gender"))
    birth_date: Mapped[date | None]
    postal_code: Mapped[str | None] = mapped_column(sa.String(10))
    diploma: Mapped[Diploma | None] = mapped_column(str_enum(Diploma, "diploma"))
    jobseeker: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    qpv: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    zrr: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    rqth: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    rsa: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    career_change: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    referrer: Mapped[Referrer] = mapped_column(
        str_enum(Referrer, "referrer"), default=Referrer.NONE, server_default=Referrer.NONE.value
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None]

    enrolments: Mapped[list["Enrolment"]] = relationship(
        back_populates="learner", cascade="all, delete-orphan", passive_deletes=True
    )
    user: Mapped["User | None"] = relationship(back_populates="learner")

    @validates("email")
    def _normalise_email(self, _key: str, value: str | None) -> str | None:
        return value.strip().lower() if value else None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def flags(self) -> frozenset[PublicFlag]:
        """The public flags that hold for this learner."""
        return frozenset(flag for flag in PublicFlag if getattr(self, flag.value))

    @flags.setter
    def flags(self, flags: set[PublicFlag] | frozenset[PublicFlag]) -> None:
        for flag in PublicFlag:
            setattr(self, flag.value, flag in flags)

    def __str__(self) -> str:
        return self.full_name


class Enrolment(db.Model):
    """A learner in a cohort: where they are, how they left, how the exam went."""

    __tablename__ = "enrolments"
    __table_args__ = (
        sa.UniqueConstraint("learner_id", "cohort_id"),
        sa.CheckConstraint("(status = 'dropped') = (dropout_reason IS NOT NULL)", name="dropout_reason_iff_dropped"),
        sa.CheckConstraint("(status = 'in_training') = (exit_date IS NULL)", name="exit_date_iff_left"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="RESTRICT"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        str_enum(EnrolmentStatus, "enrolment_status"),
        default=EnrolmentStatus.IN_TRAINING,
        server_default=EnrolmentStatus.IN_TRAINING.value,
    )
    exit_date: Mapped[date | None]
    dropout_reason: Mapped[DropoutReason | None] = mapped_column(str_enum(DropoutReason, "dropout_reason"))
    certification: Mapped[Certification | None] = mapped_column(str_enum(Certification, "certification"))
    # Age band on the cohort's start date, kept so statistics survive the erasure of the birth date.
    age_band: Mapped[AgeBand | None] = mapped_column(str_enum(AgeBand, "age_band"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    learner: Mapped[Learner] = relationship(back_populates="enrolments")
    cohort: Mapped[Cohort] = relationship(back_populates="enrolments")
    outcomes: Mapped[list["Outcome"]] = relationship(
        back_populates="enrolment",
        order_by="Outcome.point",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_leaver(self) -> bool:
        return self.status != EnrolmentStatus.IN_TRAINING


class User(UserMixin, db.Model):
    """An account: a learner, a trainer (« formateur·rice »), a manager or an admin."""

    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    learner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("learners.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Goes into the session cookie instead of the id; a new one at logout, password change and
    # deactivation makes every copy of an old cookie worthless.
    session_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_session_token)

    learner: Mapped[Learner | None] = relationship(back_populates="user")
    cohorts: Mapped[list[Cohort]] = relationship(
        secondary=cohort_trainers, back_populates="trainers", order_by="Cohort.start_date"
    )

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses to log in an inactive user
        return self.active

    def get_id(self) -> str:
        return self.session_token

    def rotate_session_token(self) -> None:
        """End every session of this account (logout, password change, deactivation)."""
        self.session_token = new_session_token()

    def __str__(self) -> str:
        return self.name


class Project(db.Model):
    """A brief given to a cohort, targeting some competencies."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    context: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    deliverables: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    due_date: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    cohort: Mapped[Cohort] = relationship(back_populates="projects")
    created_by: Mapped["User | None"] = relationship()
    targets: Mapped[list["ProjectCompetency"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )
    grades: Mapped[list["Grade"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.title


class ProjectCompetency(db.Model):
    """A competency a project targets, and the level it aims at."""

    __tablename__ = "project_competencies"
    __table_args__ = (sa.CheckConstraint("target_level BETWEEN 1 AND 3", name="target_level_range"),)

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(sa.ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True)
    target_level: Mapped[int]

    project: Mapped[Project] = relationship(back_populates="targets")
    competency: Mapped[Competency] = relationship()


class Grade(db.Model):
    """A learner's result on a project; `version` guards against lost updates."""

    __tablename__ = "grades"
    __table_args__ = (
        sa.UniqueConstraint("learner_id", "project_id"),
        sa.CheckConstraint("score_hundredths BETWEEN 0 AND 2000", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    # The score out of 20 in hundredths (15.25 -> 1525): exact on every database.
    score_hundredths: Mapped[int | None]
    status: Mapped[SubmissionStatus] = mapped_column(
        str_enum(SubmissionStatus, "submission_status"),
        default=SubmissionStatus.SUBMITTED,
        server_default=SubmissionStatus.SUBMITTED.value,
    )
    feedback: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    graded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    learner: Mapped[Learner] = relationship()
    project: Mapped[Project] = relationship(back_populates="grades")
    graded_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def score(self) -> Decimal | None:
        """The score out of 20, with two decimals."""
        if self.score_hundredths is None:
            return None
        return Decimal(self.score_hundredths) / 100

    @score.setter
    def score(self, value: Decimal | float | None) -> None:
        self.score_hundredths = None if value is None else int(round(Decimal(str(value)) * 100))


class CompetencyAssessment(db.Model):
    """One assessment of a learner on a competency; the latest one is the current level."""

    __tablename__ = "competency_assessments"
    __table_args__ = (
        sa.CheckConstraint("level BETWEEN 0 AND 3", name="level_range"),
        sa.Index("ix_competency_assessments_current", "learner_id", "competency_id", "assessed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(sa.ForeignKey("competencies.id", ondelete="CASCADE"), index=True)
    level: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    assessed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)

    learner: Mapped[Learner] = relationship()
    competency: Mapped[Competency] = relationship()
    project: Mapped[Project | None] = relationship()
    assessed_by: Mapped[User | None] = relationship()


class Outcome(db.Model):
    """A leaver's situation at a follow-up point: exit (0), +3, +6 or +12 months."""

    __tablename__ = "outcomes"
    __table_args__ = (
        sa.UniqueConstraint("enrolment_id", "point"),
        sa.CheckConstraint("point IN (0, 3, 6, 12)", name="point_values"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The exit being followed up; the learner is the enrolment's.
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"))
    point: Mapped[int]
    situation: Mapped[Situation] = mapped_column(str_enum(Situation, "situation"))
    employer: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    job_title: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    digital: Mapped[bool | None]
    start_date: Mapped[date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    enrolment: Mapped[Enrolment] = relationship(back_populates="outcomes")
    recorded_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class LoginAttempt(db.Model):
    """A login attempt, kept a day, so that every worker counts failures the same way."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    address: Mapped[str] = mapped_column(sa.String(64), index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    succeeded: Mapped[bool] = mapped_column(default=False)


class OneTimeToken(db.Model):
    """A token handed out in a link (a password link; later survey and tutor links): random, kept only as its
    SHA-256, valid until `expires_at` and used once. `purpose` says what it opens; `subject` what it is about."""

    __tablename__ = "one_time_tokens"
    __table_args__ = (sa.Index("ix_one_time_tokens_purpose_user_id", "purpose", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(32))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    subject: Mapped[str | None] = mapped_column(sa.Text)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class AuditEvent(db.Model):
    """A change to the data: who, when, what, before and after. Never edited nor deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    entity: Mapped[str] = mapped_column(sa.String(50))
    entity_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(sa.String(20))
    # The learner the change is about, when there is one: the audit log filters on it.
    learner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("learners.id", ondelete="SET NULL"), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    actor: Mapped[User | None] = relationship()


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _refresh_age_bands(session: sa.orm.Session, _context: Any, _instances: Any) -> None:
    """Keep each enrolment's age band in step with the birth date and the cohort's start."""
    enrolments: set[Enrolment] = set()
    new = session.new  # built anew at each access: once, or an import of n rows costs n² (10,000: 30 s)
    for instance in (*new, *session.dirty):
        if isinstance(instance, Enrolment):
            enrolments.add(instance)
        elif isinstance(instance, Learner) and (
            instance in new or sa.inspect(instance).attrs.birth_date.history.has_changes()
        ):
            enrolments.update(instance.enrolments)
    for enrolment in enrolments:
        learner = enrolment.learner or session.get(Learner, enrolment.learner_id)
        cohort = enrolment.cohort or session.get(Cohort, enrolment.cohort_id)
        if learner is not None and cohort is not None and learner.birth_date is not None:
            band = AgeBand.at(learner.birth_date, cohort.start_date)
            if enrolment.age_band != band:
                enrolment.age_band = band


class DataVersion(db.Model):
    """One row, one number: raised by every transaction that changes what pages show (bootcamp/cache.py), so
    that what was computed from the data can be kept until the next write."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
