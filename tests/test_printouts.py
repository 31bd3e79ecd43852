"""The printed documents, read back from the PDF files: the week's sign-in sheet and the « certificat de
réalisation » (their text on hand-made calendars, the parameters, who may print them, the queries they run)."""

import io
from datetime import date, datetime, time

import pypdf
import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.models import (
    AbsenceReason,
    AttendanceSession,
    Cohort,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    HalfDay,
    Justification,
    Presence,
    SessionKind,
    SessionState,
    SignatureSource,
    User,
)
from bootcamp.pdf import Document, clock, safe_text

from . import factories
from .conftest import AuthActions
from .factories import WORLD_DAY

TUESDAY, WEDNESDAY, THURSDAY = date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19)
ORGANISATION = {
    "ORGANISATION_NAME": "Lefèvre & Œuvre formation",
    "ORGANISATION_ADDRESS": "1 rue de l’Œuvre\n48000 Mende",
    "ORGANISATION_SIRET": "123 456 789 00010",
    "ORGANISATION_NDA": "76 48 01234 48",
    "ORGANISATION_MANAGER": "Chloé Lefèvre",
}


def pdf_reader(data: bytes) -> pypdf.PdfReader:
    assert data.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(data))


def words(text: str) -> str:
    """The text with every run of white space (line breaks, no-break spaces) as one space."""
    return " ".join(text.split())


def pdf_text(data: bytes) -> str:
    return words(" ".join(page.extract_text() for page in pdf_reader(data).pages))


def _sheet_url(world, week: str = WORLD_DAY.isoformat(), cohort_id: int | None = None) -> str:
    return f"/cohorts/{cohort_id or world.cohort_id}/attendance/sheet.pdf?week={week}"


def _certificate_url(world, query: str = "", learner_id: int | None = None) -> str:
    return f"/learners/{learner_id or world.learner_id}/attendance/certificate.pdf{query}"


def _make_week(app: Flask, world) -> None:
    """The week of WORLD_DAY in the trainer's cohort: Monday morning and afternoon (closed by the trainer at 17:05),
    Tuesday cancelled then in a company, Wednesday morning not taken; Luc (absent Monday morning, unjustified),
    Zoé Œuvre, Ana Martin, Léo Petit (left on Tuesday), and Gaston Parti who left before the week."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        luc = db.session.get(Enrolment, world.enrolment_id)
        zoe = factories.learner(cohort, first_name="Zoé", last_name="Œuvre").enrolments[0]
        ana = factories.learner(cohort, first_name="Ana", last_name="Martin").enrolments[0]
        leo = factories.learner(cohort, first_name="Léo", last_name="Petit").enrolments[0]
        _leave(leo, TUESDAY)
        _leave(factories.learner(cohort, first_name="Gaston", last_name="Parti").enrolments[0], date(2026, 11, 2))
        monday = db.session.get(AttendanceSession, world.session_id)
        factories.attendance(monday, zoe, signed_at=datetime(2026, 11, 16, 9, 2)).source = SignatureSource.CODE
        factories.attendance(monday, ana, Presence.LATE, minutes=15)
        factories.attendance(monday, leo)
        afternoon = factories.half_day(cohort, WORLD_DAY, HalfDay.PM)
        afternoon.state, afternoon.closed_at = SessionState.CLOSED, datetime(2026, 11, 16, 17, 5)
        afternoon.closed_by = db.session.scalar(sa.select(User).where(User.email == "trainer@example.org"))
        factories.attendance(
            afternoon, luc, Presence.ABSENT, reason=AbsenceReason.FAMILY, justification=Justification.ACCEPTED
        )
        signed = datetime(2026, 11, 16, 13, 31)
        early = factories.attendance(afternoon, zoe, Presence.LEFT_EARLY, minutes=30, signed_at=signed)
        early.source = SignatureSource.CODE
        factories.attendance(afternoon, ana).source = SignatureSource.IMPORT
        factories.half_day(cohort, TUESDAY).state = SessionState.CANCELLED
        factories.half_day(cohort, TUESDAY, HalfDay.PM).kind = SessionKind.PLACEMENT
        factories.half_day(cohort, WEDNESDAY)
        factories.attendance(factories.half_day(cohort, date(2026, 11, 23)), luc)  # the next week
        db.session.commit()


def _leave(enrolment: Enrolment, day: date) -> None:
    enrolment.status, enrolment.exit_date, enrolment.dropout_reason = (
        EnrolmentStatus.DROPPED,
        day,
        DropoutReason.MOTIVATION,
    )


def test_the_sheet_of_a_hand_made_week(app: Flask, client, auth: AuthActions, world) -> None:
    _make_week(app, world)
    auth.login("trainer@example.org")
    response = client.get(_sheet_url(world, "2026-11-19"))  # any day of the week
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="emargement-mende-2026-automne-2026-11-16.pdf"'
    )
    text = pdf_text(response.data)
    for expected in (
        "Feuille d'émargement",
        "Formation : Développeur web et web mobile (RNCP37674)",
        "Promotion : Mende 2026 automne",
        "Site : Mende",
        "Formateur·rices : Thomas Formateur",
        "Semaine : du lundi 16 novembre 2026 au dimanche 22 novembre 2026",
        "lun. 16/11 matin 9:00–12:30 3 h 30 prévues lun. 16/11 après-midi 13:30–17:00 3 h 30 prévues mar. 17/11",
        "mer. 18/11 matin",
        # One row per learner, by name (« Œuvre » among the O): each half-day's cell in order.
        "Lefèvre Luc absent·e — non justifiée absent·e — justifiée annulée en entreprise —",
        "Martin Ana retard 15 min (noté par le formateur) présent·e (importé) annulée en entreprise —",
        "Œuvre Zoé signé 9 h 02 (code) signé 13 h 31 (code) parti·e 30 min plus tôt annulée en entreprise —",
        "Petit Léo présent·e (noté par le formateur) — annulée en entreprise sorti·e",
        "Validation du formateur non validée validée par Thomas Formateur le 16/11 à 17 h 05 annulée en entreprise "
        "non validée",
        "Page 1 / 1",
    ):
        assert expected in text, expected
    assert text.index("Lefèvre Luc") < text.index("Martin Ana") < text.index("Œuvre Zoé") < text.index("Petit Léo")
    assert "Parti" not in text  # left before the week
    assert "Roux" not in text and "23/11" not in text  # another cohort, another week
    assert "famil" not in text.lower()  # no absence reason on the sheet


def test_the_sheet_names_itself_in_its_metadata(app: Flask, client, auth: AuthActions, world) -> None:
    app.config.update(ORGANISATION)
    auth.login("manager@example.org")
    reader = pdf_reader(client.get(_sheet_url(world)).data)
    assert reader.metadata.title == "Feuille d'émargement"
    assert reader.metadata.author == "Lefèvre & Œuvre formation"
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    assert words(page.extract_text()).startswith("Lefèvre & Œuvre formation Feuille d'émargement")


def test_the_sheet_defaults_to_this_week(client, auth: AuthActions, world, monkeypatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: date(2026, 11, 21))  # a Saturday
    auth.login("trainer@example.org")
    response = client.get(f"/cohorts/{world.cohort_id}/attendance/sheet.pdf")
    assert response.status_code == 200 and "2026-11-16.pdf" in response.headers["Content-Disposition"]
    assert "Lefèvre Luc absent·e — non justifiée" in pdf_text(response.data)


def test_a_week_without_half_days_says_so(client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    text = pdf_text(client.get(_sheet_url(world, "2026-12-30")).data)
    assert "Aucune demi-journée n'est prévue cette semaine." in text
    assert "Lefèvre Luc" in text  # still in training that week
    text = pdf_text(client.get(_sheet_url(world, "2026-08-31")).data)  # before the cohort starts
    assert "Lefèvre" not in text


def test_a_long_sheet_repeats_its_header_on_each_page_in_a_fixed_number_of_queries(
    app: Flask, client, auth: AuthActions, world, count_queries
) -> None:
    auth.login("trainer@example.org")

    def count() -> int:
        with count_queries() as counter:
            assert client.get(_sheet_url(world)).status_code == 200
        return counter.count

    few = count()
    _make_week(app, world)
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        sessions = db.session.scalars(
            sa.select(AttendanceSession).where(
                AttendanceSession.cohort_id == cohort.id, AttendanceSession.day == WORLD_DAY
            )
        ).all()
        for number in range(25):
            enrolment = factories.learner(cohort, first_name="Ève", last_name=f"Zèbre{number:02d}").enrolments[0]
            for session in sessions:
                factories.attendance(session, enrolment, Presence.LATE, minutes=number + 1)
        db.session.commit()
    assert count() == few
    reader = pdf_reader(client.get(_sheet_url(world)).data)
    pages = [words(page.extract_text()) for page in reader.pages]
    assert len(pages) > 1 and "Zèbre24 Ève" in " ".join(pages[1:])
    for number, text in enumerate(pages, start=1):
        assert "Apprenant·e lun. 16/11 matin 9:00–12:30" in text and f"Page {number} / {len(pages)}" in text
    assert "Feuille d'émargement" in pages[0] and "Semaine :" not in pages[1]  # the title block once


def test_sheet_parameters_are_checked(client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    for week in ("2026-02-30", "lundi", "1899-12-31", "2026-W47", "99999-01-01"):
        response = client.get(_sheet_url(world, week))
        assert response.status_code == 400, week
        assert "week" in response.text


def _certificate_calendar(app: Flask, world) -> None:
    """Luc's half-days around WORLD_DAY: absent Monday morning (unjustified, the world's) and afternoon (justified),
    Tuesday cancelled then in a company (a record on each, which counts for nothing), late 30 min on Wednesday
    morning, left 60 min early on a three-hour Wednesday afternoon, present on Thursday morning."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        luc = db.session.get(Enrolment, world.enrolment_id)
        afternoon = factories.half_day(cohort, WORLD_DAY, HalfDay.PM)
        factories.attendance(afternoon, luc, Presence.ABSENT, justification=Justification.ACCEPTED)
        cancelled = factories.half_day(cohort, TUESDAY)
        cancelled.state = SessionState.CANCELLED
        factories.attendance(cancelled, luc)
        placement = factories.half_day(cohort, TUESDAY, HalfDay.PM)
        placement.kind = SessionKind.PLACEMENT
        factories.attendance(placement, luc)
        factories.attendance(factories.half_day(cohort, WEDNESDAY), luc, Presence.LATE, minutes=30)
        shorter = factories.half_day(cohort, WEDNESDAY, HalfDay.PM, ends=time(16, 30))
        factories.attendance(shorter, luc, Presence.LEFT_EARLY, minutes=60)
        factories.attendance(factories.half_day(cohort, THURSDAY), luc)
        db.session.commit()


def test_the_certificate_states_the_mandatory_mentions_and_the_hours(
    app: Flask, client, auth: AuthActions, world, monkeypatch
) -> None:
    monkeypatch.setattr(dates, "today", lambda: THURSDAY)
    app.config.update(ORGANISATION)
    _certificate_calendar(app, world)
    auth.login("trainer@example.org")
    response = client.get(_certificate_url(world, "?from=2026-11-16&to=2026-11-18"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="certificat-realisation-{world.learner_id}-2026-11-16-2026-11-18.pdf"'
    )
    reader = pdf_reader(response.data)
    assert len(reader.pages) == 1 and reader.metadata.title == "Certificat de réalisation"
    text = pdf_text(response.data)
    for expected in (
        "Lefèvre & Œuvre formation Certificat de réalisation 1 rue de l’Œuvre 48000 Mende",
        "SIRET : 123 456 789 00010",
        "Numéro de déclaration d'activité : 76 48 01234 48",
        "Je soussigné·e Chloé Lefèvre, représentant·e de l'organisme de formation Lefèvre & Œuvre formation",
        "Stagiaire : Luc Lefèvre",
        "Action suivie : Développeur web et web mobile (RNCP37674)",
        "Nature de l'action : action de formation (article L6313-1 du Code du travail)",
        "Période : du 16 novembre 2026 au 18 novembre 2026",
        # Planned: 3.5 + 3.5 + 3.5 + 3 (Tuesday counts for nothing); present: 3.5 − 0.5 and 3 − 1.
        "Durée réalisée : 5,00 heures réalisées sur 13,50 heures prévues",
        "Fait à Mende, le 19 novembre 2026 Chloé Lefèvre Signature et cachet de l'organisme de formation",
        "Page 1 / 1",
    ):
        assert expected in text, expected


def test_the_certificate_covers_the_training_to_date_by_default(
    app: Flask, client, auth: AuthActions, world, monkeypatch
) -> None:
    monkeypatch.setattr(dates, "today", lambda: THURSDAY)
    _certificate_calendar(app, world)
    auth.login("manager@example.org")
    text = pdf_text(client.get(_certificate_url(world)).data)
    assert "Période : du 7 septembre 2026 au 19 novembre 2026" in text
    assert "8,50 heures réalisées sur 17,00 heures prévues" in text  # Thursday morning too
    assert "Je soussigné·e manager," in text and "Claire Aubrac" not in text  # the manager printing it signs
    with app.app_context():
        _leave(db.session.get(Enrolment, world.enrolment_id), WEDNESDAY)
        db.session.commit()
    text = pdf_text(client.get(_certificate_url(world)).data)
    assert "du 7 septembre 2026 au 18 novembre 2026" in text and "5,00 heures réalisées sur 13,50" in text


def test_certificate_parameters_are_checked(client, auth: AuthActions, world, monkeypatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: THURSDAY)
    auth.login("trainer@example.org")
    for query in (
        "?from=2026-13-01",
        "?from=today",
        "?from=2026-09-06",  # before the cohort's start
        "?to=2026-11-20",  # after today
        "?from=2026-11-18&to=2026-11-17",
        "?cohort=abc",
    ):
        response = client.get(_certificate_url(world, query))
        assert response.status_code == 400, query
    response = client.get(_certificate_url(world, "?from=2026-09-06"))
    assert "entre le 7 septembre 2026 et le 19 novembre 2026" in response.text
    assert client.get(_certificate_url(world, f"?cohort={world.other_cohort_id}")).status_code == 404
    monkeypatch.setattr(dates, "today", lambda: date(2026, 9, 1))  # before the cohort starts: nothing to certify
    response = client.get(_certificate_url(world))
    assert response.status_code == 400 and "Rien à certifier" in response.text


@pytest.mark.parametrize(
    "email,mine,theirs",
    [
        ("trainer@example.org", 200, 404),
        ("manager@example.org", 200, 200),
        ("learner@example.org", 404, 404),
        ("admin@example.org", 404, 404),
    ],
)
def test_who_may_print(client, auth: AuthActions, world, email: str, mine: int, theirs: int) -> None:
    auth.login(email)
    day = "?from=2026-10-01&to=2026-10-30"  # within both cohorts' training, before Rose left
    assert client.get(_sheet_url(world)).status_code == mine
    assert client.get(_sheet_url(world, cohort_id=world.other_cohort_id)).status_code == theirs
    assert client.get(_certificate_url(world, day)).status_code == mine
    assert client.get(_certificate_url(world, day, learner_id=world.other_learner_id)).status_code == theirs


def test_the_certificate_runs_a_fixed_number_of_queries(
    app: Flask, client, auth: AuthActions, world, count_queries, monkeypatch
) -> None:
    monkeypatch.setattr(dates, "today", lambda: THURSDAY)
    auth.login("trainer@example.org")

    def count() -> int:
        with count_queries() as counter:
            assert client.get(_certificate_url(world)).status_code == 200
        return counter.count

    few = count()
    _certificate_calendar(app, world)
    assert count() == few


def test_the_learner_overview_links_to_the_certificate(client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}/learners/{world.learner_id}").text
    assert f'href="/learners/{world.learner_id}/attendance/certificate.pdf?cohort={world.cohort_id}"' in page


def test_french_text_reads_back_from_the_pdf(app: Flask) -> None:
    with app.test_request_context():
        document = Document("Œuvre « présent·e »", "Lefèvre")
        document.title_block([("Heure", clock(9, 2))])
        document.paragraph("Lefèvre « Œuvre » présent·e l’été – œuf… Nguyễn ≥ 3\u202f%")
        document.table_of(["Nom", "Signature"], [["Lefèvre", f"signé {clock(9, 2)}"]], [2, 1])
        data = document.to_bytes()
    text = pdf_text(data)
    assert "Lefèvre Œuvre « présent·e » Heure : 9 h 02" in text
    assert "Lefèvre « Œuvre » présent·e l’été – œuf… Nguyen >= 3 %" in text
    assert "Nom Signature Lefèvre signé 9 h 02" in text
    assert pdf_reader(data).metadata.title == "Œuvre « présent·e »"


def test_characters_outside_the_core_fonts_are_mapped() -> None:
    assert safe_text("Lefèvre « Œuvre » présent·e – …") == "Lefèvre « Œuvre » présent·e – …"
    assert safe_text("Nguyễn Đức") == "Nguyen ?uc"
    assert safe_text("9\u202fh\u202f02 ≥ 2 → 😀") == "9\u00a0h\u00a002 >= 2 -> ?"
