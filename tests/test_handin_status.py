"""The one definition of a learner's status on a brief (bootcamp/handins/status.py): on time, late, versions,
nothing before or after the due date, « dispensé·e »; the SQL and the Python twin agree on both databases; the day
of a hand-in is the day in France."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.handins.services import day_in_france
from bootcamp.handins.status import COUNTED_AS_HANDED_IN, status_of, statuses
from bootcamp.models import Cohort, Enrolment, Grade, Learner, SubmissionStatus

from . import factories

DUE = date(2026, 10, 16)
S = SubmissionStatus

# (name, exempted, days of the versions, today, expected)
CASES = [
    ("on the due date", False, [DUE], date(2026, 11, 1), S.SUBMITTED),
    ("days before", False, [date(2026, 10, 12)], date(2026, 10, 13), S.SUBMITTED),
    ("the day after", False, [date(2026, 10, 17)], date(2026, 11, 1), S.LATE),
    ("on time, then a late second version", False, [DUE, date(2026, 10, 20)], date(2026, 11, 1), S.SUBMITTED),
    ("late twice", False, [date(2026, 10, 18), date(2026, 10, 25)], date(2026, 11, 1), S.LATE),
    ("nothing, due date to come", False, [], date(2026, 10, 10), S.PENDING),
    ("nothing, due today", False, [], DUE, S.PENDING),
    ("nothing, due yesterday", False, [], date(2026, 10, 17), S.MISSING),
    ("exempted, nothing", True, [], date(2026, 11, 1), S.EXEMPTED),
    ("exempted with versions", True, [DUE], date(2026, 11, 1), S.EXEMPTED),
    ("exempted before the due date", True, [], date(2026, 10, 1), S.EXEMPTED),
]


@pytest.mark.parametrize("name,exempted,days,today,expected", CASES, ids=[case[0] for case in CASES])
def test_the_status_of_one_learner_on_one_brief(name, exempted, days, today, expected) -> None:
    assert status_of(exempted, min(days, default=None), DUE, today) == expected


def test_only_submitted_and_late_count_as_handed_in() -> None:
    assert COUNTED_AS_HANDED_IN == {S.SUBMITTED, S.LATE}


@pytest.mark.parametrize("today", sorted({case[3] for case in CASES}))
def test_the_sql_gives_what_python_gives_on_every_case(app: Flask, world, today: date) -> None:
    """One learner per case on one brief due on DUE (versions as the case says; a grade exempting them or not, or
    no grade at all): statuses() in SQL equals status_of() for each, whatever the day."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        brief = factories.project(cohort, due=DUE, title="Cas")
        expected: dict[int, SubmissionStatus] = {}
        for index, (_name, exempted, days, _today, _expected) in enumerate(CASES):
            learner = factories.learner(cohort, last_name=f"Cas{index}")
            for number, day in enumerate(days, start=1):
                factories.hand_in(brief, learner, day, number=number)
            if exempted or index % 2:  # a grade without exemption for some: the same as none
                db.session.add(Grade(learner=learner, project=brief, exempted=exempted, exemption_reason="Stage"))
            db.session.flush()
            expected[learner.id] = status_of(exempted, min(days, default=None), DUE, today)
        db.session.commit()
        table = statuses(sa.select(Enrolment.id).where(Enrolment.cohort_id == cohort.id), today)
        rows = db.session.execute(
            sa.select(table.c.learner_id, table.c.status, table.c.versions, table.c.first_on)
            .where(table.c.project_id == brief.id, table.c.learner_id.in_(expected))
        ).all()
        assert {row.learner_id: SubmissionStatus(row.status) for row in rows} == expected
        by_learner = {row.learner_id: row for row in rows}
        for index, (_name, _exempted, days, _today, _expected) in enumerate(CASES):
            learner_id = db.session.scalar(sa.select(Learner.id).where(Learner.last_name == f"Cas{index}"))
            assert by_learner[learner_id].versions == len(days)


@pytest.mark.parametrize(
    "moment,day",
    [
        (datetime(2026, 10, 16, 21, 59), date(2026, 10, 16)),  # 23:59 in Paris (summer time, UTC+2)
        (datetime(2026, 10, 16, 22, 1), date(2026, 10, 17)),  # 00:01 the next day in Paris
        (datetime(2026, 12, 16, 22, 59), date(2026, 12, 16)),  # 23:59 in Paris (winter time, UTC+1)
        (datetime(2026, 12, 16, 23, 1), date(2026, 12, 17)),  # 00:01: late for a brief due on the 16th
        (datetime(2026, 12, 16, 0, 30), date(2026, 12, 16)),
    ],
)
def test_the_day_of_a_hand_in_is_the_day_in_france(moment: datetime, day: date) -> None:
    assert day_in_france(moment) == day
