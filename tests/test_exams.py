"""Exam sessions: creating and editing them, registering candidates (the one-year limit, the blocks each one sits),
the resits proposed, the results grid (all or nothing, 409 on a stale cell), removing a candidate."""

from datetime import date
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.models import (
    AuditEvent,
    BlockResult,
    Certification,
    Cohort,
    Enrolment,
    ExamCandidate,
    ExamKind,
    ExamResult,
    ExamSession,
    Programme,
)

from . import factories
from .conftest import csrf_token, form_from, page_form

AFTER_EXAM = date(2026, 12, 10)


@pytest.fixture
def manager(client, auth, world, monkeypatch):
    monkeypatch.setattr(dates, "today", lambda: AFTER_EXAM)
    auth.login("manager@example.org")
    return client


def _grid(client, session_id: int) -> dict:
    """The results grid as the page shows it (its first POST form)."""
    return page_form(client, f"/exams/{session_id}", 0)


def _cells(app: Flask, session_id: int) -> dict[tuple[int, str], ExamResult]:
    """(enrolment id, block code) -> result row of the session."""
    with app.app_context():
        rows = db.session.scalars(
            sa.select(ExamResult).join(ExamCandidate).where(ExamCandidate.session_id == session_id)
        ).all()
        return {(row.candidate.enrolment_id, row.block.code): (row.id, row.result, row.version) for row in rows}


def _set(grid: dict, app: Flask, session_id: int, enrolment_id: int, values: list[str]) -> dict:
    mine = _cells(app, session_id).items()
    cells = sorted((code, cell[0]) for (enrolment, code), cell in mine if enrolment == enrolment_id)
    for (_code, result_id), value in zip(cells, values, strict=True):
        grid[f"result-{result_id}"] = value
    return grid


def _new_session(app: Flask, on: date, kind: ExamKind = ExamKind.TITLE, blocks: int = 0) -> int:
    with app.app_context():
        programme = db.session.scalars(sa.select(Programme).order_by(Programme.id)).first()
        session = factories.exam(programme, on, [], kind, programme.blocks[:blocks] if blocks else None)
        db.session.commit()
        return session.id


def _programme_blocks(app: Flask) -> list[str]:
    with app.app_context():
        programme = db.session.scalars(sa.select(Programme).order_by(Programme.id)).first()
        return [block.code for block in programme.blocks]


def _certification(app: Flask, enrolment_id: int) -> Certification | None:
    with app.app_context():
        return db.session.get(Enrolment, enrolment_id).certification


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_index_lists_upcoming_sessions_first_with_their_counts(app: Flask, manager, world) -> None:
    past = _new_session(app, date(2026, 6, 1))
    later = _new_session(app, date(2027, 3, 1))
    page = manager.get("/exams/").text
    assert page.index(f"/exams/{later}") < page.index(f"/exams/{past}")
    blocks = len(_programme_blocks(app))
    assert f"0 / {2 * blocks}" in page  # the world's session: 2 candidates, nothing recorded
    assert "Sessions d&#39;examen" in page or "Sessions d'examen" in page


def test_a_manager_creates_a_title_session_and_a_resit_session(app: Flask, manager) -> None:
    form = page_form(manager, "/exams/new")
    form.update(start_date="2027-06-14", end_date="2027-06-16", place="Mende", jury="Mme A\nM. B")
    response = manager.post("/exams/new", data=form)
    assert response.status_code == 302
    with app.app_context():
        session = db.session.scalars(sa.select(ExamSession).order_by(ExamSession.id.desc())).first()
        assert (session.kind, session.start_date, session.place, session.jury) == (
            ExamKind.TITLE, date(2027, 6, 14), "Mende", "Mme A\nM. B"
        )
        block_id = session.programme.blocks[1].id
    form.update(kind="blocks", blocks=str(block_id))
    assert manager.post("/exams/new", data=form).status_code == 302
    with app.app_context():
        session = db.session.scalars(sa.select(ExamSession).order_by(ExamSession.id.desc())).first()
        assert session.kind == ExamKind.BLOCKS and [block.id for block in session.blocks] == [block_id]
    assert [event.action for event in db_events(app, "exam_session")] == ["create", "create"]


def db_events(app: Flask, entity: str) -> list[AuditEvent]:
    with app.app_context():
        query = sa.select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)
        return list(db.session.scalars(query))


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"kind": "blocks"}, "Choisissez les blocs"),
        ({"end_date": "2027-06-01"}, "La fin ne peut pas précéder le début"),
        ({"start_date": "31/02/2027"}, "Date invalide"),
        ({"jury": "x" * 2001}, "2000 au plus"),
        ({"programme": "999999"}, "has-error"),
    ],
)
def test_a_bad_session_comes_back_with_its_error_and_nothing_saved(app: Flask, manager, changes, message) -> None:
    before = _count(app, ExamSession)
    form = page_form(manager, "/exams/new")
    form.update({"start_date": "2027-06-14", "end_date": "2027-06-16", **changes})
    response = manager.post("/exams/new", data=form)
    assert response.status_code == 400
    assert message in response.text or message.replace("'", "&#39;") in response.text
    assert _count(app, ExamSession) == before


def test_editing_a_session_is_versioned(app: Flask, manager, world) -> None:
    first = page_form(manager, f"/exams/{world.exam_id}/edit")
    second = dict(first)
    first["place"] = "Montpellier"
    assert manager.post(f"/exams/{world.exam_id}/edit", data=first).status_code == 302
    second["place"] = "Alès"
    response = manager.post(f"/exams/{world.exam_id}/edit", data=second)
    assert response.status_code == 409
    assert "Rien n&#39;a été enregistré" in response.text or "Rien n'a été enregistré" in response.text
    with app.app_context():
        assert db.session.get(ExamSession, world.exam_id).place == "Montpellier"


def test_the_session_page_shows_each_candidate_with_cells_certification_and_deadline(app: Flask, manager, world):
    page = manager.get(f"/exams/{world.exam_id}").text
    assert "Luc Lefèvre" in page and "Rose Roux" in page
    for code in _programme_blocks(app):
        assert code in page
    assert page.count('name="result-') == 2 * len(_programme_blocks(app))
    assert "7 déc. 2027" in page  # the first session + 12 months
    assert "en attente" in page


def test_registering_a_cohort_adds_its_learners_for_every_block_once(app: Flask, manager, world) -> None:
    session_id = _new_session(app, date(2027, 6, 14))
    token = csrf_token(manager, f"/exams/{session_id}")
    for _ in range(2):
        data = {"csrf_token": token, "cohort": world.cohort_id}
        response = manager.post(f"/exams/{session_id}/candidates", data=data)
        assert response.status_code == 302
    cells = _cells(app, session_id)
    assert sorted(cells) == sorted((world.enrolment_id, code) for code in _programme_blocks(app))
    assert _certification(app, world.enrolment_id) == Certification.PENDING
    assert len(db_events(app, "exam_candidate")) == 1


def test_registering_nothing_or_a_cohort_of_another_list_is_refused(app: Flask, manager, world) -> None:
    token = csrf_token(manager, f"/exams/{world.exam_id}")
    before = _count(app, ExamCandidate)
    for data in ({}, {"cohort": "999999"}, {"cohort": "x"}, {"enrolment": "abc"}):
        response = manager.post(f"/exams/{world.exam_id}/candidates", data={"csrf_token": token, **data})
        assert response.status_code == 400, data
    assert _count(app, ExamCandidate) == before


def test_the_one_year_limit_refuses_a_registration_naming_the_deadline(app: Flask, manager, world) -> None:
    session_id = _new_session(app, date(2027, 12, 8))  # a day past 07/12/2027
    token = csrf_token(manager, f"/exams/{session_id}")
    response = manager.post(
        f"/exams/{session_id}/candidates", data={"csrf_token": token, "cohort": world.cohort_id}, follow_redirects=True
    )
    assert "07/12/2027" in response.text and "Luc Lefèvre" in response.text
    assert _cells(app, session_id) == {}
    on_time = _new_session(app, date(2027, 12, 7))
    manager.post(f"/exams/{on_time}/candidates", data={"csrf_token": token, "cohort": world.cohort_id})
    assert len(_cells(app, on_time)) == len(_programme_blocks(app))


def test_moving_a_session_past_a_candidate_s_year_is_refused(app: Flask, manager, world) -> None:
    """Luc's first session is the world's (07/12/2026): a resit he is registered at cannot move past 07/12/2027."""
    resit = _new_session(app, date(2027, 6, 7))
    token = csrf_token(manager, f"/exams/{resit}")
    manager.post(f"/exams/{resit}/candidates", data={"csrf_token": token, "cohort": world.cohort_id})
    form = page_form(manager, f"/exams/{resit}/edit")
    response = manager.post(f"/exams/{resit}/edit", data=form | {"start_date": "08/12/2027", "end_date": "08/12/2027"})
    assert response.status_code == 400 and "Luc Lefèvre" in unescape(response.text)
    with app.app_context():
        assert db.session.get(ExamSession, resit).start_date == date(2027, 6, 7)
    moved = manager.post(f"/exams/{resit}/edit", data=form | {"start_date": "07/12/2027", "end_date": "07/12/2027"})
    assert moved.status_code == 302


def _record(client, app: Flask, session_id: int, enrolment_id: int, values: list[str]):
    grid = _set(_grid(client, session_id), app, session_id, enrolment_id, values)
    return client.post(f"/exams/{session_id}/results", data=grid)


def test_recording_results_derives_the_certification_and_is_audited(app: Flask, manager, world) -> None:
    blocks = _programme_blocks(app)
    partial = ["acquired"] + ["not_acquired"] * (len(blocks) - 1)
    response = _record(manager, app, world.exam_id, world.enrolment_id, partial)
    assert response.status_code == 302
    assert _certification(app, world.enrolment_id) == Certification.PARTIAL
    assert _certification(app, world.other_enrolment_id) == Certification.PENDING
    events = db_events(app, "exam_result")
    assert len(events) == len(blocks)
    assert events[0].after == {"result": "acquired"} and events[0].before == {"result": None}
    assert _record(manager, app, world.exam_id, world.enrolment_id, ["acquired"] * len(blocks)).status_code == 302
    assert _certification(app, world.enrolment_id) == Certification.OBTAINED
    assert len(db_events(app, "exam_result")) == 2 * len(blocks) - 1  # the unchanged cell wrote nothing


def test_a_stale_grid_answers_409_and_writes_nothing(app: Flask, manager, world) -> None:
    blocks = _programme_blocks(app)
    snapshot = _grid(manager, world.exam_id)
    first = _set(dict(snapshot), app, world.exam_id, world.enrolment_id, ["acquired"] * len(blocks))
    assert manager.post(f"/exams/{world.exam_id}/results", data=first).status_code == 302
    before = _cells(app, world.exam_id)
    second = _set(dict(snapshot), app, world.exam_id, world.other_enrolment_id, ["absent"] * len(blocks))
    response = manager.post(f"/exams/{world.exam_id}/results", data=second)
    assert response.status_code == 409
    assert "Rien n&#39;a été enregistré" in response.text or "Rien n'a été enregistré" in response.text
    assert _cells(app, world.exam_id) == before  # the other learner's cells were not written either
    assert form_from(response.text, 0)[next(iter(k for k in first if k.startswith("result-")))] == "acquired"


def test_results_before_the_session_starts_are_refused(app: Flask, client, auth, world, monkeypatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: date(2026, 12, 6))
    auth.login("manager@example.org")
    before = _cells(app, world.exam_id)
    response = _record(client, app, world.exam_id, world.enrolment_id, ["acquired"] * len(_programme_blocks(app)))
    assert response.status_code == 400
    assert "07/12/2026" in response.text
    assert _cells(app, world.exam_id) == before


@pytest.mark.parametrize("value,version", [("obtained", None), ("acquired", "x"), ("acquired", "99999999999")])
def test_an_unreadable_cell_is_refused(app: Flask, manager, world, value, version) -> None:
    before = _cells(app, world.exam_id)
    grid = _grid(manager, world.exam_id)
    name = next(key for key in grid if key.startswith("result-"))
    grid[name] = value
    if version is not None:
        grid[name.replace("result-", "version-")] = version
    assert manager.post(f"/exams/{world.exam_id}/results", data=grid).status_code == 400
    assert _cells(app, world.exam_id) == before


def test_a_candidate_is_removed_only_while_no_result_is_recorded(app: Flask, manager, world) -> None:
    token = csrf_token(manager, f"/exams/{world.exam_id}")
    blocks = _programme_blocks(app)
    _record(manager, app, world.exam_id, world.enrolment_id, ["absent"] + [""] * (len(blocks) - 1))
    with app.app_context():
        other = db.session.scalar(
            sa.select(ExamCandidate.id).where(
                ExamCandidate.session_id == world.exam_id, ExamCandidate.enrolment_id == world.other_enrolment_id
            )
        )
    path = f"/exams/{world.exam_id}/candidates/{{}}/delete"
    response = manager.post(path.format(world.candidate_id), data={"csrf_token": token})
    assert response.status_code == 409
    assert manager.post(path.format(other), data={"csrf_token": token}).status_code == 302
    assert {enrolment for enrolment, _code in _cells(app, world.exam_id)} == {world.enrolment_id}
    assert _certification(app, world.other_enrolment_id) is None  # no longer a candidate
    assert _certification(app, world.enrolment_id) == Certification.ABSENT


def test_resits_are_proposed_for_the_missing_blocks_and_registered_for_those_only(app: Flask, manager, world):
    blocks = _programme_blocks(app)
    _record(manager, app, world.exam_id, world.enrolment_id, ["acquired"] + ["not_acquired"] * (len(blocks) - 1))
    _record(manager, app, world.exam_id, world.other_enrolment_id, ["acquired"] * len(blocks))
    resit = _new_session(app, date(2027, 3, 1), ExamKind.BLOCKS, blocks=2)  # blocks 1 and 2
    page = manager.get(f"/exams/{resit}").text
    proposed = page[page.index("proposed-title"):page.index("register-title")]
    assert "Luc Lefèvre" in proposed and "Rose Roux" not in proposed  # Rose obtained the title
    assert blocks[1] in proposed and blocks[0] not in proposed.split("Délai")[-1]
    form = form_from(page, -2)
    assert form["enrolment"] == str(world.enrolment_id)
    assert manager.post(f"/exams/{resit}/candidates", data=form).status_code == 302
    assert sorted(_cells(app, resit)) == [(world.enrolment_id, blocks[1])]
    assert "Aucun·e candidat·e à proposer" in manager.get(f"/exams/{resit}").text
    late = _new_session(app, date(2027, 12, 8), ExamKind.BLOCKS, blocks=2)  # past the year: not proposed
    assert "Aucun·e candidat·e à proposer" in manager.get(f"/exams/{late}").text


def test_a_blocks_session_registers_a_cohort_for_the_blocks_not_acquired(app: Flask, manager, world) -> None:
    blocks = _programme_blocks(app)
    _record(manager, app, world.exam_id, world.enrolment_id, ["acquired"] + ["absent"] * (len(blocks) - 1))
    resit = _new_session(app, date(2027, 3, 1), ExamKind.BLOCKS, blocks=2)
    token = csrf_token(manager, f"/exams/{resit}")
    manager.post(f"/exams/{resit}/candidates", data={"csrf_token": token, "cohort": world.cohort_id})
    assert sorted(_cells(app, resit)) == [(world.enrolment_id, blocks[1])]


def test_the_session_page_runs_a_fixed_number_of_queries(app: Flask, manager, world, count_queries) -> None:
    def count() -> int:
        with count_queries() as counter:
            assert manager.get(f"/exams/{world.exam_id}").status_code == 200
        return counter.count

    def grow(to: int) -> None:
        with app.app_context():
            cohort = db.session.get(Cohort, world.cohort_id)
            session = db.session.get(ExamSession, world.exam_id)
            for _ in range(to):
                enrolment = factories.learner(cohort).enrolments[0]
                candidate = ExamCandidate(enrolment=enrolment)
                block = cohort.programme.blocks[0]
                candidate.results = [ExamResult(block=block, result=BlockResult.ACQUIRED)]
                session.candidates.append(candidate)
            db.session.commit()

    grow(3)
    small = count()
    grow(30)
    assert count() == small


def test_the_list_has_pages_of_twenty(app: Flask, manager, world) -> None:
    for day in range(1, 25):
        _new_session(app, date(2025, 1, day))
    first, second = manager.get("/exams/").text, manager.get("/exams/?page=2").text
    assert first.count("<tr>") == 1 + 20 and second.count("<tr>") == 1 + 5  # the header row and the sessions
    assert f"/exams/{world.exam_id}\"" in first  # upcoming first
    assert manager.get("/exams/?page=x").status_code == 400
