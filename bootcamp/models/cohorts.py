"""Sites, cohorts and their trainers, and enrolments: a learner in a cohort, how they left, how the exam went."""

import enum
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from .base import compare_key, str_enum
from .people import AgeBand, Learner

if TYPE_CHECKING:
    from .outcomes import Outcome
    from .people import User
    from .programmes import Programme
    from .work import Project


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


SITE_KEY_LENGTH = 255


def site_key(name: str) -> str:
    """How two spellings of a site compare: case, accents and spaces ignored (« Mende », « mende », « MENDE  »,
    « Saint-Affrique » and « saint-affrique » are one site). Migration 0006 holds a copy: keep them alike."""
    return compare_key(name)[:SITE_KEY_LENGTH]


class Site(db.Model):
    """A place where cohorts are held, from the list managers keep (/sites/); chosen, never typed, elsewhere."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # The name as people compare it (site_key), unique: one site per town whatever the case and accents.
    key: Mapped[str] = mapped_column(sa.String(SITE_KEY_LENGTH), index=True, unique=True)

    cohorts: Mapped[list["Cohort"]] = relationship(back_populates="site")

    @validates("name")
    def _normalise_name(self, _attribute: str, value: str) -> str:
        name = " ".join(value.split())
        self.key = site_key(name)
        return name

    def __str__(self) -> str:
        return self.name


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
    programme: Mapped["Programme"] = relationship(back_populates="cohorts")
    trainers: Mapped[list["User"]] = relationship(
        secondary=cohort_trainers, back_populates="cohorts", order_by="User.name"
    )
    enrolments: Mapped[list["Enrolment"]] = relationship(back_populates="cohort")
    projects: Mapped[list["Project"]] = relationship(
        back_populates="cohort", order_by="Project.due_date", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.name


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

    @hybrid_property
    def is_leaver(self) -> bool:
        """Dropped or finished: the one spelling of « leaver », in Python and in SQL (`.where(Enrolment.is_leaver)`)."""
        return self.status != EnrolmentStatus.IN_TRAINING


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
