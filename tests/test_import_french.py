"""The learner import with the files a French school keeps: French headers and values (aliases.py), Excel's CSV in
Windows-1252, XLSX files (and malicious ones), every bad line reported, the template to download, the command
line in one language."""

import csv
import html
import io
import re
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bootcamp.extensions import db
from bootcamp.importing.aliases import ALIASES, KINDS, key
from bootcamp.labels import label
from bootcamp.models import Diploma, EnrolmentStatus, Gender, Learner, Referrer

from . import factories
from .conftest import AuthActions, page_form

# As a school's secretary saves it from Excel (« CSV (séparateur : point-virgule) »): Windows-1252, `;`, a trailing
# `;`, H/F, BTS, Licence, « pole emploi », a date column Excel turned into numbers, a postal code without its 0.
FRENCH_CSV = (
    "Nom;Prénom;E-mail;Date de naissance;Genre;Diplôme;Prescripteur;Code postal;Demandeur d'emploi;QPV;RQTH;"
    "Statut;Date de sortie;Motif d'abandon;\r\n"
    "Éluard;Émilie;Emilie.Eluard@example.net;03/04/1995;F;BTS;pole emploi;1000;oui;x;non;;;;\r\n"
    "Bérénice;Noël;noel.berenice@example.net;35840;H;Licence;Mission locale;48000;non;;;En formation;;;\r\n"
    "Çelik;Aïcha;aicha.celik@example.net;1990-12-24;Autre;CAP;France Travail;48100;;;1;Abandon;15/10/2026;Santé;\r\n"
).encode("cp1252")


def _url(world) -> str:
    return f"/cohorts/{world.cohort_id}/import"


def _preview(client: FlaskClient, url: str, content: bytes, name: str):
    form = page_form(client, url)
    form["file"] = (io.BytesIO(content), name)
    return client.post(url, data=form, content_type="multipart/form-data")


def _confirm(client: FlaskClient, url: str, preview) -> str:
    hidden = r'<input id="(?:confirm-)?(content|digest|csrf_token)" name="\1" type="hidden" value="([^"]*)"'
    fields = re.findall(hidden, preview.text)
    return client.post(url, data={name: html.unescape(value) for name, value in fields}).text


def _learners(app: Flask) -> dict[str, Learner]:
    with app.app_context():
        learners = db.session.scalars(sa.select(Learner)).all()
        for learner in learners:
            learner.enrolments[0].status  # loaded before the session ends
        return {learner.email: learner for learner in learners}


def _check_french_learners(app: Flask) -> None:
    learners = _learners(app)
    emilie, noel, aicha = (learners[f"{who}@example.net"] for who in ("emilie.eluard", "noel.berenice", "aicha.celik"))
    assert (emilie.first_name, emilie.last_name, emilie.gender, emilie.diploma) == (
        "Émilie",
        "Éluard",
        Gender.FEMALE,
        Diploma.BAC_2,
    )
    assert (emilie.referrer, emilie.postal_code, emilie.jobseeker, emilie.qpv, emilie.rqth) == (
        Referrer.FRANCE_TRAVAIL,
        "01000",
        True,
        True,
        False,
    )
    assert (noel.gender, noel.birth_date, noel.diploma, noel.referrer) == (
        Gender.MALE,
        date(1998, 2, 14),
        Diploma.BAC_3_PLUS,
        Referrer.MISSION_LOCALE,
    )
    assert (aicha.gender, aicha.diploma, aicha.rqth, aicha.birth_date) == (
        Gender.OTHER,
        Diploma.BELOW_BAC,
        True,
        date(1990, 12, 24),
    )
    enrolment = aicha.enrolments[0]
    assert (enrolment.status, enrolment.exit_date, enrolment.dropout_reason.value) == (
        EnrolmentStatus.DROPPED,
        date(2026, 10, 15),
        "health",
    )


def test_a_french_file_from_excel_imports_on_the_web(app: Flask, client: FlaskClient, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    preview = _preview(client, _url(world), FRENCH_CSV, "stagiaires.csv")
    assert preview.status_code == 200, re.findall(r"<li>(.*?)</li>", preview.text)
    assert "Fichier lu : CSV, Windows-1252." in preview.text and "3 créations" in preview.text
    assert "Import terminé : 3 créés" in _confirm(client, _url(world), preview)
    _check_french_learners(app)


def test_a_french_file_imports_from_the_command_line_in_english(app: Flask, world, tmp_path) -> None:
    path = tmp_path / "stagiaires.csv"
    path.write_bytes(FRENCH_CSV)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "learners", str(path), "--cohort", "mende 2026 AUTOMNE"])
    assert result.exit_code == 0 and "Imported learners: 3 created" in result.output, result.output
    _check_french_learners(app)
    path.write_bytes(FRENCH_CSV.replace(b";F;BTS;", b";Z;BTS;"))
    refused = runner.invoke(args=["import", "learners", str(path), "--cohort", "Mende 2026 automne"])
    assert refused.exit_code == 1 and "line 2, column Genre: “Z” is not a known code" in refused.output
    assert "ligne" not in refused.output and "colonne" not in refused.output


def test_a_cohort_is_named_whatever_its_case_and_accents(app: Flask, world, tmp_path) -> None:
    with app.app_context():
        factories.cohort("Génolhac 2027")
        db.session.commit()
    path = tmp_path / "stagiaires.csv"
    path.write_bytes(FRENCH_CSV)
    result = app.test_cli_runner().invoke(args=["import", "learners", str(path), "--cohort", "GENOLHAC  2027"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        names = db.session.scalars(sa.select(Learner).where(Learner.email == "aicha.celik@example.net")).one()
        assert [e.cohort.name for e in names.enrolments] == ["Génolhac 2027"]


def _xlsx(rows: list[list], title: str = "Stagiaires") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


FRENCH_ROWS = [
    ["NOM", "prénom ", "Courriel", "Né(e) le", "Sexe", "Niveau", "Prescripteur", "CP", "QPV", "Reconversion"],
    ["Éluard", "Émilie", "emilie.eluard@example.net", datetime(1995, 4, 3), "Femme", "BTS-DUT", "Pôle emploi"]
    + [1000, True, "X"],
    ["Bérénice", "Noël", "noel.berenice@example.net", date(1998, 2, 14), "homme", "Master", "ML", 48000, False, None],
]


def test_an_xlsx_file_imports_with_the_same_preview_and_confirmation(
    app: Flask, client: FlaskClient, auth: AuthActions, world
) -> None:
    auth.login("manager@example.org")
    preview = _preview(client, _url(world), _xlsx(FRENCH_ROWS), "stagiaires.xlsx")
    assert preview.status_code == 200, re.findall(r"<li>(.*?)</li>", preview.text)
    assert "Fichier lu : XLSX, feuille « Stagiaires »." in preview.text and "2 créations" in preview.text
    assert "Import terminé : 2 créés" in _confirm(client, _url(world), preview)
    learners = _learners(app)
    emilie, noel = learners["emilie.eluard@example.net"], learners["noel.berenice@example.net"]
    assert (emilie.birth_date, emilie.postal_code, emilie.qpv, emilie.career_change, emilie.diploma) == (
        date(1995, 4, 3),
        "01000",
        True,
        True,
        Diploma.BAC_2,
    )
    assert (noel.gender, noel.qpv, noel.career_change, noel.diploma) == (Gender.MALE, False, False, Diploma.BAC_3_PLUS)


def _rewritten(content: bytes, change) -> bytes:
    """The XLSX archive with its parts changed by `change(name, data) -> data`, and any part it adds."""
    source, output = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            target.writestr(part.filename, change(part.filename, source.read(part.filename)))
        if extra := change("extra", None):
            target.writestr("xl/media/extra.bin", extra)
    return output.getvalue()


def _huge_dimension(name: str, data: bytes | None) -> bytes | None:
    if name == "xl/worksheets/sheet1.xml":
        return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
    return data


def _bomb(name: str, data: bytes | None) -> bytes | None:
    return b"\0" * 20_000_000 if name == "extra" else data  # 20 MB that deflate to 20 kB


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: _rewritten(_xlsx(FRENCH_ROWS), _huge_dimension), "la feuille a plus de 10000 lignes"),
        (lambda: _rewritten(_xlsx(FRENCH_ROWS), _bomb), "le fichier XLSX est anormalement compressé"),
        (lambda: b"PK\x03\x04" + b"\0" * 200, "le fichier n'est pas un XLSX lisible"),
        (lambda: _xlsx([row + [None] * 50 + ["?"] for row in FRENCH_ROWS]), "la feuille a plus de 50 colonnes"),
        (lambda: _xlsx([FRENCH_ROWS[0]] + [FRENCH_ROWS[1]] * 4), "la feuille a plus de 3 lignes"),
    ],
)
def test_an_oversized_or_malicious_xlsx_file_is_refused(
    app: Flask, client: FlaskClient, auth: AuthActions, world, monkeypatch, make, message
) -> None:
    from bootcamp.importing import reading

    monkeypatch.setattr(reading, "WEB_MAX_ROWS", 3 if "3 lignes" in message else reading.WEB_MAX_ROWS)
    auth.login("manager@example.org")
    refused = _preview(client, _url(world), make(), "stagiaires.xlsx")
    assert refused.status_code == 422 and message in html.unescape(refused.text)
    assert "Confirmer l" not in refused.text and len(_learners(app)) == 2


def test_every_badly_encoded_line_is_reported(app: Flask, client: FlaskClient, auth: AuthActions, world) -> None:
    header = "\ufeffNom;Prénom;E-mail;Date de naissance;Genre\n".encode()
    lines = [f"Nom{n};Prénom{n};p{n}@example.net;01/01/1990;F\n" for n in range(5)]
    mixed = header + b"".join(line.encode("cp1252" if n in (1, 3) else "utf-8") for n, line in enumerate(lines))
    unreadable = "Nom;Prénom;E-mail;Date de naissance;Genre\n".encode("cp1252") + b"".join(
        line.encode("cp1252").replace(b"Pr\xe9nom1", b"Pr\x81nom1").replace(b"Pr\xe9nom4", b"Pr\x81nom4")
        for line in lines
    )
    auth.login("manager@example.org")
    for content, bad in ((mixed, (3, 5)), (unreadable, (3, 6))):
        refused = _preview(client, _url(world), content, "stagiaires.csv")
        problems = re.findall(r"<li>ligne (\d+) : (.*?)</li>", refused.text)
        assert refused.status_code == 422 and [int(line) for line, _reason in problems] == list(bad), problems
    assert "octet 0x81 illisible" in refused.text


def test_the_template_downloads_reads_back_and_imports(
    app: Flask, client: FlaskClient, auth: AuthActions, world, count_queries
) -> None:
    auth.login("manager@example.org")
    with count_queries() as queries:
        csv_file = client.get("/cohorts/import/template.csv")
    assert queries.count == 1  # the user of the session, as every page
    assert csv_file.status_code == 200 and "attachment" in csv_file.headers["Content-Disposition"]
    assert csv_file.headers["Content-Type"] == "text/csv; charset=utf-8"  # said once
    assert csv_file.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_file.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Nom", "Prénom", "E-mail", "Date de naissance", "Genre"] and len(rows) == 2
    xlsx_file = client.get("/cohorts/import/template.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_file.data)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == rows[0] and sheet.max_row == 2
    for content, name in ((csv_file.data, "modele.csv"), (xlsx_file.data, "modele.xlsx")):
        assert "1 création" in _preview(client, _url(world), content, name).text
    auth.logout()
    auth.login("trainer@example.org")
    assert client.get("/cohorts/import/template.csv").status_code in (403, 404)


def test_the_import_page_lists_the_aliases_and_the_templates(
    client: FlaskClient, auth: AuthActions, world, count_queries
) -> None:
    auth.login("manager@example.org")
    with count_queries() as queries:
        page = client.get(_url(world)).text
    assert queries.count == 2  # the user of the session, the cohort
    for words in ("Pôle emploi", "BTS/DUT", "Courriel", "Date de naissance", "/cohorts/import/template.xlsx"):
        assert html.escape(words, quote=False) in page or words in page


def test_the_aliases_never_mean_two_things() -> None:
    """Within a kind, a word names one code: never another code's code or screen label, never two codes."""
    for enum_class, kind in KINDS.items():
        taken = {key(member.value): member.value for member in enum_class}
        taken |= {key(str(label(member))): member.value for member in enum_class}
        for code, aliases in ALIASES[kind].items():
            for alias in aliases:
                assert taken.setdefault(key(alias), code) == code, (kind, alias)
    columns: dict[str, str] = {}
    for table in (ALIASES["column"], ALIASES["flag"]):
        for column, aliases in table.items():
            for alias in (column, *aliases):
                assert columns.setdefault(key(alias), column) == column, alias


def test_a_phone_excel_took_for_a_number_gets_its_zero_back(
    app: Flask, client: FlaskClient, auth: AuthActions, world
) -> None:
    """A secretary types 0612345678 in a cell of the template: Excel keeps 612345678, in the XLSX as in its CSV."""
    auth.login("manager@example.org")
    header = ["Nom", "Prénom", "E-mail", "Date de naissance", "Genre", "Téléphone"]
    rows = [
        header,
        ["Éluard", "Émilie", "emilie.eluard@example.net", date(1995, 4, 3), "F", 612345678],
        ["Bérénice", "Noël", "noel.berenice@example.net", date(1998, 2, 14), "H", "+33 6 12 34 56 78"],
    ]
    preview = _preview(client, _url(world), _xlsx(rows), "stagiaires.xlsx")
    assert "Import terminé : 2 créés" in _confirm(client, _url(world), preview)
    csv_file = ";".join(header) + "\r\nÇelik;Aïcha;aicha.celik@example.net;24/12/1990;F;781223344\r\n"
    preview = _preview(client, _url(world), csv_file.encode("cp1252"), "eleves.csv")
    assert "Import terminé : 1 créé" in _confirm(client, _url(world), preview)
    phones = {email: learner.phone for email, learner in _learners(app).items()}
    assert phones["emilie.eluard@example.net"] == "0612345678" and phones["aicha.celik@example.net"] == "0781223344"
    assert phones["noel.berenice@example.net"] == "+33 6 12 34 56 78"  # written otherwise: kept as written


def test_the_preview_page_gives_each_id_once(client: FlaskClient, auth: AuthActions, world) -> None:
    """The confirmation's hidden fields had the ids of <main id="content"> and of the upload's csrf_token (W3C)."""
    auth.login("manager@example.org")
    preview = _preview(client, _url(world), FRENCH_CSV, "eleves.csv")
    ids = re.findall(r'\sid="([^"]+)"', preview.text)
    assert "Confirmer l'import" in preview.text and len(ids) == len(set(ids)), sorted(ids)
