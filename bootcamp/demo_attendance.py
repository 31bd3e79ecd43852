"""The demo's attendance (issue 15): each cohort's calendar (timetable.services.generate_calendar), then the roll
call of every half-day up to yesterday, or to the cohort's end.

About 90 % attendance on average, lower for some publics (RSA, QPV, under 26) and for learners less at ease; absences
come in runs of one to a few days, with a reason, and are justified with a proof (a small PDF), pending (recent
ones), refused or left unjustified; runs of absences in the weeks before each dropout; late arrivals and early
departures now and then. Learners sign with the half-day's code a few minutes after the start (a few are marked
present by the trainer); the trainer closes almost every past half-day; a few were cancelled. Today's half-days
and those to come stay open and untaken. learner@example.org has a justified absence with a proof, a pending one
with a proof and a late arrival.

Deterministic for a seed and a reference day. Written in bulk (COPY on PostgreSQL, executemany on SQLite): the
ten-year programme of `make bench` is about 2.2 million records.
"""

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from .dates import LOCAL_ZONE
from .extensions import db
from .models import (
    AbsenceReason,
    AttendanceSession,
    Closure,
    Cohort,
    HalfDay,
    Justification,
    Presence,
    SessionKind,
    SessionState,
    SignatureSource,
    StoredFile,
)
from .timetable.services import generate_calendar

RECORD_COLUMNS = (
    "session_id",
    "enrolment_id",
    "presence",
    "minutes",
    "reason",
    "justification",
    "proof_id",
    "source",
    "signed_at",
    "recorded_by_id",
    "recorded_at",
    "version",
)
REASONS = list(AbsenceReason)
REASON_WEIGHTS = [34, 16, 8, 16, 12, 14]  # sickness, appointment, job search, family, transport, other
PROOF_NAMES = {
    AbsenceReason.SICKNESS: "arret-de-travail",
    AbsenceReason.APPOINTMENT: "convocation",
    AbsenceReason.JOB_SEARCH: "attestation-entretien",
    AbsenceReason.FAMILY: "justificatif-familial",
    AbsenceReason.TRANSPORT: "attestation-transport",
    AbsenceReason.OTHER: "justificatif",
}
RUN_DAYS, RUN_WEIGHTS = [1, 2, 3, 5], [55, 25, 12, 8]  # length of a run of absences, in days (mean ≈ 1.8)
RECENT_DAYS = 14  # absences of the last two weeks may still wait for a decision (pending)
DROPOUT_WARNING_DAYS = 28  # runs of absences grow in the four weeks before a dropout
YEAR_END_CLOSURE = "Fermeture de fin d'année"


@dataclass(frozen=True)
class Attendee:
    """A learner of a cohort, as the roll call sees them."""

    enrolment_id: int
    absence: float  # the chance that a run of absences starts on a given day
    lateness: float  # the chance of arriving late on a half-day
    until: date  # no record from this day on: today, the day after the cohort's end, a dropout's exit day
    dropout: date | None = None  # a dropout's exit day: absences grow in the weeks before
    account_id: int | None = None  # their account, who signs with the code (learner@example.org)


@dataclass
class CohortRoll:
    """A cohort of the demo, its trainer and its learners (set by DemoBuilder)."""

    cohort: Cohort
    trainer_id: int
    attendees: list[Attendee] = field(default_factory=list)
    featured: Attendee | None = None  # learner@example.org: a history made to show every case


@dataclass(frozen=True)
class Half:
    """A past half-day of a cohort, with its times ready to write."""

    id: int
    day: date
    half_day: HalfDay
    prefix: str  # the day, as a moment's text begins: "2026-11-26 "
    start: int  # minutes since midnight, local time
    end: int
    offset: int  # local − UTC that day, in minutes

    def stamp(self, minute: int, utc: bool = False) -> str:
        """The moment `minute` (local, since midnight) of the day as stored, in local time or in UTC."""
        return self.prefix + CLOCK[minute - self.offset if utc else minute]

    def moment(self, minute: int) -> datetime:
        return datetime.combine(self.day, time()) + timedelta(minutes=minute)


# A moment's time as SQLAlchemy writes a DateTime on SQLite (PostgreSQL reads it too), for each minute of a day.
CLOCK = [f"{minute // 60:02d}:{minute % 60:02d}:00.000000" for minute in range(24 * 60)]


@dataclass(frozen=True)
class Absence:
    """A run of absences: its reason, its justification, and the index of its proof in the cohort's proofs."""

    reason: AbsenceReason | None
    justification: Justification
    proof: int | None


def attendee(
    enrolment_id: int, publics: dict[str, bool], ease: float, until: date, dropout: date | None, rnd: random.Random
) -> Attendee:
    """A learner's habits: absences more likely for RSA, QPV, under 26 and for a learner less at ease (`ease`,
    the demo's employability), less for one more at ease; lateness drawn apart."""
    absence = 0.030 + 0.022 * publics["rsa"] + 0.018 * publics["qpv"] + 0.016 * publics["under_26"]
    absence += -0.012 * max(-1.5, min(1.5, ease)) + 0.025 * (dropout is not None) + rnd.gauss(0, 0.008)
    lateness = max(0.0, rnd.gauss(0.035, 0.02)) + 0.02 * publics["zrr"]
    return Attendee(enrolment_id, max(0.004, min(0.2, absence)), lateness, until, dropout)


def year_end_closures(first_year: int, last_year: int, manager_id: int) -> None:
    """The school closes from 24 December to 1 January: a closure for every cohort, each year (before the
    calendars are generated, which leave those days out)."""
    db.session.add_all(
        Closure(
            cohort_id=None,
            first_day=date(year, 12, 24),
            last_day=date(year + 1, 1, 1),
            label=YEAR_END_CLOSURE,
            created_by_id=manager_id,
        )
        for year in range(first_year - 1, last_year + 1)
    )
    db.session.flush()


def proof_pdf() -> bytes:
    """A one-page PDF that says it is a demo document: every demo proof holds it (the database stays small)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(datetime(2024, 1, 1))
    pdf.set_title("Justificatif d'absence (démonstration)")
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.multi_cell(0, 8, "Justificatif d'absence\n\nDocument de démonstration de Bootcamp : aucune donnée réelle.")
    return bytes(pdf.output())


def past_halves(cohort_ids: list[int], today: date) -> dict[int, list[Half]]:
    """The half-days in the centre before today of these cohorts, in order (one query)."""
    rows = db.session.execute(
        sa.select(
            AttendanceSession.id,
            AttendanceSession.cohort_id,
            AttendanceSession.day,
            AttendanceSession.half_day,
            AttendanceSession.starts_at,
            AttendanceSession.ends_at,
        )
        .where(
            AttendanceSession.cohort_id.in_(cohort_ids),
            AttendanceSession.day < today,
            AttendanceSession.kind == SessionKind.CENTRE,  # no roll call in the period « en entreprise »
        )
        .order_by(AttendanceSession.cohort_id, AttendanceSession.day, AttendanceSession.half_day)
    ).all()
    offsets: dict[date, int] = {}
    halves: dict[int, list[Half]] = {cohort_id: [] for cohort_id in cohort_ids}
    for session_id, cohort_id, day, half_day, starts_at, ends_at in rows:
        if day not in offsets:
            offset = datetime.combine(day, time(12), LOCAL_ZONE).utcoffset() or timedelta()
            offsets[day] = int(offset.total_seconds()) // 60
        start, end = starts_at.hour * 60 + starts_at.minute, ends_at.hour * 60 + ends_at.minute
        halves[cohort_id].append(Half(session_id, day, half_day, f"{day.isoformat()} ", start, end, offsets[day]))
    return halves


def by_day(halves: list[Half]) -> list[tuple[date, list[Half]]]:
    days: dict[date, list[Half]] = {}
    for half in halves:
        days.setdefault(half.day, []).append(half)
    return list(days.items())


UNJUSTIFIED, CODE, TRAINER = Justification.UNJUSTIFIED.value, SignatureSource.CODE.value, SignatureSource.TRAINER.value
EARLY_CHANCE = 0.012  # of leaving early, on a half-day present
LATE_MINUTES = (5, 5, 10, 10, 10, 15, 15, 20, 30, 45)
EARLY_MINUTES = (15, 30, 30, 45, 60, 90)
Forced = dict[int, tuple[Presence, int, Absence | None]]  # half-day id -> what the roll call says, made by hand


class History:
    """The roll calls of one cohort's past half-days: records, proofs and the half-days' states, then written."""

    def __init__(self, roll: CohortRoll, halves: list[Half], today: date, rnd: random.Random) -> None:
        self.roll, self.today, self.rnd = roll, today, rnd
        self.halves = halves
        self.days = by_day(halves)
        self.cancelled = {half.id for half in halves if rnd.random() < 0.004}  # the trainer was away
        self.records: list[tuple] = []
        self.with_proof: list[tuple] = []  # records whose proof_id is an index into self.proofs, until written
        self.proofs: list[dict[str, Any]] = []

    def build(self) -> "History":
        for person in self.roll.attendees:
            if person is self.roll.featured:
                self._learner(person, self._featured_days(person))
            else:
                self._learner(person)
        return self

    def _learner(self, person: Attendee, forced: Forced | None = None) -> None:
        """Every past half-day of `person` up to their last day: runs of absences, else present, late or early;
        `forced` half-days as given."""
        rnd, forced = self.rnd, forced or {}
        left, absence, only = 0, None, None
        for day, halves in self.days:
            if day >= person.until:
                break
            warned = person.dropout is not None and (person.dropout - day).days <= DROPOUT_WARNING_DAYS
            if rnd.random() < (0.22 if warned else person.absence) and not left:
                left = rnd.choices(RUN_DAYS, RUN_WEIGHTS)[0]
                absence = self._absence(person, day, warned)
                only = rnd.choice(halves).id if left == 1 and rnd.random() < 0.35 else None  # an appointment
            for half in halves:
                if half.id in self.cancelled:
                    continue
                if half.id in forced:
                    presence, minutes, given = forced[half.id]
                    if given is not None:
                        self._absent(person, half, given)
                    else:
                        self._present(person, half, presence, minutes)
                elif left and absence is not None and only in (None, half.id):
                    self._absent(person, half, absence)
                else:
                    self._present(person, half)
            left = max(0, left - 1)

    def _absence(self, person: Attendee, day: date, warned: bool) -> Absence:
        """A run's reason and justification: decided for older ones, some pending for the last two weeks; those
        before a dropout mostly unexplained."""
        rnd = self.rnd
        reason: AbsenceReason | None = rnd.choices(REASONS, REASON_WEIGHTS)[0]
        draw = rnd.random()
        if warned:
            justification = Justification.ACCEPTED if draw < 0.15 else Justification.UNJUSTIFIED
        elif (self.today - day).days <= RECENT_DAYS:
            justification = Justification.ACCEPTED if draw < 0.2 else Justification.PENDING
            justification = Justification.UNJUSTIFIED if draw >= 0.5 else justification
        else:
            justification = Justification.ACCEPTED if draw < 0.45 else Justification.REFUSED
            justification = Justification.UNJUSTIFIED if draw >= 0.51 else justification
        with_proof = {Justification.ACCEPTED: 0.85, Justification.PENDING: 0.75, Justification.REFUSED: 0.5}
        proof = None
        if rnd.random() < with_proof.get(justification, 0.0) and reason is not None:
            proof = self._proof(PROOF_NAMES[reason], day, person.account_id)
        elif justification == Justification.UNJUSTIFIED and rnd.random() < 0.5:
            reason = None  # nothing said
        return Absence(reason, justification, proof)

    def _proof(self, name: str, day: date, account_id: int | None) -> int:
        """A proof handed in the day after the absence (by yesterday at the latest): its index in self.proofs."""
        handed = min(day + timedelta(days=1), self.today - timedelta(days=1))
        self.proofs.append(
            {
                "filename": f"{name}-{day.isoformat()}.pdf",
                "uploaded_by_id": account_id or self.roll.trainer_id,
                "uploaded_at": datetime.combine(handed, time(16, 45)),
            }
        )
        return len(self.proofs) - 1

    def _absent(self, person: Attendee, half: Half, absence: Absence) -> None:
        row = (
            half.id,
            person.enrolment_id,
            Presence.ABSENT.value,
            0,
            absence.reason.value if absence.reason else None,
            absence.justification.value,
            absence.proof,
            SignatureSource.TRAINER.value,
            None,
            self.roll.trainer_id,
            half.stamp(half.start + 15, utc=True),
            1,
        )
        (self.records if absence.proof is None else self.with_proof).append(row)

    def _present(self, person: Attendee, half: Half, presence: Presence | None = None, minutes: int = 0) -> None:
        """Present, late or left early (drawn, unless given). The learner signs with the code a few minutes after
        the start (or after arriving); one in 25 is marked present by the trainer instead. The hot loop of a
        ten-year programme (2.6 million records): one call a record, moments as text from CLOCK."""
        random = self.rnd.random
        if presence is None:
            draw = random()
            if draw < person.lateness:
                presence, minutes = Presence.LATE, LATE_MINUTES[int(random() * len(LATE_MINUTES))]
            elif draw < person.lateness + EARLY_CHANCE:
                presence, minutes = Presence.LEFT_EARLY, EARLY_MINUTES[int(random() * len(EARLY_MINUTES))]
            else:
                presence = Presence.PRESENT
        if random() < 0.04:
            signed, source, by = None, TRAINER, self.roll.trainer_id
            recorded = half.prefix + CLOCK[half.start + 20 - half.offset]
        else:
            minute = half.start + (minutes if presence is Presence.LATE else 0) + 1 + int(random() * 10)
            signed, source, by = half.prefix + CLOCK[minute], CODE, person.account_id
            recorded = half.prefix + CLOCK[minute - half.offset]
        row = (half.id, person.enrolment_id, presence.value, minutes, None, UNJUSTIFIED, None, source, signed, by)
        self.records.append((*row, recorded, 1))

    def _featured_days(self, person: Attendee) -> Forced:
        """learner@example.org: a day of absence three weeks ago justified with a convocation (accepted), a late
        arrival last week, an afternoon's absence for a job interview this week, pending with its proof."""
        held = [
            (day, halves)
            for day, halves in self.days
            if day < person.until and not any(half.id in self.cancelled for half in halves)
        ]
        forced: Forced = {}
        if len(held) >= 15:
            day, halves = held[-15]
            proof = self._proof("convocation-france-travail", day, person.account_id)
            accepted = Absence(AbsenceReason.APPOINTMENT, Justification.ACCEPTED, proof)
            forced.update({half.id: (Presence.ABSENT, 0, accepted) for half in halves})
        if len(held) >= 6:
            forced[held[-6][1][0].id] = (Presence.LATE, 20, None)
        if len(held) >= 2:
            day, halves = held[-2]
            proof = self._proof("attestation-entretien", day, person.account_id)
            pending = Absence(AbsenceReason.JOB_SEARCH, Justification.PENDING, proof)
            forced[halves[-1].id] = (Presence.ABSENT, 0, pending)
        return forced

    def states(self) -> list[dict[str, Any]]:
        """Each past half-day closed by the trainer a little after its end, or cancelled; in a cohort still in
        training, one in fifty was taken but not yet validated (left open)."""
        in_training = self.roll.cohort.end_date >= self.today
        rows = []
        for half in self.halves:
            if half.id in self.cancelled:
                rows.append({"b_id": half.id, "b_state": SessionState.CANCELLED, "b_at": None, "b_by": None})
            elif not (in_training and self.rnd.random() < 0.02):
                closed = half.moment(half.end + 5 + int(self.rnd.random() * 40))
                by = self.roll.trainer_id
                rows.append({"b_id": half.id, "b_state": SessionState.CLOSED, "b_at": closed, "b_by": by})
        return rows

    def write(self, pdf: bytes) -> tuple[int, int]:
        """Insert the proofs (their ids back), the records in bulk, and set the half-days' states. Returns how many
        records and proofs."""
        if self.proofs:
            same = {"content_type": "application/pdf", "size": len(pdf), "sha256": hashlib.sha256(pdf).hexdigest()}
            ids = db.session.scalars(
                sa.insert(StoredFile).returning(StoredFile.id, sort_by_parameter_order=True),
                [proof | same | {"data": pdf} for proof in self.proofs],
            ).all()
            self.records.extend(row[:6] + (ids[row[6]],) + row[7:] for row in self.with_proof)
        write_records(self.records)
        states = self.states()
        if states:
            table = AttendanceSession.__table__
            db.session.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("b_id"))
                .values(
                    state=sa.bindparam("b_state"), closed_at=sa.bindparam("b_at"), closed_by_id=sa.bindparam("b_by")
                ),
                states,
            )
        return len(self.records), len(self.proofs)


def write_records(rows: list[tuple]) -> None:
    """Insert roll-call records (RECORD_COLUMNS, moments as text) in bulk: COPY on PostgreSQL, executemany
    elsewhere; on the session's connection, in its transaction."""
    if not rows:
        return
    rows.sort(key=lambda row: (row[0], row[1]))  # in the order of the unique index: appended, not scattered
    connection = db.session.connection()
    names = ", ".join(RECORD_COLUMNS)
    if connection.dialect.name == "postgresql":
        with connection.connection.dbapi_connection.cursor() as cursor:
            with cursor.copy(f"COPY attendance_records ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    marks = ", ".join(["?" if connection.dialect.paramstyle == "qmark" else "%s"] * len(RECORD_COLUMNS))
    # Column names and placeholders are this module's constants; the values travel as parameters.
    insert = f"INSERT INTO attendance_records ({names}) VALUES ({marks})"  # nosec B608
    connection.exec_driver_sql(insert, rows)


def add_attendance(rolls: list[CohortRoll], today: date, rnd: random.Random) -> None:
    """Every cohort's calendar, then the roll calls of its half-days before `today` (see the module), drawn with
    `rnd`."""
    for roll in rolls:
        generate_calendar(roll.cohort)
    halves = past_halves([roll.cohort.id for roll in rolls], today)
    pdf = proof_pdf()
    for roll in rolls:
        History(roll, halves[roll.cohort.id], today, rnd).build().write(pdf)
