"""People: learners, with what funders ask about them at entry, and accounts with their roles."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from .base import new_session_token, str_enum, utcnow

if TYPE_CHECKING:
    from .cohorts import Cohort, Enrolment


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


class Learner(db.Model):
    """A person in training (« apprenant·e ») and what funders ask about them at entry."""

    __tablename__ = "learners"
    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names, email and phone are personal data: erasure empties them (see erased_at).
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(30))  # as written; shown to those who follow outcomes
    # The address for after the training (the school's account often ends with it), and whether the learner
    # agrees to be written to there (follow-ups, the « à froid » questionnaire); both theirs to change on /me.
    personal_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_consent: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
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

    @validates("email", "personal_email")
    def _normalise_email(self, _key: str, value: str | None) -> str | None:
        return value.strip().lower() if value else None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def phone_uri(self) -> str | None:
        """The phone as a tel: link (digits and a leading +), None when none is held."""
        if not self.phone:
            return None
        digits = "".join(char for char in self.phone if char.isdigit())
        return f"tel:{'+' if self.phone.strip().startswith('+') else ''}{digits}"

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
    locale: Mapped[str | None] = mapped_column(sa.String(16))  # the language chosen with the footer's switch: emails
    # Goes into the session cookie instead of the id; a new one at logout, password change and
    # deactivation makes every copy of an old cookie worthless.
    session_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_session_token)

    learner: Mapped[Learner | None] = relationship(back_populates="user")
    cohorts: Mapped[list["Cohort"]] = relationship(
        secondary="cohort_trainers", back_populates="trainers", order_by="Cohort.start_date"
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
