"""The certification page, its CSV and `flask export certification` take the dashboard's filters (site, programme,
start years, gender): hand-made candidates of two programmes, two sites and two start years, the filtered figures
worked by hand and different from everyone's, the block rows of the programme chosen, the CSV equal to the command
byte for byte, the unfiltered CSV unchanged, the public page's block figures equal to the filtered rows, bad filters
refused, and the page's number of queries."""

import html
import re
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import Block, BlockResult, Cohort, Gender, Programme, Site
from bootcamp.public import figures as public_figures

from . import factories
from .conftest import AuthActions

HEADER = "group,candidates,absent,sat,obtained,partial,failed,pending,pass_rate,first_attempt_pass_rate"
ACQUIRED, NOT_ACQUIRED = BlockResult.ACQUIRED, BlockResult.NOT_ACQUIRED
AFTER = "2026-11-30"  # before the test world's session (2026-12-07): only the sessions below count
# Worked by hand; every candidate sat at one whole-title session, so that the first attempt is the only one.
# DWWM Alès 2024 (started 2024-09-02): 10 = 5 women, 5 men; 3 women and 3 men acquire both blocks (obtained), 2 men
#   BC01 only (partial), 2 women neither (failed): 6 / 10 = 60.0 %; BC01 8 / 10, BC02 6 / 10.
# DWWM Alès 2025 (2025-01-06): 5 men acquire both: 5 / 5.
# DWWM Nîmes 2024 (2024-09-09): 5 women, 2 acquire both, 3 neither: 2 / 5 = 40.0 %.
# CDA Alès 2025 (2025-02-03): 5 women acquire both CDA blocks: 5 / 5.
# Everyone: 25, obtained 6 + 5 + 2 + 5 = 18, partial 2, failed 2 + 3 = 5: 18 / 25 = 72.0 %.
NOBODY = "all,<5,,,,,,,,"
EVERYONE = "all,25,0,25,18,2,5,0,72.0,72.0"
EVERYONE_BY_BLOCK = [
    HEADER,
    EVERYONE,
    "CDA-BC01,5,0,5,5,0,0,0,100.0,100.0",
    "CDA-BC02,5,0,5,5,0,0,0,100.0,100.0",
    "RNCP37674BC01,20,0,20,15,0,5,0,75.0,75.0",  # 8 + 5 + 2 acquired; 2 + 3 not
    "RNCP37674BC02,20,0,20,13,0,7,0,65.0,65.0",  # 6 + 5 + 2 acquired; 4 + 3 not
]
EVERYONE_BY_YEAR = [
    HEADER,
    EVERYONE,
    "2024,15,0,15,8,2,5,0,53.3,53.3",  # Alès 2024 and Nîmes 2024: 8 / 15
    "2025,10,0,10,10,0,0,0,100.0,100.0",  # Alès 2025 and CDA
]
# DWWM at Alès, cohorts started in 2024: Alès 2024 alone.
ALES_2024_BY_BLOCK = [
    HEADER,
    "all,10,0,10,6,2,2,0,60.0,60.0",
    "RNCP37674BC01,10,0,10,8,0,2,0,80.0,80.0",
    "RNCP37674BC02,10,0,10,6,0,4,0,60.0,60.0",
]
# DWWM, both years, both sites: 20, obtained 13, partial 2, failed 5: 65.0 %; by year, the CDA cohort is not in 2025.
DWWM_BY_YEAR = [
    HEADER,
    "all,20,0,20,13,2,5,0,65.0,65.0",
    "2024,15,0,15,8,2,5,0,53.3,53.3",
    "2025,5,0,5,5,0,0,0,100.0,100.0",
]
# Women of cohorts started in 2024: 3 obtained and 2 failed at Alès, 2 obtained and 3 failed at Nîmes: 5 / 10.
WOMEN_2024_BY_GENDER = [HEADER, "all,10,0,10,5,0,5,0,50.0,50.0", "female,10,0,10,5,0,5,0,50.0,50.0"]


def _cohort(name: str, site: Site, start: date, programme: Programme, people: list[tuple[Gender, list]]) -> None:
    """A cohort whose learners (gender, one result per block) sat one whole-title session in the next June."""
    cohort = factories.cohort(name, at=site, start=start, end=date(start.year + 1, 6, 26))
    cohort.programme = programme
    enrolments = {factories.learner(cohort, gender=gender).enrolments[0]: results for gender, results in people}
    db.session.flush()
    factories.exam_with_results(programme, date(start.year + 1, 6, 15), enrolments)


@pytest.fixture
def candidates(app: Flask, world) -> dict[str, int]:
    """The hand-made candidates above; the ids of the sites and programmes the tests filter on."""
    with app.app_context():
        ales, nimes, dwwm = factories.site("Alès"), factories.site("Nîmes"), factories.dwwm()
        cda = Programme(short_name="CDA", title="Concepteur développeur d'applications", rncp_code="RNCP00001")
        cda.blocks = [Block(code=f"CDA-BC0{n}", title=f"Bloc {n}", position=n) for n in (1, 2)]
        db.session.add(cda)
        female, male = Gender.FEMALE, Gender.MALE
        both, first, neither = [ACQUIRED] * 2, [ACQUIRED, NOT_ACQUIRED], [NOT_ACQUIRED] * 2
        ales_2024 = [(female, both)] * 3 + [(male, both)] * 3 + [(male, first)] * 2 + [(female, neither)] * 2
        _cohort("Alès 2024", ales, date(2024, 9, 2), dwwm, ales_2024)
        _cohort("Alès 2025", ales, date(2025, 1, 6), dwwm, [(male, both)] * 5)
        _cohort("Nîmes 2024", nimes, date(2024, 9, 9), dwwm, [(female, both)] * 2 + [(female, neither)] * 3)
        _cohort("CDA Alès 2025", ales, date(2025, 2, 3), cda, [(female, both)] * 5)
        db.session.commit()
        return {"ales": ales.id, "nimes": nimes.id, "dwwm": dwwm.id, "cda": cda.id}


def _export(app: Flask, *arguments: str):
    return app.test_cli_runner().invoke(args=["export", "certification", *arguments])


def _csv(client, query: str) -> list[str]:
    response = client.get(f"/certification/export.csv?{query}")
    assert response.status_code == 200, response.text
    return response.text.splitlines()


def test_the_filters_choose_the_candidates_worked_by_hand(client, auth: AuthActions, candidates) -> None:
    auth.login("manager@example.org")
    ids = candidates
    assert _csv(client, f"by=block&as_of={AFTER}") == EVERYONE_BY_BLOCK
    assert _csv(client, f"by=year&as_of={AFTER}") == EVERYONE_BY_YEAR
    chosen = f"site={ids['ales']}&programme={ids['dwwm']}&year=2024&as_of={AFTER}"
    assert _csv(client, f"by=block&{chosen}") == ALES_2024_BY_BLOCK  # the CDA blocks are not the programme's
    assert _csv(client, f"by=year&programme={ids['dwwm']}&as_of={AFTER}") == DWWM_BY_YEAR
    assert _csv(client, f"by=gender&year=2024&gender=female&as_of={AFTER}") == WOMEN_2024_BY_GENDER
    # two years chosen: everyone's cohorts again
    assert _csv(client, f"by=year&year=2025&year=2024&as_of={AFTER}") == EVERYONE_BY_YEAR
    # the CDA's blocks alone; its 5 candidates, in French
    cda = _csv(client, f"by=block&programme={ids['cda']}&as_of=30/11/2026")
    assert cda == [HEADER, "all,5,0,5,5,0,0,0,100.0,100.0", *EVERYONE_BY_BLOCK[2:4]]
    # Nîmes 2024 alone; its men: nobody
    assert _csv(client, f"by=year&site={ids['nimes']}&as_of={AFTER}")[1] == "all,5,0,5,2,0,3,0,40.0,40.0"
    assert _csv(client, f"by=year&site={ids['nimes']}&gender=male&as_of={AFTER}") == [HEADER, NOBODY]


@pytest.mark.parametrize(
    "query,arguments",
    [
        ("", []),  # without filters: the same bytes as ever
        ("site={ales}&programme={dwwm}&year=2024", ["--site", "Alès", "--programme", "DWWM", "--year", "2024"]),
        ("programme={dwwm}&year=2025&year=2024", ["--programme", "RNCP37674", "--year", "2025", "--year", "2024"]),
        ("gender=female&year=2024", ["--gender", "female", "--year", "2024"]),
        ("programme={cda}&site={nimes}", ["--programme", "CDA", "--site", "Nîmes"]),
    ],
)
def test_the_csv_and_the_command_print_the_same_bytes(
    app: Flask, client, auth: AuthActions, candidates, query: str, arguments: list[str]
) -> None:
    auth.login("manager@example.org")
    for by in ("block", "year", "gender", "site"):
        response = client.get(f"/certification/export.csv?by={by}&as_of={AFTER}&{query.format(**candidates)}")
        assert response.status_code == 200
        assert f'filename="certification-{by}-{AFTER}.csv"' in response.headers["Content-Disposition"]
        result = _export(app, "--by", by, "--as-of", AFTER, *arguments)
        assert result.exit_code == 0, result.output
        assert response.data == result.output.encode("utf-8"), (by, query)
    if not query:
        assert _export(app, "--by", "block", "--as-of", AFTER).output.splitlines() == EVERYONE_BY_BLOCK


def test_the_public_page_figures_are_the_filtered_rows(app: Flask, candidates) -> None:
    with app.app_context():
        results = public_figures.results(candidates["dwwm"], candidates["ales"], 2024, date(2026, 11, 30))
        published = {item.block: (item.value, item.numerator, item.denominator) for item in results.figures}
    # ALES_2024_BY_BLOCK: BC01 8 / 10, BC02 6 / 10; the title's pass rate 6 / 10
    assert published["RNCP37674BC01"] == (80.0, 8, 10) and published["RNCP37674BC02"] == (60.0, 6, 10)
    assert results.figure("pass_rate").value == 60.0


def test_the_page_shows_the_filtered_figures_and_keeps_the_filters(client, auth: AuthActions, candidates) -> None:
    auth.login("manager@example.org")
    ids = candidates
    everyone = html.unescape(client.get(f"/certification?as_of={AFTER}").text)
    assert "Taux de réussite au titre</dt><dd>72,0 % (18 sur 25)" in _flat(everyone)
    query = f"site={ids['ales']}&programme={ids['dwwm']}&year=2024&as_of={AFTER}"
    page = html.unescape(client.get(f"/certification?{query}").text)
    flat = _flat(page)
    assert "Taux de réussite au titre</dt><dd>60,0 % (6 sur 10)" in flat
    assert '<td class="num">80,0 % (8 sur 10)</td>' in page  # BC01 of Alès 2024
    block_table = page[page.index('id="by-block"') :]
    assert "CDA-BC01" not in block_table and block_table.count("<tr>") == 3  # the header and DWWM's two blocks
    for by in ("year", "gender", "age", "public", "diploma", "block"):
        kept = f"site={ids['ales']}&programme={ids['dwwm']}&year=2024&as_of={AFTER}"
        assert f'href="/certification/export.csv?by={by}&{kept}"' in page, by
    # the form shows what is chosen, without the follow-up point that certification does not read
    assert f'<option selected value="{ids["ales"]}">Alès</option>' in page
    assert f'<option selected value="{ids["dwwm"]}">DWWM</option>' in page
    assert re.search(r'<input checked id="year-\d+" name="year" type="checkbox" value="2024">', page)
    assert 'name="point"' not in page and f'value="{AFTER}"' in page
    assert 'href="/certification">Effacer les filtres</a>' in page


def _flat(page: str) -> str:
    return re.sub(r"\s+", " ", page).replace("> <", "><")


@pytest.mark.parametrize(
    "query",
    [
        "site=99999",  # not a site
        "site=Alès",
        "programme=abc",
        "programme=99999",
        "year=1999",  # no cohort started then
        "year=twenty",
        "gender=planet",
        "as_of=31/02/2026",
    ],
)
def test_a_bad_filter_answers_400(client, auth: AuthActions, candidates, query: str) -> None:
    auth.login("manager@example.org")
    page = client.get(f"/certification?{query}")
    assert page.status_code == 400 and "invalide" in html.unescape(page.text).lower(), query
    export = client.get(f"/certification/export.csv?by=block&{query}")
    assert export.status_code == 400 and "invalide" in html.unescape(export.text).lower(), query


@pytest.mark.parametrize(
    "arguments,message",
    [
        (["--programme", "BTS"], "no programme named 'BTS'"),
        (["--site", "Atlantis"], "no site named 'Atlantis'"),
        (["--gender", "planet"], "'planet' is not one of"),
        (["--year", "twenty"], "'twenty' is not a valid integer"),
    ],
)
def test_the_command_refuses_a_bad_filter_in_one_line(app: Flask, candidates, arguments: list, message: str) -> None:
    result = _export(app, "--by", "block", *arguments)
    assert result.exit_code == 2 and message in result.output, result.output
    assert len([line for line in result.output.splitlines() if line.startswith("Error")]) == 1


def test_a_short_name_of_two_programmes_asks_for_the_rncp_code(app: Flask, candidates) -> None:
    with app.app_context():
        db.session.add(Programme(short_name="DWWM", title="Développeur web (ancien titre)", rncp_code="RNCP31114"))
        db.session.commit()
    result = _export(app, "--by", "block", "--programme", "DWWM")
    assert result.exit_code == 2 and "several programmes are named 'DWWM': give its RNCP code" in result.output
    assert _export(app, "--by", "block", "--as-of", AFTER, "--programme", "RNCP37674").output.splitlines() == [
        HEADER,
        "all,20,0,20,13,2,5,0,65.0,65.0",
        *EVERYONE_BY_BLOCK[4:],
    ]


def test_the_filtered_page_runs_as_many_queries_as_the_whole(
    app: Flask, client, auth: AuthActions, candidates, count_queries
) -> None:
    auth.login("manager@example.org")
    with app.app_context():
        cohorts = db.session.scalar(sa.select(sa.func.count()).select_from(Cohort))
    assert cohorts >= 6
    with count_queries() as everyone:
        client.get(f"/certification?as_of={AFTER}")
    with count_queries() as filtered:
        client.get(f"/certification?site={candidates['ales']}&year=2024&year=2025&gender=male&as_of={AFTER}")
    with count_queries() as export:
        client.get(f"/certification/export.csv?by=block&site={candidates['ales']}&year=2024&as_of={AFTER}")
    # the session's user, the data version, the filters' choices, one query for every breakdown, the blocks'
    # titles; the export: the user, the filters' choices and one query
    assert everyone.count == filtered.count == 5, filtered.statements
    assert export.count == 3, export.statements
    with count_queries() as cached:
        client.get(f"/certification?site={candidates['ales']}&year=2024&year=2025&gender=male&as_of={AFTER}")
    assert cached.count == 2
