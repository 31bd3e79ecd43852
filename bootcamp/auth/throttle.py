"""Login attempts counted in the database, by account and address together, so every worker sees the same count.

An attempt is recorded and committed before anything is counted: the k-th attempt to commit then counts at
least k rows, so however many workers race (PostgreSQL or SQLite), no more than ALLOWED_FAILURES guesses pass.
Throttling the pair (account, address) rather than the account alone keeps the real person, elsewhere, able to
log in while someone guesses; a wider limit per address stops one address trying many accounts.

The same counting serves other doors, each counted apart by `kind` (LIMITS): « mot de passe oublié » requests
(`reset`, per address asked about) and the personal links of follow-ups and questionnaires (`link`, per link path).
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import LoginAttempt

WINDOW = timedelta(minutes=15)
ALLOWED_FAILURES = 5  # per account and address: the 6th attempt within the window is refused
ALLOWED_ADDRESS_FAILURES = 60  # per address, whatever the accounts (password spraying; a classroom shares one)
KEPT = timedelta(days=1)
LOGIN = "login"
# kind -> (allowed per `email` and address, allowed per address) within WINDOW
LIMITS = {LOGIN: (ALLOWED_FAILURES, ALLOWED_ADDRESS_FAILURES), "reset": (3, 20), "link": (10, 30)}


def record_attempt(email: str, address: str, now: datetime, kind: str = LOGIN) -> int:
    """Record an attempt, failed until `note_success` says otherwise; attempts older than a day go. The caller
    commits before calling `is_throttled`."""
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.attempted_at < now - KEPT))
    attempt = LoginAttempt(email=email[:254], address=address, succeeded=False, attempted_at=now, kind=kind)
    db.session.add(attempt)
    db.session.flush()
    return attempt.id


def is_throttled(email: str, address: str, now: datetime, kind: str = LOGIN) -> bool:
    """Whether this attempt (already committed, so counted) is one too many in the last 15 minutes."""
    allowed, allowed_from_address = LIMITS[kind]
    failures = sa.select(sa.func.count()).where(
        LoginAttempt.kind == kind,
        LoginAttempt.succeeded.is_(False),
        LoginAttempt.attempted_at >= now - WINDOW,
        LoginAttempt.address == address,
    )
    if (db.session.scalar(failures.where(LoginAttempt.email == email[:254])) or 0) > allowed:
        return True
    return (db.session.scalar(failures) or 0) > allowed_from_address


def note_success(attempt_id: int, email: str, address: str, kind: str = LOGIN) -> None:
    """The attempt succeeded: it and the earlier failures of the same account from the same address no longer
    count (failures from elsewhere still do)."""
    db.session.execute(sa.update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(succeeded=True))
    db.session.execute(
        sa.delete(LoginAttempt).where(
            LoginAttempt.kind == kind,
            LoginAttempt.email == email[:254],
            LoginAttempt.address == address,
            LoginAttempt.succeeded.is_(False),
        )
    )


def note_link_opened(attempt_id: int) -> None:
    """A personal link's opening (kind « link ») that opened something: this attempt no longer counts as a failure.
    Unlike a login's success, the address's earlier failures still count: every link shares the door, and a good
    link must not wipe the guesses made beside it."""
    db.session.execute(sa.update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(succeeded=True))
