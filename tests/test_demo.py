"""`flask demo`: realistic, deterministic, and careful with existing data."""

import hashlib
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.demo import DemoOptions, load_demo
from bootcamp.extensions import db
from bootcamp.models import (
    Cohort,
    CompetencyAssessment,
    Enrolment,
    EnrolmentStatus,
    Gender,
    Grade,
    Learner,
    Outcome,
    Role,
    User,
)

from .conftest import make_app

TODAY = date(2026, 11, 26)


def _fingerprint() -> str:
    rows = db.session.execute(
        sa.select(Learner.email, Learner.gender, Learner.birth_date, Enrolment.status, Enrolment.exit_date)
        .join(Enrolment)
        .order_by(Learner.id)
    ).all()
    levels = db.session.execute(sa.select(CompetencyAssessment.level).order_by(CompetencyAssessment.id)).scalars().all()
    situations = db.session.execute(sa.select(Outcome.situation).order_by(Outcome.id)).scalars().all()
    return hashlib.sha256(repr((rows, levels, situations)).encode()).hexdigest()


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory) -> Flask:
    """One demo database for the module's read-only checks (3 sites x 6 years x 2 x 15)."""
    from flask_migrate import upgrade

    app = make_app(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    with app.app_context():
        upgrade()
        load_demo(DemoOptions(seed=7, today=TODAY))
    return app


def test_demo_has_the_expected_shape(demo_app: Flask) -> None:
    with demo_app.app_context():
        count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
        assert count(Cohort) == 3 * 6 * 2
        assert count(Learner) == count(Enrolment) == 3 * 6 * 2 * 15
        assert db.session.scalars(sa.select(Cohort.name).where(Cohort.name.like("Mende %"))).first()
        statuses = dict(
            db.session.execute(sa.select(Enrolment.status, sa.func.count()).group_by(Enrolment.status)).all()
        )
        leavers = statuses[EnrolmentStatus.DROPPED] + statuses[EnrolmentStatus.FINISHED]
        assert 0.08 < statuses[EnrolmentStatus.DROPPED] / leavers < 0.22  # ~15 % dropouts
        assert statuses[EnrolmentStatus.IN_TRAINING] > 0
        women = db.session.scalar(sa.select(sa.func.count()).where(Learner.gender == Gender.FEMALE))
        assert 0.18 < women / count(Learner) < 0.32  # GEN: 25 % women
        assert count(Grade) > 2000 and count(Outcome) > 500


def test_competency_levels_rise_through_the_year(demo_app: Flask) -> None:
    with demo_app.app_context():
        by_position = db.session.execute(
            sa.text(
                "SELECT p.title, avg(a.level) FROM competency_assessments a JOIN projects p ON p.id = a.project_id "
                "GROUP BY p.title"
            )
        ).all()
    averages = dict(by_position)
    assert (
        averages["Mon portfolio en ligne"]
        < averages["Base de données d'une médiathèque"]
        < averages["Mise en ligne et documentation du projet fil rouge"]
    )


def test_dropouts_have_reasons_and_finishers_certification(demo_app: Flask) -> None:
    with demo_app.app_context():
        dropped = db.session.scalars(sa.select(Enrolment).where(Enrolment.status == EnrolmentStatus.DROPPED)).all()
        finished = db.session.scalars(sa.select(Enrolment).where(Enrolment.status == EnrolmentStatus.FINISHED)).all()
    assert all(e.dropout_reason and e.exit_date for e in dropped)
    assert all(e.certification for e in finished)
    assert len({e.dropout_reason for e in dropped}) >= 5


def test_outcomes_only_for_points_already_due(demo_app: Flask) -> None:
    from bootcamp.dates import add_months

    with demo_app.app_context():
        rows = db.session.execute(sa.select(Outcome.point, Enrolment.exit_date).join(Enrolment)).all()
    assert rows and all(add_months(exit_date, point) <= TODAY for point, exit_date in rows)
    assert {point for point, _ in rows} == {0, 3, 6, 12}


def test_demo_accounts(demo_app: Flask) -> None:
    with demo_app.app_context():
        accounts = {u.email: u for u in db.session.scalars(sa.select(User))}
        assert {"admin@example.org", "manager@example.org", "trainer@example.org", "learner@example.org"} <= set(
            accounts
        )
        trainer = accounts["trainer@example.org"]
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Cohort))
        assert 0 < len(trainer.cohorts) < total
        learner = accounts["learner@example.org"].learner
        assert learner is not None and learner.email == "learner@example.org"
        enrolment = learner.enrolments[0]
        assert enrolment.status == EnrolmentStatus.IN_TRAINING
        assert trainer in enrolment.cohort.trainers
        assessed = db.session.scalar(sa.select(sa.func.count()).where(CompetencyAssessment.learner_id == learner.id))
        assert assessed > 0
        assert {u.role for u in accounts.values()} == set(Role)


def test_some_learners_of_every_cohort_in_training_are_to_watch_not_all(demo_app: Flask) -> None:
    from bootcamp.cohorts.queries import roster

    with demo_app.app_context():
        in_training = db.session.scalars(
            sa.select(Cohort).where(Cohort.start_date <= TODAY, Cohort.end_date >= TODAY)
        ).all()
        assert len(in_training) == 3
        for cohort in in_training:
            learners = [row for row in roster(cohort, TODAY).rows if not row.enrolment.is_leaver]
            flagged = [row for row in learners if row.watch]
            assert 0 < len(flagged) < len(learners), cohort.name


def test_same_seed_same_data_other_seed_other_data(tmp_path) -> None:
    prints = []
    for name, seed in [("a", 3), ("b", 3), ("c", 4)]:
        app = make_app(tmp_path / f"{name}.sqlite")
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            load_demo(DemoOptions(seed=seed, sites=1, years=2, learners_per_cohort=5, today=TODAY))
            prints.append(_fingerprint())
            db.engine.dispose()
    assert prints[0] == prints[1] != prints[2]


def test_demo_command_refuses_a_non_empty_database_without_reset(app: Flask, runner) -> None:
    args = ["demo", "--sites", "1", "--years", "1", "--learners-per-cohort", "3"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "learner  learner@example.org" in first.output and "demo-bootcamp" in first.output
    again = runner.invoke(args=args)
    assert again.exit_code == 1 and "--reset" in again.output
    quiet = runner.invoke(args=[*args, "--if-empty"])
    assert quiet.exit_code == 0 and "already holds data" in quiet.output and "trainer@example.org" in quiet.output
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Learner))
    reset = runner.invoke(args=[*args[:-1], "4", "--reset"])
    assert reset.exit_code == 0, reset.output
    with app.app_context():
        assert before == 2 * 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Learner)) == 2 * 4
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == "admin@example.org"))
            == 1
        )


def test_demo_command_prints_every_trainer_login_and_nothing_stray(app: Flask, runner) -> None:
    result = runner.invoke(args=["demo", "--sites", "2", "--years", "1", "--learners-per-cohort", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Cohorts" not in lines  # click's progress bar printed its bare label when not on a terminal
    with app.app_context():
        trainers = db.session.scalars(sa.select(User.email).where(User.role == Role.TRAINER)).all()
    assert len(trainers) == 2
    for email in trainers:
        assert f"  trainer  {email}" in lines
    again = runner.invoke(args=["demo", "--if-empty"])
    assert all(f"  trainer  {email}" in again.output.splitlines() for email in trainers)
