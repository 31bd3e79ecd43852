"""What the journal lists: events filtered by author, kind, dates and learner, and the names it shows."""

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..forms import MAX_ID
from ..models import AuditEvent, Learner, User


def authors() -> list[tuple[int, str]]:
    """Every account (id, name), by name: the journal's authors to choose from."""
    return [(row.id, row.name) for row in db.session.execute(sa.select(User.id, User.name).order_by(User.name))]


def events(
    actor_id: int | None = None,
    kind: str | None = None,
    start: date | None = None,
    end: date | None = None,
    learner: str = "",
) -> sa.Select[tuple[AuditEvent]]:
    """The events, newest first, by this author, of this kind, from `start` to `end` included, about a learner
    whose number is `learner` or whose name contains it (any filter left empty: not filtered)."""
    query = sa.select(AuditEvent).options(joinedload(AuditEvent.actor)).order_by(AuditEvent.id.desc())
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if kind:
        query = query.where(AuditEvent.entity == kind)
    if start:
        query = query.where(AuditEvent.created_at >= datetime.combine(start, time.min))
    if end:
        query = query.where(AuditEvent.created_at < datetime.combine(end + timedelta(days=1), time.min))
    if learner:
        query = query.where(AuditEvent.learner_id.in_(matching_learners(learner)))
    return query


def matching_learners(text: str) -> sa.Select[tuple[int]]:
    """The ids of the learners numbered `text`, or whose name (either way round) contains it."""
    number = int(text) if text.isascii() and text.isdigit() and int(text) <= MAX_ID else None
    return sa.select(Learner.id).where(
        sa.or_(
            Learner.id == number if number is not None else sa.false(),
            sa.func.lower(Learner.last_name + " " + Learner.first_name).contains(text.lower()),
            sa.func.lower(Learner.first_name + " " + Learner.last_name).contains(text.lower()),
        )
    )


def learner_names(events: list[AuditEvent]) -> dict[int, str]:
    """The names of the learners these events are about (one query)."""
    learner_ids = {event.learner_id for event in events if event.learner_id}
    return dict(
        db.session.execute(
            sa.select(Learner.id, Learner.last_name + " " + Learner.first_name).where(Learner.id.in_(learner_ids))
        ).all()
    )
