"""`flask attendance import FILE --cohort NAME`: another sign-in tool's sheet (French headers and values, Excel's
CSV or XLSX), all or nothing with every bad line reported, idempotent, audited, a learner's signature kept."""

import io
import re
from datetime import date, datetime, time

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import OperationalError

from bootcamp import cli, dates
from bootcamp.extensions import db
from bootcamp.importing.aliases import ALIASES, ReadingColumns, header_words, key
from bootcamp.models import (
    AbsenceReason,
    AttendanceRecord,
    AttendanceSession,
    AuditEvent,
    Cohort,
    DropoutReason,
    EnrolmentStatus,
    HalfDay,
    Justification,
    Learner,
    Presence,
    SessionKind,
    SessionState,
    SignatureSource,
)

from . import factories
from .conftest import audit_events
from .factories import WORLD_DAY

TUESDAY, WEDNESDAY, THURSDAY = date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19)
NEXT_MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 20, 18, 0)  # a Friday evening: the week's half-days have been held
COHORT = "Mende 2026 automne"

# As a school's secretary saves it from Excel (« CSV (séparateur : point-virgule) »): Windows-1252, `;`, French.
FRENCH = (
    "Courriel;Date;Demi-journée;Statut;Minutes;Motif;Justifié\r\n"
    "learner@example.org;16/11/2026;Matin;Absent;;;non\r\n"  # as the world's roll call has it already
    "learner@example.org;16/11/2026;Après-midi;Présent;;;\r\n"
    "Learner@Example.org;17/11/2026;matin;En retard;15;;\r\n"
    "learner@example.org;17/11/2026;après-midi;Parti plus tôt;30;;\r\n"
    "anne@example.net;16/11/2026;Matin;Absente;;Maladie;oui\r\n"
    "anne@example.net;16/11/2026;Après-midi;absent;;Rendez-vous;non\r\n"
    "anne@example.net;17/11/2026;Matin;présent;0;;\r\n"
).encode("cp1252")


@pytest.fixture
def week(app: Flask, world, monkeypatch) -> dict[str, int]:
    """The world's cohort with a week of half-days (one cancelled, one in a company, one still to come), Anne, and
    Denis who left on Monday; the clock on Friday evening."""
    monkeypatch.setattr(dates, "now", lambda: NOW)
    monkeypatch.setattr(dates, "today", lambda: NOW.date())
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        factories.half_day(cohort, WORLD_DAY, HalfDay.PM)
        factories.half_day(cohort, TUESDAY, HalfDay.AM)
        factories.half_day(cohort, TUESDAY, HalfDay.PM)
        factories.half_day(cohort, THURSDAY, HalfDay.AM)
        factories.half_day(cohort, WEDNESDAY, HalfDay.AM).state = SessionState.CANCELLED
        factories.half_day(cohort, WEDNESDAY, HalfDay.PM).kind = SessionKind.PLACEMENT
        factories.half_day(cohort, NEXT_MONDAY, HalfDay.AM)
        anne = factories.learner(cohort, first_name="Anne", last_name="Aubrac", email="anne@example.net")
        denis = factories.learner(cohort, first_name="Denis", last_name="Diaz", email="denis@example.net")
        left = denis.enrolments[0]
        left.status, left.exit_date, left.dropout_reason = EnrolmentStatus.DROPPED, WORLD_DAY, DropoutReason.JOB
        db.session.commit()
        other = db.session.get(Learner, world.other_learner_id).email
        return {"anne": anne.id, "other_email": other}


def _import(app: Flask, tmp_path, content: bytes | str, cohort: str = COHORT, name: str = "sheet.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return app.test_cli_runner().invoke(args=["attendance", "import", str(path), "--cohort", cohort])


def _records(app: Flask) -> dict[tuple[str, date, str], AttendanceRecord]:
    with app.app_context():
        query = (
            sa.select(Learner.email, AttendanceSession.day, AttendanceSession.half_day, AttendanceRecord)
            .join(AttendanceRecord.session)
            .join(AttendanceRecord.enrolment)
            .join(Learner)
        )
        return {(email, day, half.value): record for email, day, half, record in db.session.execute(query)}


def _count(app: Flask, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_french_excel_sheet_is_imported_then_again_changes_nothing(app: Flask, week, tmp_path) -> None:
    result = _import(app, tmp_path, FRENCH, cohort="mende 2026 AUTOMNE")
    assert result.exit_code == 0, result.output
    assert result.output == "Imported attendance for Mende 2026 automne: 6 created, 0 updated, 1 unchanged.\n"
    records = _records(app)
    values = {
        key: (r.presence, r.minutes, r.reason, r.justification, r.source)
        for key, r in records.items()
        if key[0] in ("learner@example.org", "anne@example.net")
    }
    assert values == {
        ("learner@example.org", WORLD_DAY, "am"): (Presence.ABSENT, 0, None, Justification.UNJUSTIFIED, "trainer"),
        ("learner@example.org", WORLD_DAY, "pm"): (Presence.PRESENT, 0, None, Justification.UNJUSTIFIED, "import"),
        ("learner@example.org", TUESDAY, "am"): (Presence.LATE, 15, None, Justification.UNJUSTIFIED, "import"),
        ("learner@example.org", TUESDAY, "pm"): (Presence.LEFT_EARLY, 30, None, Justification.UNJUSTIFIED, "import"),
        ("anne@example.net", WORLD_DAY, "am"): (
            Presence.ABSENT,
            0,
            AbsenceReason.SICKNESS,
            Justification.ACCEPTED,
            "import",
        ),
        ("anne@example.net", WORLD_DAY, "pm"): (
            Presence.ABSENT,
            0,
            AbsenceReason.APPOINTMENT,
            Justification.UNJUSTIFIED,
            "import",
        ),
        ("anne@example.net", TUESDAY, "am"): (Presence.PRESENT, 0, None, Justification.UNJUSTIFIED, "import"),
    }
    assert all(r.signed_at is None and r.recorded_by_id is None for r in records.values())
    created = audit_events(app, "attendance_record")
    assert len(created) == 6 and {event.action for event in created} == {"create"}
    assert created[-1].after == {
        "day": "2026-11-17",
        "half_day": "am",
        "presence": "present",
        "minutes": 0,
        "reason": None,
        "justification": "unjustified",
        "source": "import",
    }
    events = _count(app, AuditEvent)
    again = _import(app, tmp_path, FRENCH)
    assert again.output == "Imported attendance for Mende 2026 automne: 0 created, 0 updated, 7 unchanged.\n"
    assert _count(app, AuditEvent) == events and _records(app).keys() == records.keys()


def test_a_changed_line_updates_its_record_audited(app: Flask, week, tmp_path) -> None:
    assert _import(app, tmp_path, FRENCH).exit_code == 0
    before = _records(app)
    changed = FRENCH.replace(b"En retard;15", b"En retard;20").replace(b"Rendez-vous;non", b"Rendez-vous;oui")
    changed = changed.replace(b"16/11/2026;Matin;Absent;;;non", b"16/11/2026;Matin;Absent;;famille;")
    result = _import(app, tmp_path, changed)
    assert result.output == "Imported attendance for Mende 2026 automne: 0 created, 3 updated, 4 unchanged.\n"
    after = _records(app)
    late = after["learner@example.org", TUESDAY, "am"]
    assert (late.minutes, late.version) == (20, before["learner@example.org", TUESDAY, "am"].version + 1)
    assert after["anne@example.net", WORLD_DAY, "pm"].justification == Justification.ACCEPTED
    morning = after["learner@example.org", WORLD_DAY, "am"]  # the trainer's record: now the import's
    assert (morning.reason, morning.justification, morning.source) == (
        AbsenceReason.FAMILY,
        Justification.UNJUSTIFIED,
        SignatureSource.IMPORT,
    )
    events = audit_events(app, "attendance_record")
    updates = {e.after["day"] + e.after["half_day"]: e for e in events if e.action == "update"}
    assert set(updates) == {"2026-11-17am", "2026-11-16pm", "2026-11-16am"}
    assert (updates["2026-11-17am"].before["minutes"], updates["2026-11-17am"].after["minutes"]) == (15, 20)
    assert updates["2026-11-16am"].before["source"] == "trainer" and updates["2026-11-16am"].after["source"] == "import"
    assert updates["2026-11-16pm"].learner_id == week["anne"]


def test_a_learner_signature_keeps_its_time_and_a_pending_claim_stays(app: Flask, world, week, tmp_path) -> None:
    """Luc signed at 9:02 with the code; the other tool says he was 15 minutes late: the presence changes, his
    signature's time stays. His afternoon, signed too, agrees with the file: left as signed. Anne's claim (family,
    with a proof to examine) is not undone by « non »."""
    signed = datetime(2026, 11, 17, 9, 2)
    with app.app_context():
        luc = db.session.get(Learner, world.learner_id).enrolments[0]
        for half_day, at in ((HalfDay.AM, signed), (HalfDay.PM, datetime(2026, 11, 17, 13, 31))):
            held = db.session.scalar(sa.select(AttendanceSession).filter_by(day=TUESDAY, half_day=half_day))
            record = factories.attendance(held, luc)
            record.source, record.signed_at = SignatureSource.CODE, at
        monday = db.session.scalar(sa.select(AttendanceSession).filter_by(day=WORLD_DAY, half_day=HalfDay.PM))
        claim = factories.attendance(monday, db.session.get(Learner, week["anne"]).enrolments[0], Presence.ABSENT)
        claim.reason, claim.justification = AbsenceReason.FAMILY, Justification.PENDING
        db.session.commit()
    sheet = (
        "email,date,half_day,status,minutes,reason,justified\n"
        "learner@example.org,2026-11-17,am,late,15,,\n"
        "learner@example.org,2026-11-17,pm,present,,,\n"
        "anne@example.net,2026-11-16,pm,absent,,,no\n"
    )
    result = _import(app, tmp_path, sheet)
    assert result.output == "Imported attendance for Mende 2026 automne: 0 created, 1 updated, 2 unchanged.\n"
    records = _records(app)
    late = records["learner@example.org", TUESDAY, "am"]
    assert (late.presence, late.minutes, late.signed_at, late.source) == (Presence.LATE, 15, signed, "import")
    afternoon = records["learner@example.org", TUESDAY, "pm"]
    assert (afternoon.signed_at, afternoon.source, afternoon.version) == (datetime(2026, 11, 17, 13, 31), "code", 1)
    anne = records["anne@example.net", WORLD_DAY, "pm"]
    assert (anne.reason, anne.justification) == (AbsenceReason.FAMILY, Justification.PENDING)


def _problems(output: str) -> set[tuple[int, str]]:
    return {(int(line), column) for line, column in re.findall(r"^line (\d+), column ([^:]+): ", output, re.M)}


def test_every_bad_line_is_reported_and_nothing_is_written(app: Flask, week, tmp_path) -> None:
    other = week["other_email"]
    lines = [
        "email,date,half_day,status,minutes,reason,justified",
        "nobody@example.net,2026-11-16,am,present,,,",  # 2 unknown learner
        f"{other},2026-11-16,am,present,,,",  # 3 another cohort's learner
        "denis@example.net,2026-11-17,am,present,,,",  # 4 left the day before
        "anne@example.net,2026-11-21,am,present,,,",  # 5 a Saturday: no half-day
        "anne@example.net,2026-11-18,am,present,,,",  # 6 cancelled
        "anne@example.net,2026-11-18,pm,present,,,",  # 7 in a company
        "anne@example.net,2026-11-23,am,present,,,",  # 8 not begun yet
        "anne@example.net,2026-11-16,am,late,,,",  # 9 late without minutes
        "anne@example.net,2026-11-16,pm,left_early,210,,",  # 10 the whole half-day (9:00-12:30 is 210)
        "anne@example.net,2026-11-17,am,present,5,,",  # 11 minutes for a presence
        "anne@example.net,2026-11-17,pm,present,,sickness,",  # 12 a reason for a presence
        "learner@example.org,2026-11-16,pm,late,10,,yes",  # 13 justified for a lateness
        "learner@example.org,2026-11-17,am,maybe,,,",  # 14 unknown status
        "learner@example.org,2026-11-17,evening,present,,,",  # 15 unknown half-day
        "learner@example.org,31/02/2026,am,present,,,",  # 16 no such date
        "learner@example.org,2206-11-16,am,present,,,",  # 17 out of the app's bounds
        "learner@example.org,2026-11-17,pm,absent,,holidays,",  # 18 unknown reason
        "learner@example.org,2026-11-16,am,absent,,,maybe",  # 19 neither yes nor no
        "learner@example.org,2026-11-19,am,late,fifteen,,",  # 20 minutes not a number
        ",2026-11-17,pm,present,,,",  # 21 no email
        "anne@example.net,2026-11-16,am,present,,,,x,y",  # 22 too many cells
        "anne@example.net,2026-11-19,am,absent,,,",  # 23 good
        "ANNE@example.net,2026-11-19,am,present,,,",  # 24 the same half-day again
    ]
    records, events = _count(app, AttendanceRecord), _count(app, AuditEvent)
    result = _import(app, tmp_path, "\n".join(lines) + "\n")
    assert result.exit_code == 1 and "Traceback" not in result.output
    expected = {(2, "email"), (3, "email"), (4, "email"), (5, "date"), (6, "date"), (7, "date"), (8, "date")}
    expected |= {(9, "minutes"), (10, "minutes"), (11, "minutes"), (12, "reason"), (13, "justified")}
    expected |= {(14, "status"), (15, "half_day"), (16, "date"), (17, "date"), (18, "reason"), (19, "justified")}
    expected |= {(20, "minutes"), (21, "email"), (24, "email")}
    assert _problems(result.output) == expected, result.output
    assert "line 22: " in result.output and not re.search(r"^line 23\b", result.output, re.MULTILINE)
    assert "already appears on line 23 for this half-day" in result.output  # line 24, the same half-day again
    assert "no learner with the address nobody@example.net" in result.output
    assert result.output.rstrip().endswith("Error: file refused, nothing imported: 22 problems")
    assert (_count(app, AttendanceRecord), _count(app, AuditEvent)) == (records, events)


def test_the_columns_are_checked_and_a_header_alone_is_refused(app: Flask, week, tmp_path) -> None:
    result = _import(app, tmp_path, "Courriel;Jour;Présence;Commentaire\n")
    assert result.exit_code == 1
    assert "line 1, column Demi-journée (half_day): " in result.output or "column half_day" in result.output
    assert "line 1, column Commentaire: " in result.output
    header_only = _import(app, tmp_path, "email,date,half_day,status\n")
    assert header_only.exit_code == 1 and "line 2: no data row" in header_only.output


@pytest.mark.parametrize(
    "content, cohort, message",
    [
        (FRENCH, "Nowhere", "Error: Invalid value for --cohort: no cohort named 'Nowhere'"),
        (None, COHORT, "Error: cannot read {path}: No such file or directory"),
        (b"", COHORT, "Error: {path} is empty: its first line must name the columns"),
        (b" \r\n\r\n", COHORT, "Error: {path} is empty: its first line must name the columns"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            COHORT,
            "Error: {path} is neither a CSV file (UTF-8 or Windows-1252) nor an XLSX file",
        ),
    ],
)
def test_what_cannot_be_imported_says_so_in_one_line(
    app: Flask, week, tmp_path, content: bytes | None, cohort: str, message: str
) -> None:
    path = tmp_path / "sheet.csv"
    if content is not None:
        path.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["attendance", "import", str(path), "--cohort", cohort])
    assert result.exit_code == 1 and result.output == message.format(path=path) + "\n"


def test_a_directory_is_refused_in_one_line(app: Flask, week, tmp_path) -> None:
    result = app.test_cli_runner().invoke(args=["attendance", "import", str(tmp_path), "--cohort", COHORT])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and result.output.startswith("Error: cannot read")


def test_an_xlsx_sheet_with_date_cells(app: Flask, week, tmp_path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Courriel", "Date", "Demi-journée", "Statut", "Minutes", "Motif d'absence", "Justifié"])
    sheet.append(["anne@example.net", datetime(2026, 11, 16), "après-midi", "en retard", 12, None, None])
    sheet.append(["anne@example.net", datetime(2026, 11, 17), "matin", "absente", None, "transport", "oui"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = _import(app, tmp_path, buffer.getvalue(), name="sheet.xlsx")
    assert result.output == "Imported attendance for Mende 2026 automne: 2 created, 0 updated, 0 unchanged.\n"
    records = _records(app)
    assert records["anne@example.net", WORLD_DAY, "pm"].minutes == 12
    tuesday = records["anne@example.net", TUESDAY, "am"]
    assert (tuesday.reason, tuesday.justification) == (AbsenceReason.TRANSPORT, Justification.ACCEPTED)


def test_minutes_are_bounded_by_the_half_day_length(app: Flask, world, week, tmp_path) -> None:
    """A short half-day (9:00-10:00): 59 minutes late is the most."""
    with app.app_context():
        factories.half_day(db.session.get(Cohort, world.cohort_id), date(2026, 11, 20), starts=time(9), ends=time(10))
        db.session.commit()
    sheet = "email,date,half_day,status,minutes\nanne@example.net,2026-11-20,am,late,{}\n"
    assert _problems(_import(app, tmp_path, sheet.format(60)).output) == {(2, "minutes")}
    assert _problems(_import(app, tmp_path, sheet.format("²")).output) == {(2, "minutes")}
    assert _import(app, tmp_path, sheet.format(59)).exit_code == 0


def test_a_write_between_planning_and_writing_is_seen(app: Flask, world, week, tmp_path, monkeypatch) -> None:
    """The trainer takes Tuesday morning's roll call while the file is checked: the import plans again and updates
    the record instead of inserting it twice."""
    from bootcamp.importing import writing

    writes = []

    def trainer_writes() -> None:
        if writes:
            return
        with app.app_context(), db.engine.begin() as connection:  # another connection: another process
            tuesday = sa.and_(AttendanceSession.day == TUESDAY, AttendanceSession.half_day == "am")
            session_id = connection.scalar(sa.select(AttendanceSession.id).where(tuesday))
            values = {"session_id": session_id, "enrolment_id": world.enrolment_id, "presence": "present"}
            connection.execute(sa.insert(AttendanceRecord).values(**values, source="trainer", minutes=0))
            connection.execute(sa.text("UPDATE data_version SET value = value + 1"))
        writes.append(1)

    monkeypatch.setattr(writing, "between_plan_and_write", trainer_writes)
    sheet = "email,date,half_day,status,minutes\nlearner@example.org,2026-11-17,am,late,5\n"
    result = _import(app, tmp_path, sheet)
    assert result.output == "Imported attendance for Mende 2026 automne: 0 created, 1 updated, 0 unchanged.\n"
    assert _records(app)["learner@example.org", TUESDAY, "am"].minutes == 5


def test_the_queries_do_not_grow_with_the_file(app: Flask, week, tmp_path, count_queries) -> None:
    counts = []
    for sheet in (FRENCH.splitlines()[:3], FRENCH.splitlines()):
        with count_queries() as counter:
            result = _import(app, tmp_path, b"\r\n".join(sheet) + b"\r\n")
        assert result.exit_code == 0, result.output
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_motif_is_an_absence_reason_here_and_a_dropout_reason_for_learners() -> None:
    assert header_words()[key("Motif")] == "dropout_reason"
    with ReadingColumns("attendance_column"):
        words = header_words()
    assert words[key("Motif")] == "reason" and words[key("Courriel")] == "email"
    assert words[key("Demi-journée")] == "half_day" and words[key("Statut")] == "status"
    spellings: dict[str, str] = {}
    for column, aliases in ALIASES["attendance_column"].items():
        for alias in (column, *aliases):
            assert spellings.setdefault(key(alias), column) == column, alias


class _Deadlock(Exception):
    sqlstate = "40P01"  # PostgreSQL's deadlock_detected


def test_a_deadlock_with_another_writer_is_one_line_not_a_traceback(app: Flask, week, tmp_path, monkeypatch) -> None:
    """A roll call saved in the very instant the import writes can make PostgreSQL abort one of the two."""
    def deadlocked(plan, apply):
        raise OperationalError("INSERT INTO attendance_records ...", {}, _Deadlock("deadlock detected"))

    monkeypatch.setattr(cli, "plan_then_write", deadlocked)
    result = _import(app, tmp_path, FRENCH)
    assert result.exit_code == 1
    assert result.output == "Error: another process was writing the same rows: nothing imported; try again\n"
