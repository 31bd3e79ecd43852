"""Writing an import: audit events in bulk, and the command line's plan-then-write with no lock while planning.

The command line plans (reads) with no write lock, noting the data's version (cache.py: every write raises
it); then it writes in one short transaction that takes the lock first (transactions.py) and checks the version
has not moved. If something was written meanwhile, the plan may be stale: it plans again, up to ATTEMPTS times.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa

from ..audit import actor_id
from ..extensions import db
from ..models import AuditEvent, DataVersion
from ..transactions import end_transaction, write_transaction
from .reading import Plan

P = TypeVar("P", bound=Plan)
ATTEMPTS = 3


@dataclass(frozen=True)
class AuditRow:
    entity: str
    entity_id: int | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    learner_id: int | None


def record_all(events: list[AuditRow]) -> None:
    """Insert the audit events in bulk (audit.record() one by one costs an ORM object each)."""
    if not events:
        return
    actor = actor_id()
    db.session.execute(
        sa.insert(AuditEvent),
        [
            {
                "actor_id": actor,
                "entity": event.entity,
                "entity_id": event.entity_id,
                "action": event.action,
                "before": event.before,
                "after": event.after,
                "learner_id": event.learner_id,
            }
            for event in events
        ],
    )


def current_version(lock: bool = False) -> int:
    """The data's version as the database holds it now (not the request's copy of cache.data_version()). With
    `lock`, the row is locked until the transaction ends (PostgreSQL: another writer waits)."""
    query = sa.select(DataVersion.value).where(DataVersion.id == 1)
    return db.session.scalar(query.with_for_update() if lock else query) or 0


class StalePlan(Exception):
    """The data changed between planning and writing, ATTEMPTS times in a row."""


def between_plan_and_write() -> None:
    """Nothing: the moment, with no transaction open, when another process may write (the tests write there)."""


def plan_then_write(plan: Callable[[], P], apply: Callable[[P], dict[str, int]]) -> tuple[P, dict[str, int]]:
    """Plan with no lock; then write in one short locked transaction if nothing changed since; else plan again.
    A refused plan is returned with no counts. Raise StalePlan after ATTEMPTS plans overtaken by other writes."""
    for _attempt in range(ATTEMPTS):
        planned = plan()
        end_transaction()
        if not planned.ok:
            return planned, {}
        between_plan_and_write()
        with write_transaction():
            if current_version(lock=True) != planned.data_version:
                continue  # leaves the block: nothing was written
            return planned, apply(planned)
    raise StalePlan(f"the data kept changing while the file was checked ({ATTEMPTS} attempts): nothing imported")
