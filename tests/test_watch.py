"""The « à surveiller » rule: each reason, its thresholds written on the page, one learner's reasons, the demo."""

import html
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.attendance.hours import Hours
from bootcamp.cohorts import queries
from bootcamp.cohorts.queries import LearnerFacts, learner_facts, learner_watch, watch_reasons
from bootcamp.extensions import db
from bootcamp.models import (
    AttendanceSession,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    HalfDay,
    HandIn,
    Justification,
    Presence,
    SessionState,
)

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


def _hours(planned_half_days: int, absent: int, late_minutes: int = 0, justified: int = 0) -> Hours:
    """The hours of so many 3.5-hour half-days, `absent` of them absent (`justified` of those accepted)."""
    planned = planned_half_days * 210
    return Hours(
        planned_minutes=planned,
        present_minutes=planned - absent * 210 - late_minutes,
        justified_minutes=justified * 210,
        unjustified_minutes=(absent - justified) * 210,
        late_minutes=late_minutes,
    )


@pytest.mark.parametrize(
    ("absences", "half_days", "attendance", "flagged"),
    [
        (4, 40, _hours(40, 4), True),  # 4 unjustified half-days, 90 % present
        (4, 4, _hours(4, 4), True),
        (3, 40, _hours(40, 3), False),
        (3, 40, _hours(40, 9, justified=6), True),  # 3 unjustified and 6 justified: 77.5 % present
        (2, 20, _hours(20, 2, late_minutes=450), True),  # lates: 79.3 % present
        (0, 20, _hours(20, 4, justified=4), False),  # 80 % exactly, all justified: not under
        (0, 20, _hours(20, 5, justified=5), True),  # 75 %: a long justified absence still counts against the rate
        (2, 10, _hours(10, 3, justified=1), True),  # 70 % over a week
        (2, 9, _hours(9, 2), False),  # 77.8 %, but over fewer than 10 half-days: too few to say
        (1, 1, _hours(1, 1), False),  # one absence, the only half-day taken: 0 %, but nothing to go on yet
        (0, 0, Hours(), False),  # nothing planned in the last weeks (a placement, the holidays)
    ],
)
def test_absences_over_the_last_four_weeks(absences: int, half_days: int, attendance: Hours, flagged: bool) -> None:
    facts = _facts(absences=absences, half_days=half_days, attendance=attendance)
    assert ("absences" in _codes(facts)) is flagged


def test_leavers_are_never_flagged() -> None:
    worrying = dict(progress=0.0, missing=3, average_score=4.0, last_assessed_at=None, absences=5, half_days=40)
    worrying["attendance"] = _hours(40, 5)
    assert len(_codes(_facts(**worrying))) == 5
    for status in (EnrolmentStatus.DROPPED, EnrolmentStatus.FINISHED):
        assert _codes(_facts(status=status, leaver=True, **worrying)) == []


def test_each_reason_in_words(app: Flask) -> None:
    worrying = _facts(
        progress=0.0, late=2, average_score=8.5, last_assessed_at=None, absences=4, half_days=35,
        attendance=_hours(35, 5, 45, 1),
    )
    with app.test_request_context():
        texts = [reason.text for reason in watch_reasons(worrying, 0.12, _cohort(), TODAY)]
        rate_only = _facts(absences=1, half_days=20, attendance=_hours(20, 5, justified=4))
        rate_only = watch_reasons(rate_only, 0.12, _cohort(), TODAY)
    assert texts == [
        "en retard sur la promotion (0\xa0%)",
        "2 briefs en retard ou non rendus",
        "moyenne de 8,5/20",
        "aucune évaluation depuis 80 jours",
        "4 demi-journées d'absence non justifiée, 85,1 % de présence sur 28 jours",
    ]
    assert [reason.text for reason in rate_only] == [
        "1 demi-journée d'absence non justifiée, 75 % de présence sur 28 jours"
    ]


def test_the_page_writes_the_rule_from_the_constants(client, auth: AuthActions, world, monkeypatch) -> None:
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}").text
    assert (
        "progression sous 50\xa0% de la médiane, ou au moins 15 points sous elle), qui a au moins 2 briefs en retard "
        "ou non rendus, dont la moyenne est sous 10/20 sur au moins 2 briefs notés, sans évaluation depuis 30 jours"
    ) in page
    assert (
        "ou qui, sur les 28 derniers jours, a au moins 4 demi-journées d'absence non justifiée ou un taux de présence "
        "sous 80\xa0% (sur au moins 10 demi-journées)."
    ) in html.unescape(page)
    monkeypatch.setattr(queries, "WATCH_LATE_BRIEFS", 3)
    monkeypatch.setattr(queries, "WATCH_QUIET_DAYS", 45)
    monkeypatch.setattr(queries, "WATCH_ABSENCES", 6)
    monkeypatch.setattr(queries, "WATCH_ATTENDANCE", 75)
    monkeypatch.setattr(queries, "WATCH_WINDOW_DAYS", 21)
    with client.application.app_context():
        factories.site()  # any write: the roster kept so far is computed again
        db.session.commit()
    page = html.unescape(client.get(f"/cohorts/{world.cohort_id}").text)
    assert "au moins 3 briefs en retard" in page and "sans évaluation depuis 45 jours" in page
    assert "sur les 21 derniers jours, a au moins 6 demi-journées" in page and "sous 75\xa0% (sur" in page


def test_one_learners_reasons_in_one_query(app: Flask, world, count_queries) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        other = factories.learner(cohort, last_name="Autre")
        competency = factories.competencies(cohort.programme)[0]
        factories.assess(other, competency, 2, datetime.now() - timedelta(days=2))
        db.session.delete(db.session.get(HandIn, world.hand_in_id))  # Luc hands in neither brief: « non rendu » twice
        for brief in (db.session.get(Cohort, world.cohort_id).projects[0], factories.project(cohort)):
            factories.hand_in(brief, other, brief.due_date)
        db.session.commit()
        cohort = db.session.get(Cohort, world.cohort_id)
        with count_queries() as counted:
            reasons = learner_watch(cohort, world.learner_id, TODAY)
        assert counted.count == 1
        # the world's absence on 16 November, the only half-day taken: 0 % present, but over too few half-days
        assert [reason.code for reason in reasons] == ["behind", "late", "no_assessment"]
        assert learner_watch(cohort, other.id, TODAY) == []
        assert learner_watch(cohort, world.other_learner_id, TODAY) == []  # not in that cohort


def _enrolment(enrolment_id: int) -> sa.Select:
    return sa.select(Enrolment.id).where(Enrolment.id == enrolment_id)


def test_absences_are_counted_over_the_28_days_up_to_today(app: Flask, world, count_queries) -> None:
    """Hand-made half-days around the window (on 14 December: 17 November to 14 December): what falls outside it,
    an accepted justification or a cancelled half-day count nowhere; a pending or refused one is unjustified."""
    today = date(2026, 12, 14)
    with app.app_context():
        cohort = factories.cohort(start=date(2026, 9, 7))
        enrolment = factories.learner(cohort).enrolments[0]
        other = factories.learner(cohort).enrolments[0]  # present throughout

        def mark(day: date, when: HalfDay, presence: Presence = Presence.ABSENT, **fields: object) -> AttendanceSession:
            session = factories.half_day(cohort, day, when)
            factories.attendance(session, enrolment, presence, **fields)
            factories.attendance(session, other)
            return session

        mark(date(2026, 11, 16), HalfDay.AM)  # 28 days before: outside
        mark(date(2026, 11, 17), HalfDay.AM)  # the window's first day
        mark(date(2026, 12, 1), HalfDay.AM, justification=Justification.PENDING)
        mark(date(2026, 12, 2), HalfDay.AM, justification=Justification.ACCEPTED)
        mark(date(2026, 12, 3), HalfDay.AM).state = SessionState.CANCELLED
        mark(date(2026, 12, 14), HalfDay.AM)  # today
        mark(date(2026, 12, 15), HalfDay.AM)  # tomorrow: outside
        for day in [date(2026, 11, 17) + timedelta(days=n) for n in range(26)]:
            if day.weekday() < 5:  # 19 afternoons, one of them 30 minutes late
                late = day == date(2026, 11, 20)
                mark(day, HalfDay.PM, Presence.LATE if late else Presence.PRESENT, minutes=30 if late else 0)
        db.session.commit()

        def facts(as_of: date, enrolment_id: int = enrolment.id) -> LearnerFacts:
            return learner_facts(_enrolment(enrolment_id), as_of)[0]

        now = facts(today)
        assert (now.absences, now.half_days) == (3, 23)  # 17 November, 1 December (pending), 14 December
        assert now.attendance.planned_minutes == 23 * 210  # 4 mornings absent (one justified), 19 afternoons
        assert now.attendance.attendance_rate == Decimal("82.0")  # (19 × 210 − 30) / (23 × 210)
        cohort = db.session.get(Cohort, cohort.id)
        with count_queries() as counted:
            assert "absences" not in [reason.code for reason in learner_watch(cohort, enrolment.learner_id, today)]
        assert counted.count == 1
        mark(date(2026, 12, 10), HalfDay.AM, justification=Justification.REFUSED)
        db.session.commit()
        with app.test_request_context():
            reasons = {reason.code: reason.text for reason in learner_watch(cohort, enrolment.learner_id, today)}
        assert reasons["absences"] == "4 demi-journées d'absence non justifiée, 78,6 % de présence sur 28 jours"
        assert facts(date(2026, 12, 13)).absences == 4  # 16 November in, 14 December not yet
        assert facts(date(2027, 1, 20)).absences == 0
        assert facts(today, other.id).absences == 0 and facts(today, other.id).attendance.attendance_rate == 100
