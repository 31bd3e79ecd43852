"""Migration 0008: the certification recorded on enrolments becomes exam sessions and per-block results, which
derive back to the same values, so that no indicator moves (SQLite and PostgreSQL)."""

from datetime import date

import sqlalchemy as sa
from flask_migrate import upgrade

from bootcamp import create_app
from bootcamp.certification import results
from bootcamp.extensions import db
from bootcamp.models import BlockResult, Certification, Enrolment, ExamCandidate, ExamKind, ExamResult, ExamSession
from bootcamp.reports.queries import Filters, indicator_rows

from .conftest import BASE_CONFIG
from .test_setup import empty_database  # noqa: F401 (a fixture: an empty SQLite file or PostgreSQL database)

# (status, exit date, certification) of each enrolment of the two cohorts, every value recorded before 0008.
COHORTS = {
    1: (
        "Mende 2024 printemps",
        date(2024, 2, 5),
        date(2024, 11, 25),
        [
            ("finished", "2024-11-25", "obtained"),
            ("finished", "2024-11-25", "obtained"),
            ("finished", "2024-11-25", "partial"),
            ("finished", "2024-11-22", "failed"),
            ("finished", "2024-11-25", "absent"),
            ("finished", "2024-11-25", None),
            ("dropped", "2024-05-10", None),
            ("dropped", "2024-09-02", "absent"),
        ],
    ),
    2: (
        "Rodez 2024 automne",
        date(2024, 9, 2),
        date(2025, 6, 30),
        [
            ("finished", "2025-06-30", "obtained"),
            ("finished", "2025-06-27", "partial"),
            ("finished", "2025-06-30", "partial"),
            ("finished", "2025-06-30", "failed"),
            ("finished", "2025-06-30", "pending"),
            ("in_training", None, "pending"),
            ("in_training", None, None),
        ],
    ),
}
AFTER_ALL = Filters(point=0, as_of=date(2030, 1, 1))


def _insert_0007_rows(connection: sa.Connection) -> dict[int, str | None]:
    """Two cohorts and their enrolments as 0007 held them; each enrolment's id and certification."""
    programme = connection.execute(sa.text("SELECT id FROM programmes")).scalar_one()
    connection.execute(sa.text("INSERT INTO sites (id, name, key) VALUES (1, 'Mende', 'mende'), (2, 'Rodez', 'rodez')"))
    recorded: dict[int, str | None] = {}
    for cohort_id, (name, start, end, rows) in COHORTS.items():
        connection.execute(
            sa.text(
                "INSERT INTO cohorts (id, name, site_id, programme_id, start_date, end_date) "
                "VALUES (:id, :name, :site, :programme, :start, :end)"
            ),
            {"id": cohort_id, "name": name, "site": cohort_id, "programme": programme, "start": start, "end": end},
        )
        for status, exit_date, certification in rows:
            learner = connection.execute(
                sa.text(
                    "INSERT INTO learners (first_name, last_name, gender, created_at) "
                    "VALUES ('Ana', :name, 'female', '2024-01-01 09:00:00') RETURNING id"
                ),
                {"name": f"L{len(recorded)}"},
            ).scalar_one()
            enrolment = connection.execute(
                sa.text(
                    "INSERT INTO enrolments (learner_id, cohort_id, status, exit_date, dropout_reason, certification)"
                    " VALUES (:learner, :cohort, :status, :exit, :reason, :certification) RETURNING id"
                ),
                {
                    "learner": learner,
                    "cohort": cohort_id,
                    "status": status,
                    "exit": date.fromisoformat(exit_date) if exit_date else None,
                    "reason": "job" if status == "dropped" else None,
                    "certification": certification,
                },
            ).scalar_one()
            recorded[enrolment] = certification
    return recorded


def _expected_counts(recorded: dict[int, str | None], cohort_of: dict[int, int]) -> dict[str, tuple[int, int]]:
    """(sat_exam, certified) of `all` and of each cohort, as the recorded values counted them before 0008."""
    counts: dict[str, tuple[int, int]] = {}
    for group in ["all", *(name for name, *_rest in COHORTS.values())]:
        values = [
            value
            for enrolment, value in recorded.items()
            if group == "all" or COHORTS[cohort_of[enrolment]][0] == group
        ]
        counts[group] = (
            sum(value in ("obtained", "partial", "failed") for value in values),
            sum(value == "obtained" for value in values),
        )
    return counts


def test_migration_0008_turns_every_recorded_certification_into_results_that_give_it_back(
    empty_database: str,  # noqa: F811
) -> None:
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade(revision="0007_attendance")
        with db.engine.begin() as connection:
            recorded = _insert_0007_rows(connection)
        upgrade()
        cohort_of = dict(db.session.execute(sa.select(Enrolment.id, Enrolment.cohort_id)).all())
        assert set(recorded.values()) == {*Certification, None}
        derived = results.statuses(recorded)
        assert derived == {enrolment: Certification(value) for enrolment, value in recorded.items() if value}
        assert dict(db.session.execute(sa.select(Enrolment.id, Enrolment.certification)).all()) == {
            enrolment: Certification(value) if value else None for enrolment, value in recorded.items()
        }
        sessions = db.session.execute(
            sa.select(ExamSession.kind, ExamSession.start_date).order_by(ExamSession.start_date)
        ).all()
        assert sessions == [(ExamKind.TITLE, date(2024, 11, 25)), (ExamKind.TITLE, date(2025, 6, 30))]
        per_candidate = db.session.execute(
            sa.select(ExamCandidate.enrolment_id, sa.func.count(ExamResult.id), sa.func.count(ExamResult.result))
            .join(ExamResult, ExamResult.candidate_id == ExamCandidate.id)
            .group_by(ExamCandidate.enrolment_id)
        ).all()
        assert {enrolment for enrolment, _rows, _recorded in per_candidate} == set(derived)
        assert all(rows == 2 for _enrolment, rows, _recorded in per_candidate)  # a row per block of the DWWM
        acquired = db.session.scalar(sa.select(sa.func.count()).where(ExamResult.result == BlockResult.ACQUIRED))
        assert acquired == 2 * 3 + 3  # two blocks for each of the 3 obtained, one for each of the 3 partial
        for as_of in (AFTER_ALL, Filters(point=0, as_of=date(2025, 7, 1))):
            found = {row.group: (row.sat_exam, row.certified) for row in indicator_rows(as_of, "cohort")}
            assert found == _expected_counts(recorded, cohort_of)
        db.session.remove()
        db.engine.dispose()
