"""Constraints hold in the database, not only in forms."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError, StatementError

from bootcamp.extensions import db
from bootcamp.models import (
    AgeBand,
    Cohort,
    CompetencyAssessment,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    Grade,
    Learner,
    Outcome,
    PublicFlag,
    Role,
    Situation,
    User,
)

from . import factories


@pytest.fixture
def ctx(app: Flask):
    with app.app_context():
        yield
        db.session.rollback()


def test_user_email_is_unique_whatever_the_case(ctx) -> None:
    factories.user("Anne@Example.org", Role.TRAINER, "x" * 12)
    db.session.commit()
    assert db.session.scalar(sa.select(User.email)) == "anne@example.org"
    factories.user("ANNE@example.ORG ", Role.MANAGER, "x" * 12)
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_the_database_refuses_a_mixed_case_email_written_around_the_model(ctx) -> None:
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.text(
                "INSERT INTO users (email, name, role, active, created_at) "
                "VALUES ('Bob@x.org', 'Bob', 'admin', TRUE, '2026-01-01')"
            )
        )


@pytest.mark.parametrize("level,ok", [(-1, False), (0, True), (3, True), (4, False)])
def test_assessment_level_is_between_0_and_3(ctx, level: int, ok: bool) -> None:
    cohort = factories.cohort()
    learner = factories.learner(cohort)
    competency = factories.competencies(factories.dwwm())[0]
    db.session.add(CompetencyAssessment(learner=learner, competency=competency, level=level))
    if ok:
        db.session.commit()
    else:
        with pytest.raises(IntegrityError):
            db.session.commit()


@pytest.mark.parametrize("hundredths,ok", [(None, True), (0, True), (2000, True), (2001, False), (-1, False)])
def test_score_is_between_0_and_20(ctx, hundredths: int | None, ok: bool) -> None:
    cohort = factories.cohort()
    grade = Grade(learner=factories.learner(cohort), project=factories.project(cohort), score_hundredths=hundredths)
    db.session.add(grade)
    if ok:
        db.session.commit()
    else:
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_score_keeps_two_decimals_exactly(ctx) -> None:
    grade = Grade()
    grade.score = 15.35
    assert grade.score_hundredths == 1535
    assert str(grade.score) == "15.35"


def test_one_grade_per_learner_and_project(ctx) -> None:
    cohort = factories.cohort()
    learner, project = factories.learner(cohort), factories.project(cohort)
    db.session.add_all([Grade(learner=learner, project=project), Grade(learner=learner, project=project)])
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_dropout_needs_a_reason_and_an_exit_date(ctx) -> None:
    learner = factories.learner(factories.cohort())
    enrolment = learner.enrolments[0]
    db.session.commit()
    enrolment.status = EnrolmentStatus.DROPPED
    enrolment.exit_date = date(2026, 10, 1)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    enrolment.status, enrolment.exit_date, enrolment.dropout_reason = (
        EnrolmentStatus.DROPPED,
        date(2026, 10, 1),
        DropoutReason.JOB,
    )
    db.session.commit()
    assert enrolment.version == 2  # optimistic locking counter moved


def test_unknown_code_is_refused(ctx) -> None:
    learner = factories.learner(factories.cohort())
    db.session.commit()
    with pytest.raises((StatementError, LookupError)):
        db.session.execute(sa.update(Learner).where(Learner.id == learner.id).values(gender="martian"))


def test_one_outcome_per_enrolment_and_point(ctx) -> None:
    enrolment = factories.learner(factories.cohort()).enrolments[0]
    enrolment.status, enrolment.exit_date = EnrolmentStatus.FINISHED, date(2027, 7, 5)
    db.session.add_all(
        [
            Outcome(enrolment=enrolment, point=6, situation=Situation.CDI),
            Outcome(enrolment=enrolment, point=6, situation=Situation.TRAINING),
        ]
    )
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_outcome_point_is_0_3_6_or_12(ctx) -> None:
    enrolment = factories.learner(factories.cohort()).enrolments[0]
    enrolment.status, enrolment.exit_date = EnrolmentStatus.FINISHED, date(2027, 7, 5)
    db.session.add(Outcome(enrolment=enrolment, point=9, situation=Situation.CDI))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_cohort_must_end_after_it_starts(ctx) -> None:
    factories.cohort(start=date(2026, 9, 7), end=date(2026, 9, 1))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_a_cohort_with_learners_cannot_be_deleted(ctx) -> None:
    cohort = factories.cohort()
    factories.learner(cohort)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(sa.delete(Cohort).where(Cohort.id == cohort.id))


def test_deleting_a_learner_removes_their_records(ctx) -> None:
    cohort = factories.cohort()
    learner = factories.learner(cohort)
    factories.assess(learner, factories.competencies(factories.dwwm())[0], 2, datetime(2026, 10, 1))
    db.session.commit()
    db.session.execute(sa.delete(Learner).where(Learner.id == learner.id))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CompetencyAssessment)) == 0


@pytest.mark.parametrize(
    "birth,band",
    [
        (date(2000, 9, 8), AgeBand.UNDER_26),
        (date(2000, 9, 7), AgeBand.FROM_26_TO_44),
        (date(1981, 9, 8), AgeBand.FROM_26_TO_44),
        (date(1981, 9, 7), AgeBand.FROM_45),
    ],
)
def test_age_band_is_taken_on_the_cohort_start(ctx, birth: date, band: AgeBand) -> None:
    learner = factories.learner(factories.cohort(start=date(2026, 9, 7)), birth_date=birth)
    db.session.commit()
    assert learner.enrolments[0].age_band == band


def test_age_band_follows_a_corrected_birth_date_and_survives_its_erasure(ctx) -> None:
    learner = factories.learner(factories.cohort(start=date(2026, 9, 7)), birth_date=date(2005, 1, 1))
    db.session.commit()
    learner.birth_date = date(1970, 1, 1)
    db.session.commit()
    assert learner.enrolments[0].age_band == AgeBand.FROM_45
    learner.birth_date = None
    db.session.commit()
    assert learner.enrolments[0].age_band == AgeBand.FROM_45


def test_public_flags_read_and_write_as_a_set(ctx) -> None:
    learner = factories.learner(factories.cohort())
    learner.flags = {PublicFlag.QPV, PublicFlag.JOBSEEKER}
    assert (learner.qpv, learner.jobseeker, learner.rqth) == (True, True, False)
    assert learner.flags == {PublicFlag.QPV, PublicFlag.JOBSEEKER}
