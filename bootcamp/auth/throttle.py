"""Failed logins counted in the database, per account and per address, so every worker sees the same count."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import LoginAttempt

WINDOW = timedelta(minutes=15)
ALLOWED_FAILURES = 5  # the 6th attempt within the window is refused


def is_throttled(email: str, address: str, now: datetime) -> bool:
    """Whether 5 attempts already failed in the last 15 minutes for this account or from this address."""
    since = now - WINDOW
    failures = sa.select(sa.func.count()).where(LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at >= since)
    by_account = db.session.scalar(failures.where(LoginAttempt.email == email)) or 0
    by_address = db.session.scalar(failures.where(LoginAttempt.address == address)) or 0
    return max(by_account, by_address) >= ALLOWED_FAILURES


def note_attempt(email: str, address: str, succeeded: bool, now: datetime) -> None:
    """Record an attempt; a success clears the account's failures; attempts older than a day go."""
    db.session.add(LoginAttempt(email=email, address=address, succeeded=succeeded, attempted_at=now))
    if succeeded:
        db.session.execute(
            sa.delete(LoginAttempt).where(LoginAttempt.email == email, LoginAttempt.succeeded.is_(False))
        )
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.attempted_at < now - timedelta(days=1)))
