"""What logging in and links keep: login attempts and one-time tokens."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class LoginAttempt(db.Model):
    """A login attempt, kept a day, so that every worker counts failures the same way."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    address: Mapped[str] = mapped_column(sa.String(64), index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    succeeded: Mapped[bool] = mapped_column(default=False)
    # « login », or « reset » for a « mot de passe oublié » request: counted apart, by the same rule.
    kind: Mapped[str] = mapped_column(sa.String(16), default="login", server_default="login")


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
