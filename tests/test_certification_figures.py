"""Certification figures for managers: hand-made candidates across sessions, resits within and after the year, every
breakdown of /certification/export.csv and `flask export certification` byte for byte, the insertion export's
`sat_exam` and `certified` that must agree, small groups, the page, its charts, roles and the number of queries."""

import csv
import html
import io
import json
import re
from datetime import date

import plotly.graph_objects as go
import pytest
from flask import Flask

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.indicators import Filters, table
from bootcamp.models import BlockResult, ExamKind, Gender, PublicFlag
from bootcamp.reports import certification as certification_report
from bootcamp.reports.charts import pass_rates_by_group
from bootcamp.reports.export import to_csv as insertion_csv
from bootcamp.reports.queries import indicator_rows

from . import factories
from .conftest import AuthActions

HEADER = "group,candidates,absent,sat,obtained,partial,failed,pending,pass_rate,first_attempt_pass_rate"
ACQUIRED, NOT_ACQUIRED, ABSENT = BlockResult.ACQUIRED, BlockResult.NOT_ACQUIRED, BlockResult.ABSENT
FIRST_SESSION = date(2025, 6, 16)  # Alès 2024's whole-title session
RESIT = date(2025, 11, 17)  # blocks, within a year of the first session: counts
LATE_RESIT = date(2026, 9, 14)  # blocks, more than a year after the first session: never counts
SECOND_COHORT_SESSION = date(2025, 10, 20)  # Alès 2025's whole-title session
BEFORE_RESIT, AFTER = "2025-11-01", "2026-11-30"  # AFTER: before the test world's session (2026-12-07)
# Worked by hand. Alès 2024 (14), both DWWM blocks at FIRST_SESSION:
#   O1-O6 (F, F, F, M, M, M) acquire both: obtained at the first attempt;
#   P1-P3 (M) acquire BC01, not BC02, then BC02 at RESIT: partial, then obtained after the resit;
#   Q1, Q2 (F, M) acquire BC01, not BC02, then BC02 at LATE_RESIT, too late: partial for good;
#   F1, F2 (M) acquire neither: failed; A1 (other) absent from both.
# Alès 2025 (6), at SECOND_COHORT_SESSION: N1-N4 (F, F, other, other) no result yet: pending; B5 (M) acquires both;
#   B6 (F) absent from both.
# All, AFTER: 20 candidates, absent 2 (A1, B6), obtained 10 (O, P, B5), partial 2 (Q), failed 2 (F), pending 4 (N);
#   sat 14: 10 / 14 = 71.4 %; at the first session: sat 14 (O, P, Q, F, B5), obtained 7 (O, B5): 50.0 %.
ALL = "all,20,2,14,10,2,2,4,71.4,50.0"
BY_GENDER = [
    HEADER,
    ALL,
    "female,*,,,,,,,,",  # 7 (O1-O3, Q1, N1, N2, B6): the smallest other group, hidden because « other » is
    "male,10,0,10,7,1,2,0,70.0,40.0",  # O4-O6, P1-P3, B5 obtained; Q2 partial; F1, F2; at first: O4-O6, B5 of 10
    "other,<5,,,,,,,,",  # A1, N3, N4
]
BY_YEAR = [
    HEADER,
    ALL,
    "2024,14,1,13,9,2,2,0,69.2,46.2",  # 9 / 13 = 69.23 %; 6 / 13 = 46.15 %
    "2025,6,1,1,1,0,0,4,,",  # one sat: no rate (fewer than 5 sat)
]
# Per block: everyone was registered for both; BC02 of P1-P3 acquired at the resit, not at its first session.
BY_BLOCK = [
    HEADER,
    ALL,  # the title's, as in every breakdown
    "RNCP37674BC01,20,2,14,12,0,2,4,85.7,85.7",  # O, P, Q, B5 acquired; F not; 12 / 14
    "RNCP37674BC02,20,2,14,10,0,4,4,71.4,50.0",  # O, P (resit), B5; Q, F not; at first: O, B5 = 7 / 14
]
# Publics overlap: O1-O3, P1, Q1, F1 job seekers (4 obtained, 1 partial, 1 failed; at first: O1-O3); N1, N2 in QPV.
BY_PUBLIC = [HEADER, ALL, "jobseeker,6,0,6,4,1,1,0,66.7,50.0", "qpv,<5,,,,,,,,"]
# Before the resit (and after Alès 2025's session): P1-P3 still partial.
ALL_BEFORE_RESIT = "all,20,2,14,7,5,2,4,50.0,50.0"
BLOCKS_BEFORE_RESIT = ["RNCP37674BC01,20,2,14,12,0,2,4,85.7,85.7", "RNCP37674BC02,20,2,14,7,0,7,4,50.0,50.0"]


def _session(programme, on: date, results: dict, kind: ExamKind = ExamKind.TITLE, blocks=None) -> None:
    """A session with these candidates (enrolment -> one result per block examined, None: pending)."""
    factories.exam_with_results(programme, on, results, kind, blocks)


@pytest.fixture
def candidates(app: Flask) -> None:
    """The hand-made candidates above, at Alès."""
    with app.app_context():
        site = factories.site("Alès")
        a = factories.cohort("Alès 2024", at=site, start=date(2024, 9, 2), end=date(2025, 6, 27))
        b = factories.cohort("Alès 2025", at=site, start=date(2025, 1, 6), end=date(2025, 10, 31))
        female, male, other = Gender.FEMALE, Gender.MALE, Gender.OTHER
        genders = {"O": [female] * 3 + [male] * 3, "P": [male] * 3, "Q": [female, male], "F": [male] * 2, "A": [other]}
        people = {
            f"{letter}{index + 1}": factories.learner(a, gender=gender).enrolments[0]
            for letter, kinds in genders.items()
            for index, gender in enumerate(kinds)
        }
        second_cohort = {"N1": female, "N2": female, "N3": other, "N4": other, "B5": male, "B6": female}
        for name, gender in second_cohort.items():
            people[name] = factories.learner(b, gender=gender).enrolments[0]
        for name in ("O1", "O2", "O3", "P1", "Q1", "F1"):
            people[name].learner.flags = {PublicFlag.JOBSEEKER}
        for name in ("N1", "N2"):
            people[name].learner.flags = {PublicFlag.QPV}
        for name in ("F1", "F2"):
            people[name].learner.birth_date = date(1990, 5, 1)
        db.session.flush()
        programme, second = a.programme, a.programme.blocks[1]
        first = {people[f"O{n}"]: [ACQUIRED, ACQUIRED] for n in range(1, 7)}
        first |= {people[name]: [ACQUIRED, NOT_ACQUIRED] for name in ("P1", "P2", "P3", "Q1", "Q2")}
        first |= {people["F1"]: [NOT_ACQUIRED] * 2, people["F2"]: [NOT_ACQUIRED] * 2, people["A1"]: [ABSENT] * 2}
        _session(programme, FIRST_SESSION, first)
        _session(programme, RESIT, {people[f"P{n}"]: [ACQUIRED] for n in (1, 2, 3)}, ExamKind.BLOCKS, [second])
        late = {people["Q1"]: [ACQUIRED], people["Q2"]: [ACQUIRED]}
        _session(programme, LATE_RESIT, late, ExamKind.BLOCKS, [second])
        pending = {people[name]: [None, None] for name in ("N1", "N2", "N3", "N4")}
        pending |= {people["B5"]: [ACQUIRED] * 2, people["B6"]: [ABSENT] * 2}
        _session(programme, SECOND_COHORT_SESSION, pending)
        db.session.commit()


def _export(app: Flask, *arguments: str):
    return app.test_cli_runner().invoke(args=["export", "certification", *arguments])


def _lines(app: Flask, by: str, as_of: str = AFTER) -> list[str]:
    result = _export(app, "--by", by, "--as-of", as_of)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_counts_and_rates_by_group_worked_by_hand(app: Flask, candidates) -> None:
    assert _lines(app, "gender") == BY_GENDER
    assert _lines(app, "year") == BY_YEAR
    assert _lines(app, "block") == BY_BLOCK
    assert _lines(app, "public") == BY_PUBLIC
    assert _lines(app, "cohort")[2:] == ["Alès 2024,14,1,13,9,2,2,0,69.2,46.2", "Alès 2025,6,1,1,1,0,0,4,,"]
    assert _lines(app, "site")[1:] == [ALL, "Alès" + ALL[3:]]  # the insertion export's codes: a site's name
    # F1, F2 are 26-44 at entry, the only small group: the other one (18 under 26) is hidden too
    assert _lines(app, "age")[2:] == ["under_26,*,,,,,,,,", "26_44,<5,,,,,,,,"]
    assert _lines(app, "diploma")[2:] == ["unknown,20,2,14,10,2,2,4,71.4,50.0"]


def test_as_of_counts_the_sessions_started_by_that_day(app: Flask, candidates) -> None:
    before = _lines(app, "block", BEFORE_RESIT)
    assert before[1:] == [ALL_BEFORE_RESIT, *BLOCKS_BEFORE_RESIT]
    # After the first session only: Alès 2025 is no candidate yet; 6 / 13 at the first attempt and after
    assert _lines(app, "year", "2025-06-30")[1:] == ["all,14,1,13,6,5,2,0,46.2,46.2", "2024,14,1,13,6,5,2,0,46.2,46.2"]
    assert _lines(app, "gender", "2025-06-15") == [HEADER, "all,<5,,,,,,,,"]  # no session yet: nobody
    assert _lines(app, "year", "2026-09-14") == BY_YEAR  # the late resit, started that day, still does not count


def _insertion(app: Flask, by: str, as_of: str) -> list[dict]:
    with app.app_context():
        rows = table(indicator_rows(Filters(as_of=date.fromisoformat(as_of)), by), by)
        return list(csv.DictReader(io.StringIO(insertion_csv(rows))))


def _raw(app: Flask, by: str, as_of: str) -> tuple[dict, dict]:
    """Each group's (sat, obtained) before the small-group rule: the insertion counts' and this export's."""
    day = date.fromisoformat(as_of)
    with app.app_context():
        insertion = {c.group: (c.sat_exam, c.certified) for c in indicator_rows(Filters(as_of=day), by)}
        mine = {r.group: (r.sat, r.obtained) for r in certification_report.counted(day, (by,))[by]}
    return insertion, mine


@pytest.mark.parametrize("as_of", ["2025-06-30", BEFORE_RESIT, "2025-11-17", AFTER])
def test_the_insertion_export_agrees_for_every_group(app: Flask, candidates, as_of: str) -> None:
    for by in ("gender", "age", "public", "diploma", "referrer", "site", "cohort", "year"):
        insertion, mine = _raw(app, by, as_of)
        assert {group: counts for group, counts in insertion.items() if counts != (0, 0)} == {
            group: counts for group, counts in mine.items() if counts != (0, 0)
        }, (by, as_of)
        assert set(mine) <= set(insertion), (by, as_of)  # a group with candidates has entrants
        shown = {row["group"]: row for row in csv.DictReader(io.StringIO("\n".join(_lines(app, by, as_of))))}
        for row in _insertion(app, by, as_of):
            if row["entrants"] not in ("<5", "*") and shown.get(row["group"], {}).get("candidates") not in (
                None, "<5", "*"
            ):
                mine_row = shown[row["group"]]
                assert (row["sat_exam"], row["certified"]) == (mine_row["sat"], mine_row["obtained"]), (by, as_of)


def test_the_insertion_export_sees_the_resit(app: Flask, candidates) -> None:
    before, after = _insertion(app, "year", BEFORE_RESIT), _insertion(app, "year", AFTER)
    assert [(row["group"], row["sat_exam"], row["certified"]) for row in before] == [
        ("all", "14", "7"), ("2024", "13", "6"), ("2025", "1", "1")
    ]
    assert [(row["group"], row["sat_exam"], row["certified"]) for row in after] == [
        ("all", "14", "10"), ("2024", "13", "9"), ("2025", "1", "1")
    ]


def test_csv_and_cli_print_the_same_bytes(app: Flask, client, auth: AuthActions, world, candidates) -> None:
    auth.login("manager@example.org")
    for by in certification_report.BREAKDOWNS:
        for as_of in (BEFORE_RESIT, AFTER):
            response = client.get(f"/certification/export.csv?by={by}&as_of={as_of}")
            assert response.status_code == 200 and response.mimetype == "text/csv", by
            assert response.headers["Content-Disposition"] == (
                f'attachment; filename="certification-{by}-{as_of}.csv"'
            )
            assert response.data == _export(app, "--by", by, "--as-of", as_of).output.encode("utf-8"), by
    assert client.get(f"/certification/export.csv?by=gender&as_of={AFTER}").text.splitlines() == BY_GENDER
    french = client.get("/certification/export.csv?by=block&as_of=30/11/2026").text.splitlines()
    assert french == BY_BLOCK


def test_as_of_defaults_to_today(app: Flask, client, auth: AuthActions, world, candidates, monkeypatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: date(2025, 11, 1))
    auth.login("manager@example.org")
    response = client.get("/certification/export.csv?by=block")
    assert response.text.splitlines()[1:] == [ALL_BEFORE_RESIT, *BLOCKS_BEFORE_RESIT]
    assert 'filename="certification-block-2025-11-01.csv"' in response.headers["Content-Disposition"]
    assert response.data == _export(app, "--by", "block").output.encode()
    assert "Au 1 nov. 2025." in html.unescape(client.get("/certification").text)


@pytest.mark.parametrize(
    "query",
    [
        "",  # the breakdown is required
        "by=planet",
        "by=all",
        "by=gender&as_of=yesterday",
        "by=gender&as_of=2026-02-30",
        "by=gender&as_of=9999-12-31",
    ],
)
def test_export_refuses_bad_parameters(client, auth: AuthActions, world, query: str) -> None:
    auth.login("manager@example.org")
    response = client.get(f"/certification/export.csv?{query}")
    assert response.status_code == 400
    assert "Paramètre" in html.unescape(response.text)


def test_the_page_refuses_a_bad_day(client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    assert client.get("/certification?as_of=31/02/2026").status_code == 400


@pytest.mark.parametrize(
    "arguments,message",
    [
        ([], "Missing option '--by'"),
        (["--by", "planet"], "'planet' is not one of"),
        (["--by", "gender", "--as-of", "30/11/2026"], "'30/11/2026' does not match the format"),
        (["--by", "gender", "--as-of", "9999-12-31"], "date out of range"),
    ],
)
def test_cli_refuses_bad_parameters_in_one_line(app: Flask, arguments: list, message: str) -> None:
    result = _export(app, *arguments)
    assert result.exit_code == 2 and message in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("Error")]) == 1


def test_the_columns_never_change() -> None:
    assert ",".join(certification_report.COLUMNS) == HEADER
    assert certification_report.BREAKDOWNS == (
        "gender", "age", "public", "diploma", "referrer", "site", "cohort", "year", "block"
    )


def test_only_managers_see_the_certification_figures(client, auth: AuthActions, world) -> None:
    for path in ("/certification", "/certification/export.csv?by=gender"):
        assert client.get(path).status_code == 302  # to the login page
        for email in ("learner@example.org", "trainer@example.org", "admin@example.org"):
            auth.login(email)
            assert client.get(path).status_code == 404, (email, path)
            auth.logout()
        auth.login("manager@example.org")
        assert client.get(path).status_code == 200
        auth.logout()


def test_the_page_shows_rates_definitions_tables_and_links(client, auth: AuthActions, world, candidates) -> None:
    auth.login("manager@example.org")
    page = html.unescape(client.get(f"/certification?as_of={AFTER}").text)
    flat = re.sub(r"\s+", " ", page).replace("> <", "><")
    assert "Au 30 nov. 2026." in page
    assert "Taux de réussite au titre</dt><dd>71,4 % (10 sur 14)" in flat
    assert "Taux de réussite à la première tentative</dt><dd>50,0 % (7 sur 14)" in flat
    assert "Titre obtenu / personnes présentées" in page and "dès la première session" in page
    assert "Dont 2 absent·es, 4 en attente de résultat, 10 titre obtenu, 2 titre partiel, 2 non obtenu." in page
    for by in certification_report.PAGE_BREAKDOWNS:
        assert f'data-target="chart-{by}"' in page
        assert f'href="/certification/export.csv?by={by}&as_of={AFTER}"' in page
    assert "groupe masqué lui aussi" in page and "moins de 5" in page  # women (*), « other »
    assert '<td class="num">85,7 % (12 sur 14)</td>' in page  # BC01
    block_table = page[page.index('id="by-block"') :]
    assert "ensemble" not in block_table and block_table.count("<tr>") == 3  # the header and the two blocks
    assert "Développer la partie back-end" in page  # the block's title beside its code
    assert 'aria-current="page">Certification</a>' in page
    assert 'value="2026-11-30"' in page


def test_the_dashboard_and_attendance_link_to_certification(client, auth: AuthActions, world, candidates) -> None:
    auth.login("manager@example.org")
    for path in ("/insertion", "/insertion?view=publics", "/attendance"):
        assert 'href="/certification">Certification</a>' in client.get(path).text, path
    # the insertion headline's certification rate is the title's pass rate: its definition leads to the details
    page = re.sub(r"\s+", " ", html.unescape(client.get(f"/insertion?as_of={AFTER}").text))
    assert "Taux de certification</dt><dd>71,4 % (10 sur 14)" in page.replace("> <", "><")
    assert '<a href="/certification">Par bloc et à la première tentative</a>' in page


def test_the_charts_draw_both_rates_of_the_groups_shown(client, auth: AuthActions, world, candidates) -> None:
    auth.login("manager@example.org")
    page = client.get(f"/certification?as_of={AFTER}").text
    figures = {
        target: json.loads(source)
        for target, source in re.findall(
            r'<script type="application/json" class="chart-data" data-target="([^"]+)">(.*?)</script>', page
        )
    }
    assert set(figures) == {f"chart-{by}" for by in certification_report.PAGE_BREAKDOWNS}
    for figure in figures.values():
        go.Figure(figure)  # Plotly's schema: a wrong property raises ValueError
    gender = figures["chart-gender"]["data"]
    assert gender[0]["x"] == ["ensemble", "homme"]  # hidden groups are not drawn
    assert gender[0]["y"] == [71.4, 70.0] and gender[1]["y"] == [50.0, 40.0]
    assert gender[0]["customdata"] == [14, 10]
    blocks = figures["chart-block"]["data"]
    assert blocks[0]["x"] == ["RNCP37674BC01", "RNCP37674BC02"]  # the blocks only: the title's is the headline
    assert blocks[0]["y"] == [85.7, 71.4] and blocks[1]["y"] == [85.7, 50.0]


def test_the_chart_alone() -> None:
    figure = pass_rates_by_group(["a"], [90.5], [None], [5], {"pass": "x", "first": "y", "people": "z"})
    go.Figure(figure)
    assert figure["data"][1]["y"] == [0.0] and figure["layout"]["yaxis"]["range"] == [0, 100]


def test_the_page_runs_a_fixed_number_of_queries(
    app: Flask, client, auth: AuthActions, world, candidates, count_queries
) -> None:
    auth.login("manager@example.org")
    with count_queries() as few:
        client.get(f"/certification?as_of={AFTER}")
    with count_queries() as export:
        client.get(f"/certification/export.csv?by=public&as_of={AFTER}")
    with app.app_context():
        cohort = factories.cohort("Alès 2023", start=date(2023, 9, 4), end=date(2024, 6, 28))
        learners = [factories.learner(cohort, gender=Gender.MALE if n % 2 else Gender.FEMALE) for n in range(30)]
        for learner in learners:
            learner.flags = {PublicFlag.RSA, PublicFlag.ZRR}
        db.session.flush()
        enrolments = [learner.enrolments[0] for learner in learners]
        _session(cohort.programme, date(2024, 6, 17), {e: [ACQUIRED, NOT_ACQUIRED] for e in enrolments})
        db.session.commit()
    with count_queries() as many:
        client.get(f"/certification?as_of={AFTER}")
    with count_queries() as bigger_export:
        client.get(f"/certification/export.csv?by=public&as_of={AFTER}")
    # the session's user, the data version, the filters' choices (sites, programmes, years), one query for `all`
    # and every group of the six breakdowns, the blocks' titles; the export: the user, the filters' choices and one
    # query
    assert few.count == many.count == 5, many.statements
    assert export.count == bigger_export.count == 3, bigger_export.statements
    with count_queries() as cached:
        client.get(f"/certification?as_of={AFTER}")
    assert cached.count == 2  # kept until the next write
