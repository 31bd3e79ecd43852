"""Insertion indicators: hand-made leavers, every CSV column, small groups, the page and its exports."""

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import openpyxl
import plotly.graph_objects as go
import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.dates import due_cutoff
from bootcamp.extensions import db
from bootcamp.indicators import Filters
from bootcamp.models import (
    Certification,
    Cohort,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    Gender,
    Outcome,
    PublicFlag,
    Site,
    Situation,
)
from bootcamp.reports.queries import indicator_rows

from . import factories
from .conftest import AuthActions

AS_OF = "2026-06-01"
# The machine format of /insertion/export.csv and `flask export indicators`: scripts read it, it never changes.
MACHINE_HEADER = (
    "group,entrants,dropped,finished,sat_exam,certified,due,known,employed,durable,positive,"
    "employment_rate,positive_rate,durable_rate,response_rate,conservative_employment_rate"
)
# The people's format (XLSX, « CSV pour Excel »): French headers, the group's label then its code.
PEOPLE_HEADER = (
    "Groupe",
    "Code",
    "Entrées",
    "Abandons",
    "Formation terminée",
    "Présenté·es à l'examen",
    "Titre obtenu",
    "Relevés échus",
    "Situation connue",
    "En emploi",
    "En emploi durable",
    "Sortie positive",
    "Taux d'emploi",
    "Taux de sortie positive",
    "Taux d'emploi durable",
    "Taux de réponse",
    "Taux d'emploi prudent",
)
# Six kinds of leaver, three of each: (gender, status, exit, certification, situation at +6, flags)
KINDS = [
    (Gender.FEMALE, "finished", date(2025, 10, 31), Certification.OBTAINED, Situation.CDI, {"qpv", "jobseeker"}),
    (Gender.MALE, "dropped", date(2025, 3, 1), None, Situation.CDD_SHORT, {"jobseeker"}),  # a dropout who found a job
    (Gender.MALE, "finished", date(2025, 10, 31), Certification.FAILED, Situation.TRAINING, {"qpv"}),
    (Gender.MALE, "finished", date(2025, 10, 31), Certification.PARTIAL, Situation.UNKNOWN, {"rqth"}),
    (Gender.FEMALE, "finished", date(2025, 10, 31), Certification.ABSENT, None, set()),  # never followed up
    (Gender.FEMALE, "finished", date(2025, 10, 31), Certification.PENDING, Situation.JOB_SEARCH, {"rsa"}),
]


@pytest.fixture
def leavers(app: Flask) -> None:
    """18 leavers of a 2025 cohort at Mende, and one recent leaver of Alès whose +6 follow-up is not due."""
    with app.app_context():
        site = db.session.scalar(sa.select(Site).where(Site.name == "Mende")) or factories.site("Mende")
        mende = factories.cohort("Mende 2025", at=site, start=date(2025, 1, 6), end=date(2025, 10, 31))
        ales = factories.cohort("=Alès 2025", at=factories.site("=Alès"), start=date(2025, 9, 1), end=date(2026, 5, 15))
        for gender, status, exit_date, certification, situation, flags in KINDS * 3:
            learner = factories.learner(mende, gender=gender)
            learner.flags = {PublicFlag(flag) for flag in flags}
            enrolment = learner.enrolments[0]
            enrolment.status, enrolment.exit_date = EnrolmentStatus(status), exit_date
            if status == "dropped":
                enrolment.dropout_reason = DropoutReason.JOB
            factories.certify(enrolment, certification)
            if situation is not None:
                db.session.add(Outcome(enrolment=enrolment, point=6, situation=situation))
        recent = factories.learner(ales, gender=Gender.MALE)
        recent.enrolments[0].status, recent.enrolments[0].exit_date = EnrolmentStatus.FINISHED, date(2026, 5, 15)
        db.session.add(Outcome(enrolment=recent.enrolments[0], point=6, situation=Situation.CDI))  # recorded early
        db.session.commit()


def _csv(text: str) -> dict[str, dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    return {row["group"]: row for row in rows}


def _export(app: Flask, by: str, point: int = 6) -> str:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export", "indicators", "--by", by, "--point", str(point), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    return result.output


def test_due_cutoff_follows_month_ends() -> None:
    assert due_cutoff(date(2026, 2, 28), 6) == date(2025, 8, 31)  # 31 Aug + 6 months is 28 Feb
    assert due_cutoff(date(2026, 3, 1), 6) == date(2025, 9, 1)
    assert due_cutoff(date(2026, 6, 1), 0) == date(2026, 6, 1)


def test_every_column_of_the_all_row(app: Flask, leavers) -> None:
    text = _export(app, "year")
    assert text.splitlines()[0] == MACHINE_HEADER
    assert text.splitlines()[1] == "all,19,3,16,9,3,18,12,6,3,9,50.0,75.0,25.0,66.7,33.3"
    assert _csv(text)["2025"]["entrants"] == "19"


def test_a_learner_counts_in_each_of_their_publics(app: Flask, leavers) -> None:
    rows = _csv(_export(app, "public"))
    assert list(rows) == ["all", "jobseeker", "qpv", "rqth", "rsa"]  # codes, in DOMAIN.md order
    assert list(rows["jobseeker"].values())[1:] == [
        "6",
        "3",
        "3",
        "3",
        "3",
        "6",
        "6",
        "6",
        "3",
        "6",
        "100.0",
        "100.0",
        "50.0",
        "100.0",
        "100.0",
    ]
    assert list(rows["qpv"].values())[1:] == [
        "6",
        "0",
        "6",
        "6",
        "3",
        "6",
        "6",
        "3",
        "3",
        "6",
        "50.0",
        "100.0",
        "50.0",
        "100.0",
        "50.0",
    ]
    assert list(rows["rqth"].values())[1:] == ["<5"] + [""] * 14  # a group under 5 shows nothing else
    assert rows["rsa"]["entrants"] == "<5"


def test_rates_with_a_denominator_under_five_are_left_empty(app: Flask, leavers) -> None:
    rows = _csv(_export(app, "gender", point=12))
    everyone = rows["all"]
    assert everyone["due"] == "3" and everyone["known"] == "0"  # only the dropouts' +12 follow-ups are due
    assert [everyone[name] for name in ("employment_rate", "positive_rate", "response_rate")] == ["", "", ""]
    assert rows["female"]["entrants"] == "9" and rows["female"]["due"] == "0"


def test_site_and_cohort_names_cannot_become_spreadsheet_formulas(app: Flask, leavers) -> None:
    rows = _csv(_export(app, "site"))
    assert "'=Alès" in rows and rows["'=Alès"]["entrants"] == "<5"
    assert rows["Mende"]["entrants"] == "*"  # else 19 - 18 would give Alès: secondary suppression


def test_filters_change_the_numbers(app: Flask, leavers) -> None:
    with app.app_context():
        mende = db.session.scalar(sa.select(Site.id).where(Site.name == "Mende"))
        only_mende = indicator_rows(Filters(as_of=date(2026, 6, 1), site_id=mende), "gender")[0]
        women = indicator_rows(Filters(as_of=date(2026, 6, 1), gender=Gender.FEMALE), "gender")
        older = indicator_rows(Filters(as_of=date(2026, 6, 1), years=(2024,)), "gender")
    assert only_mende.entrants == 18 and women[0].entrants == 9 and older[0].entrants == 0
    assert [row.group for row in women] == ["all", "female"]


def test_csv_download_agrees_with_the_command_line(app: Flask, client, auth: AuthActions, world, leavers) -> None:
    auth.login("manager@example.org")
    for by in ("gender", "age", "public", "diploma", "referrer", "site", "cohort", "year"):
        response = client.get(f"/insertion/export.csv?by={by}&point=6&as_of={AS_OF}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.get_data(as_text=True) == _export(app, by)
    assert client.get("/insertion/export.csv?by=planet").status_code == 400
    assert "Filtres invalides" in client.get("/insertion/export.csv?by=year&point=7").get_data(as_text=True)


def test_xlsx_holds_every_breakdown_in_french(client, auth: AuthActions, world, leavers) -> None:
    auth.login("manager@example.org")
    response = client.get(f"/insertion/export.xlsx?as_of={AS_OF}")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == [
        "Définitions",
        "Genre",
        "Âge",
        "Publics",
        "Diplôme",
        "Prescripteur",
        "Site",
        "Promotion",
        "Année d'entrée",
    ]
    sheet = workbook["Année d'entrée"]
    year = list(sheet.iter_rows(values_only=True))
    assert year[0] == PEOPLE_HEADER
    assert year[1][:4] == ("ensemble", "all", 19, 3) and year[2][:3] == (2025, 2025, 19)  # years as numbers
    assert year[1][12] == 0.5 and sheet["M2"].number_format == "0.0%"  # rates as numbers shown « 50,0 % »
    assert year[1][13:] == (0.75, 0.25, 0.667, 0.333)  # world cohorts start after the as-of date
    publics = list(workbook["Publics"].iter_rows(values_only=True))
    assert publics[2][:2] == ("demandeur·se d'emploi", "jobseeker") and publics[4][:3] == ("RQTH", "rqth", "<5")
    assert set(publics[4][3:]) == {None}
    site = {line[1]: line for line in workbook["Site"].iter_rows(values_only=True)}
    assert site["'=Alès"][2] == "<5" and site["Mende"][2:] == ("*", *([None] * 14))  # no formula; the next hidden
    definitions = list(workbook["Définitions"].iter_rows(values_only=True))
    assert "+6 mois" in definitions[0][0] and any("« * »" in (line[0] or "") for line in definitions)
    columns = [line[0] for line in definitions[definitions.index(("Colonne", "Définition")) + 1:]]
    assert columns == list(PEOPLE_HEADER)  # only the columns that exist, and each of them
    assert all(line[1] for line in definitions[-len(columns):])


@pytest.fixture
def two_others(app: Flask, leavers) -> None:
    """Two more leavers of Mende, gender « autre »: 9 women, 10 men, 2 others among 21."""
    with app.app_context():
        mende = db.session.scalar(sa.select(Cohort).where(Cohort.name == "Mende 2025"))
        for _index in range(2):
            enrolment = factories.learner(mende, gender=Gender.OTHER).enrolments[0]
            enrolment.status, enrolment.exit_date = EnrolmentStatus.FINISHED, date(2025, 10, 31)
        db.session.commit()


def _figure(page: str, chart: str) -> dict:
    found = re.search(f'<script type="application/json" class="chart-data" data-target="{chart}">(.*?)</script>', page)
    return json.loads(found.group(1))


def test_one_hidden_gender_hides_the_next_smallest_everywhere(app: Flask, client, auth, world, two_others) -> None:
    """21 - 9 - 10 = 2 « autre »: the 9 women are hidden too (`*`), in the CSV, the command line, the XLSX, the CSV
    for Excel, the table (with the reason), the chart and the share of women; the `all` row stays."""
    auth.login("manager@example.org")
    text = client.get(f"/insertion/export.csv?by=gender&as_of={AS_OF}").text
    assert text == _export(app, "gender")
    assert text.splitlines()[1:] == [
        "all,21,3,18,9,3,20,12,6,3,9,50.0,75.0,25.0,60.0,30.0",
        "female,*" + "," * 14,
        "male,10,3,7,6,0,9,6,3,0,6,50.0,100.0,0.0,66.7,33.3",
        "other,<5" + "," * 14,
    ]
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/insertion/export.xlsx?as_of={AS_OF}").data))
    sheet = {line[1]: line[2:] for line in workbook["Genre"].iter_rows(values_only=True)}
    labels = {line[1]: line[0] for line in workbook["Genre"].iter_rows(values_only=True)}
    assert [labels[code] for code in ("all", "female", "male", "other")] == ["ensemble", "femme", "homme", "autre"]
    assert sheet["female"] == ("*", *[None] * 14) and sheet["other"] == ("<5", *[None] * 14) and sheet["male"][0] == 10
    excel = client.get(f"/insertion/export-excel.csv?by=gender&as_of={AS_OF}").text
    assert [line.split(";")[1:3] for line in excel.splitlines()[1:]] == [
        ["all", "21"],
        ["female", "*"],
        ["male", "10"],
        ["other", "<5"],
    ]
    page = client.get(f"/insertion?view=publics&as_of={AS_OF}").text
    flat = re.sub(r">\s+<", "><", page)
    assert '<th scope="row">femme</th><td class="num">*</td>' in flat and "en soustrayant les autres" in flat
    assert _figure(page, "chart-gender")["data"][0]["x"] == ["ensemble", "homme"]  # the chart leaves both out
    assert '<th scope="row">femmes</th><td class="num">*</td>' in flat  # its share would give « autre » too
    assert all("femmes" not in trace["y"] for trace in _figure(page, "chart-shares")["data"])


def test_the_machine_csv_keeps_its_header(app: Flask, client, auth: AuthActions, world, leavers) -> None:
    """/insertion/export.csv and `flask export indicators` are read by scripts: codes, English, commas, no BOM."""
    auth.login("manager@example.org")
    for by in ("gender", "public", "year"):
        for text in (client.get(f"/insertion/export.csv?by={by}&as_of={AS_OF}").text, _export(app, by)):
            assert text.split("\n", 1)[0] == MACHINE_HEADER and text.splitlines()[1].startswith("all,19,")


def test_csv_for_excel(client, auth: AuthActions, world, leavers, count_queries) -> None:
    """What a French Excel opens by a double click: BOM, `;`, decimal comma, French headers and labels."""
    auth.login("manager@example.org")
    with count_queries() as counted:
        response = client.get(f"/insertion/export-excel.csv?by=year&as_of={AS_OF}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert counted.count == 4  # the login's two, `all` and one grouped query, whatever the data
    assert "-excel.csv" in response.headers["Content-Disposition"]
    data = response.data
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert tuple(lines[0][:12]) == PEOPLE_HEADER[:12]
    assert lines[0][12:] == [f"{header} (%)" for header in PEOPLE_HEADER[12:]]
    assert lines[1] == ["ensemble", "all", "19", "3", "16", "9", "3", "18", "12", "6", "3", "9"] + [
        "50,0",
        "75,0",
        "25,0",
        "66,7",
        "33,3",
    ]
    assert lines[2][:3] == ["2025", "2025", "19"]
    publics = client.get(f"/insertion/export-excel.csv?by=public&as_of={AS_OF}").data.decode("utf-8-sig")
    assert "\r\ndemandeur·se d'emploi;jobseeker;6;" in publics and "\r\nRQTH;rqth;<5;;" in publics
    sites = client.get(f"/insertion/export-excel.csv?by=site&as_of={AS_OF}").data.decode("utf-8-sig")
    assert "\r\n'=Alès;'=Alès;<5;" in sites and "\r\nMende;Mende;*;" in sites  # no formula
    assert client.get("/insertion/export-excel.csv?by=planet").status_code == 400
    assert client.get("/insertion/export-excel.csv").status_code == 400  # a breakdown is required
    assert client.get("/insertion/export-excel.csv?by=year&point=7").status_code == 400
    page = client.get(f"/insertion?as_of={AS_OF}").text
    assert page.count("CSV pour Excel") == 3 and f"export-excel.csv?by=year&amp;as_of={AS_OF}" in page


def test_the_path_is_not_drawn_for_fewer_than_five(app: Flask, client, auth: AuthActions, world, leavers) -> None:
    auth.login("manager@example.org")
    with app.app_context():
        ales = db.session.scalar(sa.select(Site.id).where(Site.name == "=Alès"))
    page = client.get(f"/insertion?as_of={AS_OF}&site={ales}").text  # one person
    assert 'data-target="chart-funnel"' not in page and "le parcours n'est pas dessiné" in page
    assert 'data-target="chart-funnel"' in client.get(f"/insertion?as_of={AS_OF}").text


def test_dashboard_shows_figures_with_definitions(client, auth: AuthActions, world, leavers) -> None:
    auth.login("manager@example.org")
    page = client.get(f"/insertion?as_of={AS_OF}").text
    assert "Taux d'emploi prudent" in page and "norme CIRR" in page and "situation connue" in page
    assert "50,0" in page and "6 sur 12" in page
    for chart in ("chart-year", "chart-funnel", "chart-mix"):
        assert f'data-target="{chart}"' in page
    assert 'data-target="chart-gender"' not in page and page.count("télécharger en CSV") == 3
    assert f'href="/insertion?view=publics&amp;as_of={AS_OF}"' in page  # the other views keep the filters
    publics = client.get(f"/insertion?as_of={AS_OF}&view=publics").text
    for chart in ("chart-gender", "chart-public", "chart-shares"):
        assert f'data-target="{chart}"' in publics
    assert 'data-target="chart-year"' not in publics and "6 sur 12" in publics
    assert publics.count("télécharger en CSV") == 3 and "export.csv?by=public" in publics
    profiles = client.get(f"/insertion?as_of={AS_OF}&view=profiles").text
    assert 'data-target="chart-age"' in profiles and 'data-target="chart-diploma"' in profiles
    assert "moins de 5" in publics  # rqth, rsa
    assert '<input type="hidden" name="view" value="publics">' in publics  # filtering stays in this view
    assert client.get("/insertion?view=nonsense").status_code == 200
    women = client.get(f"/insertion?as_of={AS_OF}&gender=female").text
    assert "Entrées</dt><dd>9<" in women.replace("\n", "").replace("  ", "")


def test_dashboard_runs_a_fixed_number_of_queries(app: Flask, client, auth, world, leavers, count_queries) -> None:
    auth.login("manager@example.org")
    with count_queries() as few:
        client.get("/insertion")
    with app.app_context():
        cohort = factories.cohort("Big", start=date(2024, 1, 8), end=date(2024, 11, 1))
        for index in range(40):
            learner = factories.learner(cohort, gender=Gender.FEMALE if index % 2 else Gender.MALE)
            learner.enrolments[0].status, learner.enrolments[0].exit_date = EnrolmentStatus.FINISHED, date(2024, 11, 1)
            db.session.add(Outcome(enrolment=learner.enrolments[0], point=6, situation=Situation.CDI))
        db.session.commit()
    with count_queries() as many:
        client.get("/insertion?year=2024&year=2025")
    assert few.count == many.count <= 10


def test_every_dashboard_chart_is_a_figure_plotly_accepts(client, auth: AuthActions, world, leavers) -> None:
    auth.login("manager@example.org")
    checked = 0
    for view in ("overview", "publics", "profiles"):
        page = client.get(f"/insertion?as_of={AS_OF}&view={view}").text
        for source in re.findall(r'<script type="application/json" class="chart-data"[^>]*>(.*?)</script>', page):
            figure = json.loads(source)
            go.Figure(figure)  # Plotly's schema: a wrong property raises ValueError
            assert figure["data"] and figure["layout"]["template"] is None
            checked += 1
    assert checked == 8


@pytest.mark.parametrize(
    "name,cell",
    [
        ("Promo Nimes;=2+3;", "\"Promo Nimes;'=2+3;\""),  # a French spreadsheet splits on ; and sees =2+3
        ("Nîmes,+1", "\"Nîmes,'+1\""),
        ("Alès\t-1", "\"Alès\t'-1\""),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "\"'\tcmd\""),
        ("\rcmd", "\"'\rcmd\""),
        ('Mende "Nord"; @x', "\"Mende \"\"Nord\"\"; @x\""),  # a space first: not a formula
        ("Mende 2025", "Mende 2025"),
    ],
)
def test_a_csv_cell_is_one_cell_and_no_formula_whatever_the_separator(name: str, cell: str) -> None:
    from bootcamp.indicators import Counts, table
    from bootcamp.reports.export import to_csv

    text = to_csv(table([Counts("all", entrants=20, known=10, employed=5), Counts(name, entrants=3)], "cohort"))
    lines = text.split("\n")
    assert lines[0] == ",".join(("group", "entrants", "dropped", "finished", "sat_exam", "certified", "due", "known",
                                 "employed", "durable", "positive", "employment_rate", "positive_rate",
                                 "durable_rate", "response_rate", "conservative_employment_rate"))
    assert lines[1] == "all,20,0,0,0,0,0,10,5,0,0,50.0,0.0,0.0,,"  # the machine format is unchanged
    assert text == "\n".join(lines[:2]) + "\n" + cell + ",<5" + "," * 14 + "\n"
    assert [row[0] for row in csv.reader(io.StringIO(text))][2] == cell.strip('"').replace('""', '"')


def test_a_leaver_is_the_same_in_python_and_in_sql(app: Flask) -> None:
    with app.app_context():
        cohort = factories.cohort("Leavers", start=date(2025, 1, 6), end=date(2025, 10, 31))
        for status in EnrolmentStatus:
            enrolment = factories.learner(cohort).enrolments[0]
            enrolment.status = status
            enrolment.exit_date = None if status == EnrolmentStatus.IN_TRAINING else date(2025, 10, 31)
            enrolment.dropout_reason = DropoutReason.JOB if status == EnrolmentStatus.DROPPED else None
        db.session.commit()
        in_sql = set(db.session.scalars(sa.select(Enrolment.status).where(Enrolment.is_leaver)))
        in_python = {enrolment.status for enrolment in cohort.enrolments if enrolment.is_leaver}
        staying = set(db.session.scalars(sa.select(Enrolment.status).where(~Enrolment.is_leaver)))
    assert in_sql == in_python == {EnrolmentStatus.DROPPED, EnrolmentStatus.FINISHED}
    assert staying == {EnrolmentStatus.IN_TRAINING}


# Other spellings of « leaver » (or of its opposite) on an enrolment's status; Enrolment.is_leaver is the one.
LEAVER_SPELLINGS = re.compile(
    r"\.status\s*[!=]=\s*EnrolmentStatus\.IN_TRAINING"
    r"|\.status\.(not_)?in_\(\s*[\[(]\s*EnrolmentStatus\.(DROPPED|FINISHED)"
    r"|\.status\s+(not\s+)?in\s+[\[({]\s*EnrolmentStatus\.(DROPPED|FINISHED|IN_TRAINING)"
)


def test_leaver_is_spelled_once() -> None:
    package = Path(__file__).resolve().parent.parent / "bootcamp"
    found = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        if path.parent.name != "models"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if LEAVER_SPELLINGS.search(line)
    ]
    assert found == []
