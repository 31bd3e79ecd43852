"""Login attempts counted in the database, by account and address together, so every worker sees the same count.

An attempt is recorded and committed before anything is counted: the k-th attempt to commit then counts at
least k rows, so however many workers race (PostgreSQL or SQLite), no more than ALLOWED_FAILURES guesses pass.
Throttling the pair (account, address) rather than the account alone keeps the real person, elsewhere, able to
log in while someone guesses; a wider limit per address stops one address trying many accounts.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import LoginAttempt

WINDOW = timedelta(minutes=15)
ALLOWED_FAILURES = 5  # per account and address: the 6th attempt within the window is refused
ALLOWED_ADDRESS_FAILURES = 60  # per address, whatever the accounts (password spraying; a classroom shares one)
KEPT = timedelta(days=1)


def record_attempt(email: str, address: str, now: datetime) -> int:
    """Record an attempt, failed until `note_success` says otherwise; attempts older than a day go. The caller
    commits before calling `is_throttled`."""
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.attempted_at < now - KEPT))
    attempt = LoginAttempt(email=email, address=address, succeeded=False, attempted_at=now)
    db.session.add(attempt)
    db.session.flush()
    return attempt.id


def is_throttled(email: str, address: str, now: datetime) -> bool:
    """Whether this attempt (already committed, so counted) is one too many in the last 15 minutes."""
    failures = sa.select(sa.func.count()).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at >= now - WINDOW, LoginAttempt.address == address
    )
    if (db.session.scalar(failures.where(LoginAttempt.email == email)) or 0) > ALLOWED_FAILURES:
        return True
    return (db.session.scalar(failures) or 0) > ALLOWED_ADDRESS_FAILURES


def note_success(attempt_id: int, email: str, address: str) -> None:
    """The attempt succeeded: it and the earlier failures of the same account from the same address no longer
    count (failures from elsewhere still do)."""
    db.session.execute(sa.update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(succeeded=True))
    db.session.execute(
        sa.delete(LoginAttempt).where(
            LoginAttempt.email == email, LoginAttempt.address == address, LoginAttempt.succeeded.is_(False)
        )
    )
