"""The record of changes: the audit trail, and the data version that pages' caches follow."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow

if TYPE_CHECKING:
    from .people import User


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

    actor: Mapped["User | None"] = relationship()


class DataVersion(db.Model):
    """One row, one number: raised by every transaction that changes what pages show (bootcamp/cache.py), so
    that what was computed from the data can be kept until the next write."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
