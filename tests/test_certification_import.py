"""`flask certification import FILE`: results kept elsewhere, all or nothing, idempotent, creating the session."""

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import (
    AuditEvent,
    BlockResult,
    Certification,
    Enrolment,
    ExamCandidate,
    ExamKind,
    ExamResult,
    ExamSession,
    Programme,
)

HEADER = "email,session_date,block,result\n"


def _codes(app: Flask) -> list[str]:
    with app.app_context():
        programme = db.session.scalars(sa.select(Programme).order_by(Programme.id)).first()
        return [block.code for block in programme.blocks]


def _run(app: Flask, tmp_path: Path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "results.csv"
    path.write_bytes(text.encode(encoding))
    return app.test_cli_runner().invoke(args=["certification", "import", str(path)])


def _state(app: Flask) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(ExamSession.start_date, ExamSession.kind, ExamCandidate.enrolment_id, ExamResult.block_id,
                      ExamResult.result, ExamResult.version)
            .join(ExamCandidate, ExamCandidate.session_id == ExamSession.id)
            .join(ExamResult, ExamResult.candidate_id == ExamCandidate.id)
            .order_by(ExamSession.id, ExamCandidate.id, ExamResult.block_id)
        ).all()
        events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        return [tuple(row) for row in rows] + [("events", events)]


def _certification(app: Flask, enrolment_id: int) -> Certification | None:
    with app.app_context():
        return db.session.get(Enrolment, enrolment_id).certification


def test_a_good_file_records_results_into_the_existing_session_and_is_idempotent(app: Flask, world, tmp_path) -> None:
    codes = _codes(app)
    lines = [f"learner@example.org,07/12/2026,{code},acquired" for code in codes]
    result = _run(app, tmp_path, HEADER + "\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert f"{len(codes)} created" not in result.output  # the rows existed (pending): updated
    assert f"{len(codes)} updated" in result.output
    assert _certification(app, world.enrolment_id) == Certification.OBTAINED
    before = _state(app)
    again = _run(app, tmp_path, HEADER + "\n".join(lines) + "\n")
    assert again.exit_code == 0 and "Nothing to change" in again.output
    assert _state(app) == before


def test_french_labels_semicolons_and_windows_1252_are_accepted(app: Flask, world, tmp_path) -> None:
    codes = _codes(app)
    words = ["Acquis", "NON ACQUIS", "absent·e", "Absente"]
    lines = [f"LEARNER@example.org;2026-12-07;{code.lower()};{words[i % 4]}" for i, code in enumerate(codes)]
    text = "Courriel;session_date;block;result\n" + "\n".join(lines).replace("absent·e", "absente") + "\n"
    assert _run(app, tmp_path, text, "cp1252").exit_code == 0
    utf8 = text.replace("Absente", "absent·e")
    assert _run(app, tmp_path, utf8).exit_code == 0
    with app.app_context():
        results = db.session.scalars(
            sa.select(ExamResult.result).join(ExamCandidate).where(ExamCandidate.id == world.candidate_id)
            .order_by(ExamResult.block_id)
        ).all()
    assert results[0] == BlockResult.ACQUIRED and results[1] == BlockResult.NOT_ACQUIRED
    assert _certification(app, world.enrolment_id) == Certification.PARTIAL


def test_a_missing_session_is_created_a_resit_when_some_blocks_a_title_when_all(app: Flask, world, tmp_path) -> None:
    codes = _codes(app)
    result = _run(app, tmp_path, HEADER + f"learner@example.org,2027-03-01,{codes[1]},not acquired\n")
    assert result.exit_code == 0, result.output
    assert "1 session(s) created" in result.output
    every = "\n".join(f"learner@example.org,2027-04-01,{code},acquis" for code in codes)
    assert _run(app, tmp_path, HEADER + every + "\n").exit_code == 0
    with app.app_context():
        sessions = db.session.scalars(sa.select(ExamSession).order_by(ExamSession.start_date)).all()
        resit, title = sessions[-2], sessions[-1]
        assert (resit.start_date, resit.kind, [b.code for b in resit.blocks]) == (
            date(2027, 3, 1), ExamKind.BLOCKS, [codes[1]]
        )
        assert (title.start_date, title.kind) == (date(2027, 4, 1), ExamKind.TITLE)
        assert db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.entity == "exam_session")
        ) == 2


@pytest.mark.parametrize(
    "line,message",
    [
        ("nobody@example.org,2026-12-07,{code},acquired", "unknown email"),
        ("learner@example.org,2026-12-07,RNCP00000BC09,acquired", "unknown block"),
        ("learner@example.org,31/02/2027,{code},acquired", "bad session_date"),
        ("learner@example.org,2026-12-07,{code},maybe", "is not a result"),
        ("learner@example.org,2026-12-07,{code},acquired\nlearner@example.org,2026-12-07,{code},absent",
         "another result"),
        ("learner@example.org,2027-12-08,{code},acquired", "one-year limit"),
    ],
)
def test_each_bad_line_refuses_the_whole_file(app: Flask, world, tmp_path, line: str, message: str) -> None:
    codes = _codes(app)
    good = f"learner@example.org,2026-12-07,{codes[-1]},acquired"
    before = _state(app)
    result = _run(app, tmp_path, HEADER + good + "\n" + line.format(code=codes[0]) + "\n")
    assert result.exit_code != 0
    assert message in result.output
    assert "line 3" in result.output
    assert "nothing imported" in result.output
    assert _state(app) == before


def test_a_duplicate_line_with_the_same_result_is_harmless(app: Flask, world, tmp_path) -> None:
    code = _codes(app)[0]
    line = f"learner@example.org,2026-12-07,{code},acquired\n"
    result = _run(app, tmp_path, HEADER + line + line)
    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output


def test_an_unreadable_file_says_so(app: Flask, world, tmp_path) -> None:
    assert _run(app, tmp_path, "email,when\nx,y\n").exit_code != 0
    missing = app.test_cli_runner().invoke(args=["certification", "import", str(tmp_path / "none.csv")])
    assert missing.exit_code != 0 and "cannot read" in missing.output
