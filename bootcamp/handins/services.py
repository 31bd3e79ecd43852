"""Handing in a brief: the learner's next version, numbered without a clash, audited; the caller commits."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..audit import record, snapshot
from ..dates import LOCAL_ZONE
from ..extensions import db
from ..models import Enrolment, HandIn, Project, utcnow
from ..transactions import lock_rows

HAND_IN_FIELDS = ("number", "repository_url", "deployed_url", "comment")
ATTEMPTS = 3  # numbers tried when another version took ours between our read and our write


@dataclass(frozen=True)
class HandInData:
    repository_url: str
    deployed_url: str
    comment: str


def day_in_france(moment: datetime) -> date:
    """The day in France of a naive UTC time (a hand-in at 23:30 UTC in winter is the next day's)."""
    return moment.replace(tzinfo=UTC).astimezone(LOCAL_ZONE).date()


def next_number(project_id: int, learner_id: int) -> int:
    """The number the learner's next version of the brief gets: one more than their last."""
    last = db.session.scalar(
        sa.select(sa.func.max(HandIn.number)).where(HandIn.project_id == project_id, HandIn.learner_id == learner_id)
    )
    return (last or 0) + 1


def hand_in(project: Project, enrolment: Enrolment, data: HandInData) -> HandIn:
    """Add the learner's next version of the brief, now, and audit it.

    Two hand-ins at once (two tabs, a double click) get versions n and n+1: the enrolment's row is locked first
    (PostgreSQL; SQLite's write lock does it), so the second one reads the first one's number; should a number be
    taken all the same between the read and the write, the insert is retried with the next one (in a savepoint)
    rather than answered with an error.
    """
    lock_rows(Enrolment, [enrolment.id])
    for attempt in range(ATTEMPTS):
        moment = utcnow()
        version = HandIn(
            project_id=project.id,
            learner_id=enrolment.learner_id,
            number=next_number(project.id, enrolment.learner_id),
            repository_url=data.repository_url,
            deployed_url=data.deployed_url,
            comment=data.comment,
            handed_in_at=moment,
            handed_in_on=day_in_france(moment),
        )
        try:
            with db.session.begin_nested():
                db.session.add(version)
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
            continue
        record("hand_in", version.id, "create", None, snapshot(version, HAND_IN_FIELDS), learner_id=version.learner_id)
        return version
    raise AssertionError("unreachable")  # pragma: no cover
