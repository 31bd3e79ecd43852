"""The audit trail: every change to the data is recorded with who, when, before and after."""

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import abort, has_request_context
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from .extensions import db
from .models import AuditEvent


def plain(value: Any) -> Any:
    """A JSON-friendly copy of a column value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(instance: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The values of `fields` on `instance`, ready for an audit event."""
    return {field: plain(getattr(instance, field)) for field in fields}


def actor_id() -> int | None:
    """The logged-in user's id; None on the command line."""
    if has_request_context() and current_user.is_authenticated:
        return current_user.id
    return None


def record(
    entity: str,
    entity_id: int | None,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    learner_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the session (the caller commits with the change itself)."""
    event = AuditEvent(
        actor_id=actor_id(),
        entity=entity,
        entity_id=entity_id,
        action=action,
        before=before,
        after=after,
        learner_id=learner_id,
    )
    db.session.add(event)
    return event


def last_change(entity: str, entity_id: int) -> AuditEvent | None:
    """The latest audit event of a record, with its actor: who changed it last, and when."""
    return db.session.scalar(
        sa.select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def check_version(entity: str, instance: Any, seen: int | None, message: str) -> None:
    """Answer 409 if `instance` (audited as `entity`) changed since its form was loaded with version `seen`, saying
    who changed it and when: `message` holds %(who)s and %(when)s (its words name the thing changed)."""
    if seen == instance.version:
        return
    change = last_change(entity, instance.id)
    if change is None:
        abort(409)
    who = change.actor.name if change.actor else _("quelqu'un")
    abort(409, description=str(message) % {"who": who, "when": format_datetime(change.created_at, "short")})
