"""What the printed documents say, read in a fixed number of queries, and the documents themselves.

- The week's « feuille d'émargement » of a cohort: its learners in training that week × the week's half-days; each
  cell says how the learner's presence was recorded (their signature's time with the code, the trainer's roll
  call, an import), their absence and its justification, a late arrival or an early departure, or « entreprise »
  on a day of the learner's placement (no signature box); under each half-day the trainer's validation. Six queries
  whatever the cohort's size.
- A learner's « certificat de réalisation » for a period: the mentions of the official model (organisation,
  trainee, action and its nature, dates, hours completed), the centre's hours from attendance/hours.py and the
  « entreprise » hours confirmed by the tutor from placements/days.py.
"""

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

import sqlalchemy as sa
from flask import abort, current_app
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from .. import dates
from ..access import refuse, visible_cohorts
from ..attendance.hours import Hours, counted_records, minute_sums
from ..attendance.queries import placements_of
from ..extensions import db
from ..labels import label
from ..learners.names import by_name, folded
from ..models import (
    AttendanceRecord,
    AttendanceSession,
    Cohort,
    Enrolment,
    Learner,
    Presence,
    Role,
    SessionKind,
    SessionState,
    SignatureSource,
    User,
)
from ..params import bad
from ..pdf import Document, clock, printed_on
from ..placements.days import EntrepriseHours, covers

NOT_TAKEN = "—"
NAME_WIDTH = 48  # mm, the learners' column; the half-days share the rest of the page's width


# The week's sign-in sheet ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    """A learner of the sheet and what each half-day's cell says."""

    name: str
    cells: list[str]


@dataclass(frozen=True)
class SignInSheet:
    """The week (from `monday`) of `cohort`: its half-days, in order, and one row per learner in training."""

    cohort: Cohort
    monday: date
    sessions: list[AttendanceSession]
    rows: list[SheetRow]

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)


def week_start(day: date | None) -> date:
    """The Monday of the week of `day` (today's week when None)."""
    day = day or dates.today()
    return day - timedelta(days=day.weekday())


def _week_sessions(cohort: Cohort, monday: date) -> list[AttendanceSession]:
    return list(
        db.session.scalars(
            sa.select(AttendanceSession)
            .options(joinedload(AttendanceSession.closed_by))
            .where(
                AttendanceSession.cohort_id == cohort.id,
                AttendanceSession.day.between(monday, monday + timedelta(days=6)),
            )
            .order_by(AttendanceSession.day, AttendanceSession.half_day)
        )
    )


def _week_enrolments(cohort: Cohort, monday: date, session_ids: list[int]) -> list[Enrolment]:
    """The cohort's learners in training that week (started, not gone before the Monday), and anyone with a record
    in its half-days; by name."""
    in_training = sa.or_(Enrolment.exit_date.is_(None), Enrolment.exit_date >= monday)
    if cohort.start_date > monday + timedelta(days=6):
        in_training = sa.false()
    recorded = sa.select(AttendanceRecord.enrolment_id).where(AttendanceRecord.session_id.in_(session_ids))
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .options(joinedload(Enrolment.learner))
        .where(Enrolment.cohort_id == cohort.id, sa.or_(in_training, Enrolment.id.in_(recorded)))
    )
    return sorted(enrolments, key=lambda enrolment: by_name(enrolment.learner))


def _week_records(session_ids: list[int]) -> dict[tuple[int, int], AttendanceRecord]:
    records = db.session.scalars(sa.select(AttendanceRecord).where(AttendanceRecord.session_id.in_(session_ids)))
    return {(record.session_id, record.enrolment_id): record for record in records}


def _recorded_how(record: AttendanceRecord) -> str:
    if record.source == SignatureSource.IMPORT:
        return _("(importé)")
    return _("(noté par le formateur)")


def _presence_text(record: AttendanceRecord) -> str:
    if record.presence == Presence.ABSENT:
        return _("absent·e — %(justification)s", justification=label(record.justification))
    if record.presence == Presence.LATE:
        return _("retard %(minutes)d min", minutes=record.minutes)
    if record.presence == Presence.LEFT_EARLY:
        return _("parti·e %(minutes)d min plus tôt", minutes=record.minutes)
    return _("présent·e")


def record_text(record: AttendanceRecord) -> str:
    """A cell of the sheet: the signature's time when the learner signed with the code, then the presence (absent,
    late, left early), or how it was recorded."""
    lines = []
    if record.signed_at is not None:
        lines.append(_("signé %(time)s (code)", time=clock(record.signed_at.hour, record.signed_at.minute)))
    if record.signed_at is None or record.presence != Presence.PRESENT:
        lines.append(_presence_text(record))
    if record.signed_at is None and record.presence != Presence.ABSENT:
        lines.append(_recorded_how(record))
    return "\n".join(lines)


def cell_text(
    session: AttendanceSession, enrolment: Enrolment, record: AttendanceRecord | None, placed: bool = False
) -> str:
    """What the sheet says for `enrolment` at `session` (`placed`: on one of their placements that day)."""
    if session.state == SessionState.CANCELLED:
        return _("annulée")
    if session.kind == SessionKind.PLACEMENT:
        return _("en entreprise")
    if placed:
        return _("entreprise")
    if record is not None:
        return record_text(record)
    if enrolment.exit_date is not None and enrolment.exit_date < session.day:
        return _("sorti·e")
    return NOT_TAKEN


def _time_span(starts: time, ends: time) -> str:
    return f"{starts.hour}:{starts.minute:02d}–{ends.hour}:{ends.minute:02d}"


def duration(minutes: int) -> str:
    """« 3 h 30 »."""
    return clock(minutes // 60, minutes % 60)


def session_heading(session: AttendanceSession) -> str:
    """« lun. 16/11 », « matin », « 9:00–12:30 », « 3 h 30 prévues », one a line."""
    return "\n".join(
        (
            format_date(session.day, "EEE dd/MM"),
            str(label(session.half_day)),
            _time_span(session.starts_at, session.ends_at),
            _("%(duration)s prévues", duration=duration(session.planned_minutes)),
        )
    )


def validation_text(session: AttendanceSession) -> str:
    """The trainer's validation of the half-day: who closed it and when, or « non validée »."""
    if session.state == SessionState.CANCELLED:
        return _("annulée")
    if session.kind == SessionKind.PLACEMENT:
        return _("en entreprise")
    if session.state != SessionState.CLOSED or session.closed_at is None:
        return _("non validée")
    when = _(
        "le %(day)s à %(time)s",
        day=session.closed_at.strftime("%d/%m"),
        time=clock(session.closed_at.hour, session.closed_at.minute),
    )
    if session.closed_by is None:
        return _("validée %(when)s", when=when)
    return _("validée par %(name)s %(when)s", name=session.closed_by.name, when=when)


def learner_name(learner: Learner) -> str:
    """« Lefèvre Luc »: last name first, as the sheet is sorted."""
    return f"{learner.last_name} {learner.first_name}"


def sign_in_sheet(cohort: Cohort, monday: date) -> SignInSheet:
    """The sheet of the week starting on `monday` (four queries: half-days, learners, records, placements)."""
    sessions = _week_sessions(cohort, monday)
    ids = [session.id for session in sessions]
    enrolments = _week_enrolments(cohort, monday, ids)
    records = _week_records(ids)
    placements = placements_of(enrolment.id for enrolment in enrolments)
    rows = [
        SheetRow(
            learner_name(enrolment.learner),
            [
                cell_text(
                    session,
                    enrolment,
                    records.get((session.id, enrolment.id)),
                    covers(placements.get(enrolment.id, []), session.day),
                )
                for session in sessions
            ],
        )
        for enrolment in enrolments
    ]
    return SignInSheet(cohort, monday, sessions, rows)


def organisation_name() -> str:
    return current_app.config["ORGANISATION_NAME"]


def _sheet_facts(sheet: SignInSheet) -> list[tuple[str, str]]:
    cohort = sheet.cohort
    week = _(
        "du %(first)s au %(last)s",
        first=format_date(sheet.monday, "EEEE d MMMM yyyy"),
        last=format_date(sheet.sunday, "EEEE d MMMM yyyy"),
    )
    return [
        (_("Formation"), f"{cohort.programme.title} ({cohort.programme.rncp_code})"),
        (_("Promotion"), cohort.name),
        (_("Site"), cohort.site.name),
        (_("Formateur·rices"), ", ".join(trainer.name for trainer in cohort.trainers) or NOT_TAKEN),
        (_("Semaine"), week),
    ]


def sign_in_sheet_pdf(sheet: SignInSheet) -> bytes:
    """The sheet as a PDF: landscape A4, a title block, then the table, its header row on every page."""
    document = Document(
        _("Feuille d'émargement"), organisation_name(), landscape=True, footer_note=printed_on(dates.now())
    )
    document.set_subject(f"{sheet.cohort.name} · {format_date(sheet.monday, 'dd/MM/yyyy')}")
    document.title_block(_sheet_facts(sheet))
    if not sheet.sessions:
        document.paragraph(_("Aucune demi-journée n'est prévue cette semaine."), bold=True)
    document.paragraph(
        _(
            "Chaque case : l'heure de la signature de l'apprenant·e avec le code de la demi-journée, ou la présence "
            "notée par le formateur ; les absences et leur justification, les retards et les départs anticipés. "
            "« %(not_taken)s » : appel pas encore fait ; « entreprise » : jour de stage de l'apprenant·e (convention), "
            "pas d'appel au centre. Dernière ligne : la validation de la demi-journée par le formateur.",
            not_taken=NOT_TAKEN,
        ),
        size=8,
    )
    headings = [_("Apprenant·e"), *(session_heading(session) for session in sheet.sessions)]
    rows = [[row.name, *row.cells] for row in sheet.rows]
    rows.append([_("Validation du formateur"), *(validation_text(session) for session in sheet.sessions)])
    share = (document.epw - NAME_WIDTH) / max(len(sheet.sessions), 1)
    widths = [NAME_WIDTH, *(share for _session in sheet.sessions)]
    document.table_of(headings, rows, widths, font_size=7.5, bold_rows={len(rows) - 1})
    return document.to_bytes()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", folded(text)).strip("-") or "promotion"


def sign_in_sheet_filename(cohort: Cohort, monday: date) -> str:
    """« emargement-mende-2026-automne-2026-11-16.pdf »."""
    return f"emargement-{_slug(cohort.name)}-{monday.isoformat()}.pdf"


# The « certificat de réalisation » ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    """What a « certificat de réalisation » states."""

    learner: Learner
    cohort: Cohort
    first: date
    last: date
    hours: Hours  # attendance/hours.py over the period
    entreprise: EntrepriseHours  # placements/days.py over the period
    signatory: str
    signed_on: date


def certificate_enrolment(learner: Learner, user: User, cohort_id: int | None = None) -> Enrolment:
    """The learner's enrolment the certificate is about: in `cohort_id` when given, else their latest in a cohort
    `user` may see (with its cohort, site and programme); 404 if there is none."""
    query = (
        sa.select(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .options(
            joinedload(Enrolment.cohort).joinedload(Cohort.site),
            joinedload(Enrolment.cohort).joinedload(Cohort.programme),
        )
        .where(
            Enrolment.learner_id == learner.id,
            Enrolment.cohort_id.in_(visible_cohorts(user).with_only_columns(Cohort.id)),
        )
        .order_by(Cohort.start_date.desc(), Cohort.id.desc())
        .limit(1)
    )
    if cohort_id is not None:
        query = query.where(Enrolment.cohort_id == cohort_id)
    enrolment = db.session.scalar(query)
    if enrolment is None:
        refuse()
    return enrolment


def training_bounds(enrolment: Enrolment) -> tuple[date, date]:
    """The days a certificate may cover: from the cohort's start to today, the learner's exit or the cohort's end,
    whichever comes first."""
    end = min(dates.today(), enrolment.exit_date or enrolment.cohort.end_date)
    return enrolment.cohort.start_date, end


def certificate_period(enrolment: Enrolment, first: date | None, last: date | None) -> tuple[date, date]:
    """The period asked for (`from`, `to`), by default the whole of training_bounds; 400 outside them."""
    start, end = training_bounds(enrolment)
    if end < start:
        abort(400, description=_("Rien à certifier : la formation commence le %(day)s.", day=_long(start)))
    first, last = first or start, last or end
    within = _("entre le %(start)s et le %(end)s.", start=_long(start), end=_long(end))
    if not start <= first <= end:
        bad("from", within)
    if not start <= last <= end:
        bad("to", within)
    if last < first:
        bad("to", _("la fin de la période précède son début."))
    return first, last


def certificate_hours(enrolment: Enrolment, first: date, last: date) -> Hours:
    """The learner's hours over the period, as hours.py defines them (one query)."""
    row = db.session.execute(
        counted_records(*minute_sums()).where(
            AttendanceRecord.enrolment_id == enrolment.id, AttendanceSession.day.between(first, last)
        )
    ).one()
    return Hours.of(row)


def signatory(user: User) -> str:
    """Who signs: the manager printing it, else the organisation's manager (ORGANISATION_MANAGER)."""
    if user.role == Role.MANAGER:
        return user.name
    return current_app.config["ORGANISATION_MANAGER"]


def certificate(enrolment: Enrolment, first: date, last: date, user: User) -> Certificate:
    """The certificate of `enrolment` over first..last, signed by signatory(user) today."""
    return Certificate(
        learner=enrolment.learner,
        cohort=enrolment.cohort,
        first=first,
        last=last,
        hours=certificate_hours(enrolment, first, last),
        entreprise=EntrepriseHours.of(placements_of([enrolment.id]).get(enrolment.id, []), first, last),
        signatory=signatory(user),
        signed_on=dates.today(),
    )


def _long(day: date) -> str:
    return format_date(day, "d MMMM yyyy")


def _hours_text(value: object) -> str:
    return format_decimal(value, "0.00")


def _organisation_lines() -> list[str]:
    config = current_app.config
    return [
        *config["ORGANISATION_ADDRESS"].splitlines(),
        _("SIRET : %(siret)s", siret=config["ORGANISATION_SIRET"]),
        _("Numéro de déclaration d'activité : %(nda)s", nda=config["ORGANISATION_NDA"]),
        _("(cet enregistrement ne vaut pas agrément de l'État)"),
    ]


def _certificate_facts(document: Document, sheet: Certificate) -> None:
    programme = sheet.cohort.programme
    document.facts_line(_("Stagiaire"), sheet.learner.full_name)
    document.facts_line(_("Action suivie"), f"{programme.title} ({programme.rncp_code})")
    document.facts_line(_("Promotion"), f"{sheet.cohort.name}, {sheet.cohort.site.name}")
    document.facts_line(_("Nature de l'action"), _("action de formation (article L6313-1 du Code du travail)"))
    document.facts_line(_("Période"), _("du %(first)s au %(last)s", first=_long(sheet.first), last=_long(sheet.last)))
    entreprise = sheet.entreprise
    # Centre and company together: the « entreprise » days are part of the action (never counted as absences).
    done = Hours(
        planned_minutes=sheet.hours.planned_minutes + entreprise.planned_minutes,
        present_minutes=sheet.hours.present_minutes + entreprise.confirmed_minutes,
    )
    document.facts_line(
        _("Durée réalisée"),
        _(
            "%(present)s heures réalisées sur %(planned)s heures prévues",
            present=_hours_text(done.present_hours),
            planned=_hours_text(done.planned_hours),
        ),
    )
    if entreprise.planned_minutes:
        confirmed = _hours_text(entreprise.confirmed_hours)
        document.paragraph(_("dont en entreprise : %(hours)s h (confirmées par le tuteur)", hours=confirmed))


def certificate_pdf(sheet: Certificate) -> bytes:
    """The certificate as a PDF: portrait A4, one page."""
    organisation = organisation_name()
    document = Document(_("Certificat de réalisation"), organisation, footer_note=printed_on(dates.now()))
    document.set_subject(f"{sheet.learner.full_name} · {_long(sheet.first)} – {_long(sheet.last)}")
    document.title_block()
    document.paragraph("\n".join(_organisation_lines()), size=9)
    document.ln(2)
    document.paragraph(
        _(
            "Je soussigné·e %(name)s, représentant·e de l'organisme de formation %(organisation)s, atteste que :",
            name=sheet.signatory,
            organisation=organisation,
        )
    )
    _certificate_facts(document, sheet)
    document.ln(2)
    document.paragraph(
        _(
            "Heures réalisées : les heures de présence relevées sur les feuilles d'émargement, absences, retards et "
            "départs anticipés déduits, et les heures en entreprise confirmées par le tuteur ou la tutrice (jours de "
            "présence de ses formulaires dont la période est dans celle du certificat) ; heures prévues : celles des "
            "demi-journées de formation tenues au centre sur la période, jours de stage exceptés, et celles des jours "
            "en entreprise de la convention."
        ),
        size=8,
    )
    document.paragraph(
        _(
            "Sans préjudice des délais imposés par les règles fiscales, comptables ou commerciales, je m'engage à "
            "conserver l'ensemble des pièces justificatives qui ont permis d'établir le présent certificat pendant "
            "une durée de 3 ans à compter de la fin de l'année du dernier paiement."
        ),
        size=9,
    )
    document.signature_block(
        _("Fait à %(place)s, le %(day)s", place=sheet.cohort.site.name, day=_long(sheet.signed_on)),
        sheet.signatory,
        _("Signature et cachet de l'organisme de formation"),
    )
    return document.to_bytes()


def certificate_filename(learner: Learner, first: date, last: date) -> str:
    """« certificat-realisation-12-2026-09-07-2026-11-26.pdf »."""
    return f"certificat-realisation-{learner.id}-{first.isoformat()}-{last.isoformat()}.pdf"
