"""The one derivation of an enrolment's certification (bootcamp/certification/results.py) against hand-made cases:
every expected value below is worked out by hand from the rules of that module's docstring and DOMAIN.md
« Certification », on SQLite and PostgreSQL."""

from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.certification.results import block_standing, refresh, standing, statuses
from bootcamp.extensions import db
from bootcamp.frameworks import CDA, insert_framework, read_framework
from bootcamp.indicators import Filters
from bootcamp.models import (
    BlockResult,
    Certification,
    Enrolment,
    ExamCandidate,
    ExamKind,
    ExamSession,
    Programme,
)
from bootcamp.reports.queries import totals

from . import factories

A, N, X = BlockResult.ACQUIRED, BlockResult.NOT_ACQUIRED, BlockResult.ABSENT
FIRST = date(2027, 7, 12)  # the cohort (7 Sep 2026 - 5 Jul 2027) sits the title a week after its end
RESIT = date(2028, 1, 17)  # within the year


@pytest.fixture
def context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def candidate(programme: Programme | None = None) -> Enrolment:
    """A learner's enrolment in a new cohort of `programme` (DWWM, two blocks, by default)."""
    cohort = factories.cohort()
    if programme is not None:
        cohort.programme = programme
    enrolment = factories.learner(cohort).enrolments[0]
    db.session.flush()
    return enrolment


def cda() -> Programme:
    """The CDA programme (three blocks), loaded from its framework file."""
    programme_id = insert_framework(db.session.connection(), read_framework(CDA))
    programme = db.session.get(Programme, programme_id)
    assert [block.code for block in programme.blocks] == ["RNCP37873BC01", "RNCP37873BC02", "RNCP37873BC03"]
    return programme


def sit(enrolment: Enrolment, on: date, *results: BlockResult | None, blocks: tuple[int, ...] = ()) -> ExamSession:
    """A session starting `on` where `enrolment` sits `blocks` (positions from 1; every block of the programme, a
    whole-title session, when none are given), with `results` in the same order (None: not recorded yet)."""
    programme = enrolment.cohort.programme
    chosen = [programme.blocks[position - 1] for position in blocks] or list(programme.blocks)
    session = factories.exam(programme, on, [enrolment], ExamKind.BLOCKS if blocks else ExamKind.TITLE, chosen)
    rows = {row.block_id: row for row in session.candidates[0].results}
    for block, result in zip(chosen, results, strict=True):
        rows[block.id].result = result
    db.session.flush()
    refresh([enrolment.id])
    return session


def status(enrolment: Enrolment, as_of: date | None = None) -> Certification | None:
    derived = statuses([enrolment.id]) if as_of is None else statuses([enrolment.id], as_of)
    return derived.get(enrolment.id)


def firsts(enrolment: Enrolment, as_of: date = date(9999, 12, 31)) -> tuple[int, int]:
    """(first_sat, first_obtained) of the enrolment's standing."""
    table = standing(as_of)
    row = db.session.execute(
        sa.select(table.c.first_sat, table.c.first_obtained).where(table.c.enrolment_id == enrolment.id)
    ).one()
    return int(row.first_sat), int(row.first_obtained)


def blocks_of(enrolment: Enrolment, as_of: date = date(9999, 12, 31)) -> list[tuple[str, int, int]]:
    """(status, first_sat, first_acquired) of each block the enrolment was registered for, in block order."""
    table = block_standing(as_of)
    order = {block.id: block.position for block in enrolment.cohort.programme.blocks}
    rows = db.session.execute(
        sa.select(table.c.block_id, table.c.status, table.c.first_sat, table.c.first_acquired).where(
            table.c.enrolment_id == enrolment.id
        )
    ).all()
    rows.sort(key=lambda row: order[row.block_id])
    return [(row.status, int(row.first_sat), int(row.first_acquired)) for row in rows]


# Two blocks at one whole-title session: (block 1, block 2) -> certification, first_sat, first_obtained.
COMBINATIONS = [
    ((A, A), Certification.OBTAINED, 1, 1),
    ((A, N), Certification.PARTIAL, 1, 0),
    ((A, X), Certification.PARTIAL, 1, 0),
    ((A, None), Certification.PARTIAL, 1, 0),  # a result is recorded: no longer pending
    ((N, A), Certification.PARTIAL, 1, 0),
    ((N, N), Certification.FAILED, 1, 0),
    ((N, X), Certification.FAILED, 1, 0),
    ((N, None), Certification.FAILED, 1, 0),
    ((X, A), Certification.PARTIAL, 1, 0),
    ((X, N), Certification.FAILED, 1, 0),
    ((X, X), Certification.ABSENT, 0, 0),
    ((X, None), Certification.ABSENT, 0, 0),
    ((None, A), Certification.PARTIAL, 1, 0),
    ((None, N), Certification.FAILED, 1, 0),
    ((None, X), Certification.ABSENT, 0, 0),
    ((None, None), Certification.PENDING, 0, 0),
]


@pytest.mark.parametrize(("results", "expected", "first_sat", "first_obtained"), COMBINATIONS)
def test_every_combination_of_two_blocks_at_one_session(
    context: None,
    results: tuple[BlockResult | None, BlockResult | None],
    expected: Certification,
    first_sat: int,
    first_obtained: int,
) -> None:
    enrolment = candidate()
    sit(enrolment, FIRST, *results)
    db.session.commit()
    assert status(enrolment) == expected
    assert status(enrolment, FIRST) == expected
    assert db.session.get(Enrolment, enrolment.id).certification == expected
    assert firsts(enrolment) == (first_sat, first_obtained)
    per_block = [(result.value if result else "pending") for result in results]
    sat = [int(result in (A, N)) for result in results]
    assert blocks_of(enrolment) == [(per_block[i], sat[i], int(results[i] == A)) for i in range(2)]


def test_the_combinations_cover_every_pair() -> None:
    choices = (A, N, X, None)
    assert sorted(map(str, (case[0] for case in COMBINATIONS))) == sorted(str((a, b)) for a in choices for b in choices)


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ((A, A, A), Certification.OBTAINED),
        ((A, A, N), Certification.PARTIAL),
        ((A, A, X), Certification.PARTIAL),
        ((A, A, None), Certification.PARTIAL),
        ((N, A, N), Certification.PARTIAL),
        ((N, N, X), Certification.FAILED),
        ((X, X, X), Certification.ABSENT),
    ],
)
def test_three_blocks_need_all_three(context: None, results: tuple, expected: Certification) -> None:
    enrolment = candidate(cda())
    sit(enrolment, FIRST, *results)
    db.session.commit()
    assert status(enrolment) == expected
    assert firsts(enrolment)[1] == int(expected == Certification.OBTAINED)


def test_three_blocks_passed_over_three_sessions(context: None) -> None:
    enrolment = candidate(cda())
    sit(enrolment, FIRST, A, N, X)
    sit(enrolment, date(2027, 11, 15), N, blocks=(2,))
    assert status(enrolment) == Certification.PARTIAL
    sit(enrolment, RESIT, A, A, blocks=(2, 3))
    db.session.commit()
    assert status(enrolment) == Certification.OBTAINED
    assert status(enrolment, date(2027, 12, 31)) == Certification.PARTIAL
    assert firsts(enrolment) == (1, 0)
    assert blocks_of(enrolment) == [("acquired", 1, 1), ("acquired", 1, 0), ("acquired", 0, 0)]


def test_a_partial_candidate_passes_the_missing_block_at_a_resit(context: None) -> None:
    enrolment = candidate()
    sit(enrolment, FIRST, A, N)
    assert db.session.get(Enrolment, enrolment.id).certification == Certification.PARTIAL
    sit(enrolment, RESIT, A, blocks=(2,))
    db.session.commit()
    assert status(enrolment) == Certification.OBTAINED
    assert db.session.get(Enrolment, enrolment.id).certification == Certification.OBTAINED
    assert firsts(enrolment) == (1, 0)  # sat at the first attempt, not obtained there
    assert blocks_of(enrolment) == [("acquired", 1, 1), ("acquired", 1, 0)]


@pytest.mark.parametrize(
    ("first", "resit", "expected"),
    [
        (FIRST, date(2028, 7, 12), Certification.OBTAINED),  # exactly twelve months later: counted
        (FIRST, date(2028, 7, 13), Certification.PARTIAL),  # twelve months and a day: not counted
        (date(2027, 1, 31), date(2028, 1, 31), Certification.OBTAINED),
        (date(2027, 1, 31), date(2028, 2, 1), Certification.PARTIAL),
        (date(2028, 2, 29), date(2029, 2, 28), Certification.OBTAINED),  # 29 Feb + 12 months: 28 Feb
        (date(2028, 2, 29), date(2029, 3, 1), Certification.PARTIAL),
    ],
)
def test_the_missing_blocks_count_within_one_year_of_the_first_session(
    context: None, first: date, resit: date, expected: Certification
) -> None:
    enrolment = candidate()
    sit(enrolment, first, A, N)
    sit(enrolment, resit, A, blocks=(2,))
    db.session.commit()
    assert status(enrolment) == expected
    assert db.session.get(Enrolment, enrolment.id).certification == expected
    assert blocks_of(enrolment)[1][0] == ("acquired" if expected == Certification.OBTAINED else "not_acquired")


def test_absent_at_the_first_session_then_sat(context: None) -> None:
    enrolment = candidate()
    sit(enrolment, FIRST, X, X)
    assert status(enrolment) == Certification.ABSENT
    sit(enrolment, RESIT, A, A)
    db.session.commit()
    assert status(enrolment) == Certification.OBTAINED
    assert firsts(enrolment) == (0, 0)
    assert blocks_of(enrolment) == [("acquired", 0, 0), ("acquired", 0, 0)]


def test_failed_then_obtained(context: None) -> None:
    enrolment = candidate()
    sit(enrolment, FIRST, N, N)
    assert status(enrolment) == Certification.FAILED
    sit(enrolment, RESIT, A, A)
    db.session.commit()
    assert status(enrolment) == Certification.OBTAINED
    assert status(enrolment, RESIT.replace(day=16)) == Certification.FAILED
    assert firsts(enrolment) == (1, 0)


def test_a_block_acquired_once_stays_acquired(context: None) -> None:
    enrolment = candidate()
    sit(enrolment, FIRST, A, N)
    sit(enrolment, date(2027, 11, 15), N, blocks=(1,))
    assert status(enrolment) == Certification.PARTIAL
    assert blocks_of(enrolment)[0] == ("acquired", 1, 1)
    sit(enrolment, RESIT, N, A)  # the whole title again: block 1 not acquired this time, block 2 acquired
    db.session.commit()
    assert status(enrolment) == Certification.OBTAINED
    assert blocks_of(enrolment) == [("acquired", 1, 1), ("acquired", 1, 0)]


def test_a_block_first_examined_at_a_later_session(context: None) -> None:
    enrolment = candidate()
    sit(enrolment, FIRST, A, blocks=(1,))
    sit(enrolment, RESIT, A, blocks=(2,))
    db.session.commit()
    assert status(enrolment) == Certification.OBTAINED
    assert firsts(enrolment) == (1, 0)  # not every block at the first session
    assert blocks_of(enrolment) == [("acquired", 1, 1), ("acquired", 1, 1)]  # block 2's first attempt: the resit


def test_a_block_registered_again_and_not_recorded_yet(context: None) -> None:
    enrolment = candidate()
    sit(enrolment, FIRST, A, X)
    sit(enrolment, RESIT, None, blocks=(2,))
    db.session.commit()
    assert status(enrolment) == Certification.PARTIAL
    assert blocks_of(enrolment) == [("acquired", 1, 1), ("absent", 0, 0)]
    other = candidate()
    sit(other, FIRST, None, blocks=(1,))
    db.session.commit()
    assert status(other) == Certification.PENDING
    assert blocks_of(other) == [("pending", 0, 0)]


def test_as_of_a_day_before_between_and_after_the_sessions(context: None) -> None:
    enrolment = candidate()
    sit(enrolment, FIRST, A, N)
    sit(enrolment, RESIT, A, blocks=(2,))  # recorded now, for a session after the days below
    db.session.commit()
    assert status(enrolment, date(2027, 7, 11)) is None  # registered, but the session has not started
    assert statuses([enrolment.id], date(2027, 7, 11)) == {}
    assert status(enrolment, FIRST) == Certification.PARTIAL
    assert status(enrolment, date(2027, 10, 1)) == Certification.PARTIAL  # the resit's result is ignored
    assert blocks_of(enrolment, date(2027, 10, 1)) == [("acquired", 1, 1), ("not_acquired", 1, 0)]
    assert firsts(enrolment, date(2027, 10, 1)) == (1, 0)
    assert status(enrolment, RESIT) == Certification.OBTAINED
    assert blocks_of(enrolment, date(2027, 7, 11)) == []


def test_refresh_follows_the_results_and_the_registrations(context: None) -> None:
    enrolment, bystander = candidate(), candidate()
    assert enrolment.certification is None and statuses([enrolment.id, bystander.id]) == {}
    session = sit(enrolment, FIRST, None, None)
    db.session.commit()
    assert db.session.get(Enrolment, enrolment.id).certification == Certification.PENDING
    for row in session.candidates[0].results:
        row.result = A
    db.session.flush()
    refresh([enrolment.id, bystander.id])
    db.session.commit()
    assert db.session.get(Enrolment, enrolment.id).certification == Certification.OBTAINED
    assert db.session.get(Enrolment, bystander.id).certification is None
    assert statuses([enrolment.id, bystander.id]) == {enrolment.id: Certification.OBTAINED}
    db.session.delete(db.session.scalars(sa.select(ExamCandidate)).one())
    db.session.flush()
    refresh([enrolment.id])
    db.session.commit()
    assert db.session.get(Enrolment, enrolment.id).certification is None
    assert statuses([enrolment.id]) == {} and statuses([]) == {}


def test_the_insertion_counts_follow_as_of(context: None) -> None:
    """sat_exam = obtained + partial + failed, certified = obtained, as of the day."""
    passed, resat, failed, absent, waiting = (candidate() for _ in range(5))
    sit(passed, FIRST, A, A)
    sit(resat, FIRST, N, A)
    sit(resat, RESIT, A, blocks=(1,))
    sit(failed, FIRST, N, X)
    sit(absent, FIRST, X, X)
    sit(waiting, RESIT, None, None)
    db.session.commit()
    expected = {
        date(2027, 7, 11): (0, 0),
        FIRST: (3, 1),  # passed, resat (partial) and failed sat; absent did not
        date(2028, 1, 16): (3, 1),
        RESIT: (3, 2),  # resat obtains it; waiting is pending
    }
    for day, (sat_exam, certified) in expected.items():
        counts = totals(Filters(as_of=day))
        assert (counts.entrants, counts.sat_exam, counts.certified) == (5, sat_exam, certified), day
