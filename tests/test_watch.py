"""The « à surveiller » rule: each reason, its thresholds written on the page, one learner's reasons, the demo."""

from datetime import date, datetime, timedelta

import pytest
from flask import Flask

from bootcamp.cohorts import queries
from bootcamp.cohorts.queries import LearnerFacts, learner_watch, watch_reasons
from bootcamp.extensions import db
from bootcamp.models import Cohort, EnrolmentStatus, Grade, SubmissionStatus

from . import factories
from .conftest import AuthActions

TODAY = date(2026, 11, 26)


def _facts(**changes: object) -> LearnerFacts:
    values: dict = dict(
        enrolment_id=1,
        learner_id=1,
        cohort_id=1,
        status=EnrolmentStatus.IN_TRAINING,
        leaver=False,
        progress=0.12,
        last_assessed_at=datetime(2026, 11, 20, 16, 30),
        average_score=12.0,
        graded=2,
        missing=0,
        late=0,
    )
    return LearnerFacts(**(values | changes))


def _cohort(start: date = date(2026, 9, 7), end: date = date(2027, 7, 5)) -> Cohort:
    return Cohort(name="Mende", start_date=start, end_date=end)


def _codes(facts: LearnerFacts, median: float | None = 0.12, cohort: Cohort | None = None) -> list[str]:
    return [reason.code for reason in watch_reasons(facts, median, cohort or _cohort(), TODAY)]


def test_nobody_flagged_when_all_is_well() -> None:
    assert _codes(_facts()) == []


@pytest.mark.parametrize(
    ("progress", "median", "behind"),
    [
        (0.0, 0.12, True),  # the demo's case: 0 % beside a 12 % median (the old rule's 20 points could not fire)
        (0.05, 0.12, True),  # under half the median
        (0.06, 0.12, False),  # half the median exactly
        (0.35, 0.50, True),  # 15 points under it
        (0.36, 0.50, False),
        (0.0, 0.0, False),  # a cohort where nobody has progressed yet
    ],
)
def test_behind_the_cohort(progress: float, median: float, behind: bool) -> None:
    assert ("behind" in _codes(_facts(progress=progress), median)) is behind


@pytest.mark.parametrize(("missing", "late", "flagged"), [(1, 1, True), (0, 2, True), (2, 0, True), (1, 0, False)])
def test_briefs_late_or_not_handed_in(missing: int, late: int, flagged: bool) -> None:
    assert ("late" in _codes(_facts(missing=missing, late=late))) is flagged


@pytest.mark.parametrize(
    ("average", "graded", "flagged"), [(9.0, 2, True), (9.99, 3, True), (9.0, 1, False), (10.0, 2, False)]
)
def test_low_average_over_two_graded_briefs(average: float, graded: int, flagged: bool) -> None:
    assert ("low_average" in _codes(_facts(average_score=average, graded=graded))) is flagged


def test_no_assessment_for_thirty_days_counts_from_the_cohort_start_up_to_its_end() -> None:
    assert "no_assessment" in _codes(_facts(last_assessed_at=datetime(2026, 10, 27, 9)))  # 30 days
    assert "no_assessment" not in _codes(_facts(last_assessed_at=datetime(2026, 10, 28, 9)))  # 29 days
    never = _facts(last_assessed_at=None, progress=0.0)
    assert "no_assessment" in _codes(never)  # 80 days since the start
    young = _cohort(TODAY - timedelta(days=20), date(2027, 9, 1))
    assert "no_assessment" not in _codes(never, cohort=young)  # a cohort's first 30 days: too early to say
    assert _codes(never, 0.0, _cohort(date(2027, 2, 1), date(2027, 12, 1))) == []  # not started
    ended = _cohort(date(2025, 9, 1), date(2026, 6, 30))
    recent = _facts(last_assessed_at=datetime(2026, 6, 20, 9))
    assert "no_assessment" not in _codes(recent, cohort=ended)  # 10 days before the end, not 159 before today
    assert watch_reasons(_facts(last_assessed_at=None), None, _cohort(), TODAY)[0].value == 80


def test_leavers_are_never_flagged() -> None:
    worrying = dict(progress=0.0, missing=3, average_score=4.0, last_assessed_at=None)
    assert len(_codes(_facts(**worrying))) == 4
    for status in (EnrolmentStatus.DROPPED, EnrolmentStatus.FINISHED):
        assert _codes(_facts(status=status, leaver=True, **worrying)) == []


def test_each_reason_in_words(app: Flask) -> None:
    worrying = _facts(progress=0.0, late=2, average_score=8.5, last_assessed_at=None)
    with app.test_request_context():
        texts = [reason.text for reason in watch_reasons(worrying, 0.12, _cohort(), TODAY)]
    assert texts == [
        "en retard sur la promotion (0\xa0%)",
        "2 briefs en retard ou non rendus",
        "moyenne de 8,5/20",
        "aucune évaluation depuis 80 jours",
    ]


def test_the_page_writes_the_rule_from_the_constants(client, auth: AuthActions, world, monkeypatch) -> None:
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}").text
    assert (
        "progression sous 50\xa0% de la médiane, ou au moins 15 points sous elle), qui a au moins 2 briefs en retard "
        "ou non rendus, dont la moyenne est sous 10/20 sur au moins 2 briefs notés, ou sans évaluation depuis 30 jours"
    ) in page
    monkeypatch.setattr(queries, "WATCH_LATE_BRIEFS", 3)
    monkeypatch.setattr(queries, "WATCH_QUIET_DAYS", 45)
    with client.application.app_context():
        factories.site()  # any write: the roster kept so far is computed again
        db.session.commit()
    page = client.get(f"/cohorts/{world.cohort_id}").text
    assert "au moins 3 briefs en retard" in page and "sans évaluation depuis 45 jours" in page


def test_one_learners_reasons_in_one_query(app: Flask, world, count_queries) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        other = factories.learner(cohort, last_name="Autre")
        competency = factories.competencies(cohort.programme)[0]
        factories.assess(other, competency, 2, datetime.now() - timedelta(days=2))
        for brief in (db.session.get(Cohort, world.cohort_id).projects[0], factories.project(cohort)):
            db.session.add(Grade(learner_id=world.learner_id, project=brief, status=SubmissionStatus.MISSING))
        db.session.commit()
        cohort = db.session.get(Cohort, world.cohort_id)
        with count_queries() as counted:
            reasons = learner_watch(cohort, world.learner_id, TODAY)
        assert counted.count == 1
        assert [reason.code for reason in reasons] == ["behind", "late", "no_assessment"]
        assert learner_watch(cohort, other.id, TODAY) == []
        assert learner_watch(cohort, world.other_learner_id, TODAY) == []  # not in that cohort
