"""Transactions kept short, and on SQLite begun with the write lock when they will write.

SQLite has one writer at a time. A transaction that reads first and writes later can be refused at its
first write ("database is locked", whatever the busy timeout) when another process wrote in between, so a
writing transaction starts with BEGIN IMMEDIATE: it waits for the lock (busy timeout), then reads and writes.
Whoever holds the lock holds it for every other worker, so no slow work (password hashing, reading a file,
planning an import) happens inside such a transaction: do it before, with `end_transaction()` first if
something was read, then write in one short transaction.

- In a request, a POST/PUT/PATCH/DELETE writes: its transactions begin IMMEDIATE.
- Elsewhere (the command line), `write_transaction()` marks the block as writing.
On PostgreSQL the same calls simply commit or roll back; row locks (`with_for_update`) do the rest.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import has_request_context, request

from .extensions import db

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_writing: ContextVar[bool] = ContextVar("writing", default=False)
T = TypeVar("T")


def begins_with_write_lock() -> bool:
    """Whether the transaction about to begin must take SQLite's write lock at once."""
    return _writing.get() or (has_request_context() and request.method in WRITE_METHODS)


def end_transaction() -> None:
    """Close the open transaction (committing what it holds) before slow work, so that no lock is held."""
    db.session.commit()


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run the block in one new transaction that takes the write lock first; commit, or roll back on error."""
    end_transaction()
    token = _writing.set(True)
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _writing.reset(token)


def lock_rows(model: type, ids: Iterable[int]) -> None:
    """Lock these rows until the transaction ends (PostgreSQL: SELECT ... FOR NO KEY UPDATE, in id order so that
    two writers never wait on each other in a circle). A check that reads what others may write at the same
    time (« the newest assessment », « no follow-up yet ») holds after it: a second writer waits here, then
    reads what the first one committed. On SQLite the transaction's write lock already does it (nothing to add).
    """
    wanted = sorted(set(ids))
    if wanted and db.engine.dialect.name != "sqlite":
        query = sa.select(model.id).where(model.id.in_(wanted)).order_by(model.id)
        db.session.execute(query.with_for_update(key_share=True))


def locked(instance: T) -> T:
    """The row as it is now that it is ours until the transaction ends (PostgreSQL: a second writer waits here,
    then reads what the first one committed; SQLite: the transaction's write lock does it)."""
    row: Any = instance
    lock_rows(type(row), [row.id])
    db.session.refresh(row)
    return instance
