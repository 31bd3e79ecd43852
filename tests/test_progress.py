"""Progress = sum of min(current level, acquired level) / (acquired level x competencies)."""

from datetime import datetime

import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import Enrolment
from bootcamp.progress import enrolment_progress

from . import factories


def _progress(enrolment_ids: list[int]) -> dict[int, float]:
    rows = db.session.execute(enrolment_progress(sa.select(Enrolment.id).where(Enrolment.id.in_(enrolment_ids))))
    return {row.enrolment_id: row.progress for row in rows}


def test_latest_assessment_counts_and_levels_above_target_are_capped(app: Flask) -> None:
    with app.app_context():
        cohort = factories.cohort()
        alice, bob = factories.learner(cohort), factories.learner(cohort)
        c = factories.competencies(factories.dwwm())
        factories.assess(alice, c[0], 3, datetime(2026, 10, 1))  # capped at 2
        factories.assess(alice, c[1], 3, datetime(2026, 10, 1))
        factories.assess(alice, c[1], 1, datetime(2026, 11, 1))  # the latest wins: 1
        factories.assess(alice, c[2], 0, datetime(2026, 10, 1))
        factories.assess(bob, c[0], 2, datetime(2026, 10, 1))
        db.session.commit()
        progress = _progress([alice.enrolments[0].id, bob.enrolments[0].id])
    assert progress == {1: (2 + 1 + 0) / 16, 2: 2 / 16}


def test_same_time_assessments_are_ordered_by_id(app: Flask) -> None:
    with app.app_context():
        learner = factories.learner(factories.cohort())
        c = factories.competencies(factories.dwwm())[0]
        factories.assess(learner, c, 2, datetime(2026, 10, 1))
        db.session.flush()
        factories.assess(learner, c, 1, datetime(2026, 10, 1))
        db.session.commit()
        assert _progress([learner.enrolments[0].id]) == {learner.enrolments[0].id: 1 / 16}


def test_programme_acquired_level_changes_the_target(app: Flask) -> None:
    with app.app_context():
        programme = factories.dwwm()
        programme.acquired_level = 3
        learner = factories.learner(factories.cohort())
        for competency in factories.competencies(programme):
            factories.assess(learner, competency, 3, datetime(2026, 10, 1))
        db.session.commit()
        assert _progress([learner.enrolments[0].id]) == {learner.enrolments[0].id: 1.0}


def test_no_assessment_is_zero(app: Flask) -> None:
    with app.app_context():
        learner = factories.learner(factories.cohort())
        db.session.commit()
        assert _progress([learner.enrolments[0].id]) == {learner.enrolments[0].id: 0}
