"""Taking the roll of a half-day (create or correct every record at once, versioned, audited), validating it, and a
learner signing with the half-day's code (who, when and how; nothing about the device).

Two writers of one half-day never silently overwrite each other: a roll-call save and a signature both lock the
half-day's row first (transactions.lock_rows; SQLite: the write lock), so they run one after the other; a save
then checks the versions its form carried (the half-day's and each record's) against what is stored, and every
save raises the half-day's version, so a form loaded before another save or signature is refused (409).
"""

import hmac
from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm.attributes import flag_modified

from ..audit import plain, record, snapshot
from ..extensions import db
from ..models import (
    AbsenceReason,
    AttendanceRecord,
    AttendanceSession,
    Enrolment,
    Justification,
    Presence,
    SessionKind,
    SessionState,
    SignatureSource,
    SigningAttempt,
    User,
    utcnow,
)
from ..transactions import lock_rows
from .queries import RollCall, is_running, placed_on, record_of, sessions_today, signing_window

TIMED = frozenset({Presence.LATE, Presence.LEFT_EARLY})  # presences that count minutes
KEPT_JUSTIFICATIONS = frozenset({Justification.PENDING, Justification.REFUSED})  # the absences part decides them
AUDITED = ("presence", "minutes", "reason", "justification", "source", "signed_at")
UNSAID = (None, 0, Justification.UNJUSTIFIED.value)  # a new record's default values, left out of its journal entry
MAX_WRONG_CODES = 5  # wrong codes a learner may type for one half-day; then they ask their trainer
MAX_CODE_LENGTH = 20  # longer: wrong (nothing longer is compared)


def clock(moment: datetime | time) -> str:
    """A time of day as people say it: « 9 h 02 » (« 9:02 » in English)."""
    return _("%(hour)d h %(minute)02d", hour=moment.hour, minute=moment.minute)


def roll_call_refusal(session: AttendanceSession, today: date) -> str | None:
    """Why the half-day has no roll call (cancelled, in a company, not yet come), or None."""
    if session.state == SessionState.CANCELLED:
        return _("Cette demi-journée est annulée : il n'y a pas d'appel.")
    if session.kind == SessionKind.PLACEMENT:
        return _("Cette demi-journée se passe en entreprise (stage) : il n'y a pas d'appel au centre.")
    if session.day > today:
        return _("Cette demi-journée n'a pas encore eu lieu : l'appel se fait à partir du jour même.")
    return None


@dataclass(frozen=True)
class Mark:
    """What the trainer marked for one learner."""

    presence: Presence
    minutes: int = 0  # late or left early by so many minutes
    reason: AbsenceReason | None = None
    justified: bool = False


def record_values(mark: Mark, current: AttendanceRecord | None) -> dict[str, object]:
    """The record's columns for a mark: minutes only when late or left early, a reason and a justification only
    for an absence. Unticking « justifiée » keeps a justification the absences part holds (pending, refused)."""
    absent = mark.presence == Presence.ABSENT
    if absent and mark.justified:
        justification = Justification.ACCEPTED
    elif absent and current is not None and current.justification in KEPT_JUSTIFICATIONS:
        justification = current.justification
    else:
        justification = Justification.UNJUSTIFIED
    return {
        "presence": mark.presence,
        "minutes": mark.minutes if mark.presence in TIMED else 0,
        "reason": mark.reason if absent else None,
        "justification": justification,
    }


def _context(session: AttendanceSession) -> dict[str, object]:
    return {"day": session.day.isoformat(), "half_day": session.half_day.value}


def save_roll_call(roll: RollCall, marks: dict[int, Mark], close: bool, user: User, now: datetime) -> int:
    """Write every learner's mark (create or update; source TRAINER), each change audited with before and after,
    and with `close` validate the half-day. Returns how many records changed. The caller has locked the half-day
    and checked the form's versions; the half-day's version goes up with any change. The caller commits."""
    session, created, updated = roll.session, [], []
    for row in roll.rows:
        values = record_values(marks[row.enrolment.id], row.record)
        if row.record is None:
            made = AttendanceRecord(
                session_id=session.id, enrolment_id=row.enrolment.id, source=SignatureSource.TRAINER, **values
            )
            made.recorded_by_id = user.id
            db.session.add(made)
            created.append((row, made))
        elif any(getattr(row.record, name) != value for name, value in values.items()):
            before = snapshot(row.record, AUDITED)
            for name, value in {**values, "source": SignatureSource.TRAINER}.items():
                setattr(row.record, name, value)
            row.record.recorded_by_id, row.record.recorded_at = user.id, utcnow()
            updated.append((row, row.record, before))
    closing = close and session.state == SessionState.OPEN
    if closing:
        session.state, session.closed_at, session.closed_by_id = SessionState.CLOSED, now, user.id
    elif created or updated:
        flag_modified(session, "state")  # the roll call's version goes up: forms loaded before are refused
    db.session.flush()
    for row, made in created:  # what was marked: the defaults (no minutes, no reason, unjustified) go unsaid
        after = {key: value for key, value in snapshot(made, AUDITED).items() if value not in UNSAID}
        record("attendance_record", made.id, "create", None, after | _context(session), row.learner.id)
    for row, changed, before in updated:
        after = snapshot(changed, AUDITED) | _context(session)
        record("attendance_record", changed.id, "update", before | _context(session), after, row.learner.id)
    if closing:
        after = {"state": session.state.value, "closed_at": plain(now)} | _context(session)
        record("attendance_session", session.id, "close", {"state": SessionState.OPEN.value}, after)
    return len(created) + len(updated)


class SigningRefused(Exception):
    """Why a learner's signature was refused, and the HTTP status to answer."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def sign_with_code(user: User, typed: str, now: datetime) -> datetime:
    """Sign the learner `user` present at the half-day of their cohort running now, with its code; returns when.

    Refusals raise SigningRefused; a wrong code is kept (SigningAttempt) and, after MAX_WRONG_CODES of them, that
    half-day refuses this learner. The caller commits, after a refusal too (to keep the wrong code)."""
    if user.learner_id is None:
        raise SigningRefused(
            _("Votre compte n'est relié à aucun dossier d'apprenant·e : vous ne pouvez pas signer."), 403
        )
    code = "".join(typed.split())
    if not code:
        raise SigningRefused(_("Tapez le code de la demi-journée que votre formateur·rice affiche."), 400)
    session, enrolment = _session_running(user.learner_id, now)
    lock_rows(AttendanceSession, [session.id])  # one signature or roll call of this half-day at a time
    db.session.refresh(session)
    _check_still_open(session, now)
    current = record_of(session.id, enrolment.id)
    _check_record(current)
    _check_code(session, user, code)
    return _sign(session, enrolment, current, user, now)


def _session_running(learner_id: int, now: datetime) -> tuple[AttendanceSession, Enrolment]:
    """The half-day of the learner's cohort whose signing window holds `now`, or why there is none (on a placement
    that day: nothing to sign in the centre)."""
    if placed_on(learner_id, now.date()):
        raise SigningRefused(_("Vous êtes en entreprise ce jour-là : il n'y a rien à signer au centre."), 409)
    today = sessions_today(learner_id, now.date())
    for session, enrolment in today:
        opens, ends = signing_window(session)
        if opens <= now <= ends:
            _check_still_open(session, now)
            return session, enrolment
    upcoming = [signing_window(session)[0] for session, _enrolment in today if now < signing_window(session)[0]]
    if upcoming:
        raise SigningRefused(
            _("La signature de la prochaine demi-journée ouvre à %(time)s.", time=clock(min(upcoming))), 409
        )
    if today:
        raise SigningRefused(
            _("La demi-journée est terminée : il n'est plus possible de signer. Voyez votre formateur·rice."), 409
        )
    raise SigningRefused(_("Aucune demi-journée aujourd'hui pour votre promotion : il n'y a rien à signer."), 409)


def _check_still_open(session: AttendanceSession, now: datetime) -> None:
    if session.state == SessionState.CLOSED:
        raise SigningRefused(
            _("Votre formateur·rice a validé cette demi-journée : la signature est close. Voyez-le ou voyez-la."), 409
        )
    if not is_running(session, now):
        raise SigningRefused(
            _("Cette demi-journée n'est plus ouverte à la signature. Voyez votre formateur·rice."), 409
        )


def _check_record(current: AttendanceRecord | None) -> None:
    if current is not None and current.presence == Presence.ABSENT:
        raise SigningRefused(
            _("Votre formateur·rice vous a noté·e absent·e pour cette demi-journée : voyez votre formateur·rice."), 409
        )
    if current is not None and current.signed_at is not None:
        signed = clock(current.signed_at)
        raise SigningRefused(_("Vous avez déjà signé cette demi-journée, à %(time)s.", time=signed), 409)


def _check_code(session: AttendanceSession, user: User, code: str) -> None:
    """Compare the code in constant time; a wrong one is kept, and the last allowed one locks the half-day."""
    wrong = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SigningAttempt)
        .where(SigningAttempt.session_id == session.id, SigningAttempt.user_id == user.id)
    )
    locked = _("Trop d'essais pour cette demi-journée : voyez votre formateur·rice, qui notera votre présence.")
    if wrong >= MAX_WRONG_CODES:
        raise SigningRefused(locked, 429)
    if len(code) <= MAX_CODE_LENGTH and hmac.compare_digest(code.encode(), session.code.encode()):
        return
    db.session.add(SigningAttempt(session_id=session.id, user_id=user.id, attempted_at=utcnow()))
    left = MAX_WRONG_CODES - wrong - 1
    if left == 0:
        raise SigningRefused(_("Code incorrect.") + " " + locked, 429)
    raise SigningRefused(
        _("Code incorrect.")
        + " "
        + ngettext("Vérifiez-le : encore %(num)d essai.", "Vérifiez-le : encore %(num)d essais.", left),
        400,
    )


def _sign(
    session: AttendanceSession, enrolment: Enrolment, current: AttendanceRecord | None, user: User, now: datetime
) -> datetime:
    signed_at = now.replace(microsecond=0)
    before = None if current is None else snapshot(current, AUDITED)
    if current is None:
        current = AttendanceRecord(
            session_id=session.id, enrolment_id=enrolment.id, presence=Presence.PRESENT, source=SignatureSource.CODE
        )
        db.session.add(current)
    current.signed_at, current.source = signed_at, SignatureSource.CODE
    current.recorded_by_id, current.recorded_at = user.id, utcnow()
    db.session.flush()
    after = snapshot(current, AUDITED) | _context(session)
    record(
        "attendance_record",
        current.id,
        "sign",
        None if before is None else before | _context(session),
        after,
        enrolment.learner_id,
    )
    return signed_at
