"""Placement figures for managers (issue 18): a hand-made case worked by hand, every breakdown of
/placements/export.csv and `flask export placements` byte for byte, the two halves' small-group rule and secondary
suppression, the page, its charts, the dashboard's block, roles and the number of queries."""

import html
import json
import re
from datetime import date

import plotly.graph_objects as go
import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.indicators import Filters, Hiding
from bootcamp.models import (
    Diploma,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    Gender,
    HalfDay,
    Outcome,
    Placement,
    PublicFlag,
    SessionKind,
    SessionState,
    Situation,
)
from bootcamp.reports import placements as placements_report
from bootcamp.reports.charts import placement_rate_by_group

from . import factories
from .conftest import AuthActions

HEADER = "group,learners,placed_by_start,placement_rate,leavers_with_placement,known,hired_by_host,hired_by_host_rate"
F, M, X = Gender.FEMALE, Gender.MALE, Gender.OTHER
JOB, QPV = PublicFlag.JOBSEEKER, PublicFlag.QPV
FIRST_DAY = date(2026, 4, 13)  # Florac 2025's first half-day « en entreprise » (a cancelled one on the 10th before)
A_EXIT, B_EXIT = date(2026, 6, 26), date(2025, 6, 27)
LATE = "1990-05-01"  # born then: 26-44 at entry

# Worked by hand. Florac 2025 has a placement period from FIRST_DAY; Florac 2024 has none in its timetable (so it
# counts in no side of the placement rate, but its leavers count for the hiring). Each learner: gender, status (exit
# date), placement start (company, ticked « hired by host »), exit situation (employer), born 26-44?, publics,
# diploma.
# Florac 2025 (13 enrolments; 12 counted in the placement rate: #13 dropped before the period):
#  1 F finished, placed on FIRST_DAY exactly at « Lozère Numérique »; CDI at « LOZERE NUMERIQUE »: hired (the names
#    compare)                                                                   jobseeker, qpv, bac
#  2 F finished, placed a week earlier at « Commune de Mende », ticked; CDD < 6 months at « Mairie de Mende »: hired
#    (the tick)                                                                 jobseeker, bac
#  3 F finished, placed at « Gévaudan Web »; CDI at « Autre SARL »: known, not hired    jobseeker, bac
#  4 F finished, placed, ticked; « sans nouvelles »: unknown, left out however ticked    bac
#  5 M finished, placed; no exit situation recorded: unknown                   26-44, jobseeker, bac
#  6 M finished, placed; training: known, not hired                             26-44, jobseeker, bac
#  7 M finished, placed, ticked; job search: known, not hired (the tick names the employer, not a job)  26-44, bac_2
#  8 M finished, placed A DAY LATE (14 April) at « lozère  numérique »; CDI at « Lozère Numérique »: not placed by
#    the start, hired                                                           jobseeker, bac_2
#  9 M finished, a placement starting after his exit; CDI at its company: no placement before exit     bac_2
# 10 X dropped on 4 May (after the start), no placement                         26-44, qpv, bac_2
# 11 X dropped on FIRST_DAY itself (still counted), no placement               26-44, bac_2
# 12 F in training, no placement                                                jobseeker, bac_2
# 13 F dropped on 15 February (before the period) after a placement from 5 January; CDI there: not counted in the
#    placement rate, hired                                                      bac_2
# Florac 2024 (6 leavers on B_EXIT, each placed from 7 April 2025, below bac):
# b1 F CDI at the company: hired (jobseeker, qpv) · b2 F CDI at the company: hired · b3 M CDI at the company: hired
# (jobseeker) · b4 M CDD ≥ 6 months elsewhere · b5 M CDI at « GEVAUDAN WEB » for « Gévaudan Web »: hired ·
# b6 M « sans nouvelles », born 26-44.
ALL = "all,12,7,58.3,15,12,8,66.7"  # 7 / 12 placed by the start; 8 hired / 12 known (15 leavers with a placement)
EXPECTED = {
    # 2024 has no placement period: nobody in the placement half (`<5`), and it hides no other year for that
    "year": [HEADER, ALL, "2024,<5,,,6,5,4,80.0", "2025,12,7,58.3,9,7,4,57.1"],
    # « other »: 2 learners, hidden; so the smaller of women (5) and men (5), the first: women (*); nobody « other »
    # left with a placement (`<5`, no group for secondary suppression)
    "gender": [HEADER, ALL, "female,*,,,7,6,5,83.3", "male,5,3,60.0,8,6,3,50.0", "other,<5,,,,<5,,"],
    # 26-44: 5 learners (5, 6, 7, 10, 11), 3 placed; 2 known exits (6, 7): hidden, and under 26's too (*)
    "age": [HEADER, ALL, "under_26,7,4,57.1,,*,,", "26_44,5,3,60.0,,<5,,"],
    # overlapping: qpv hidden on both halves, nobody else hidden for it
    "public": [HEADER, ALL, "jobseeker,7,5,71.4,8,7,5,71.4", "qpv,<5,,,,<5,,"],
    # bac: 4 known exits, bac+2: 3: both hidden, so no secondary suppression; below bac: Florac 2024
    "diploma": [HEADER, ALL, "below_bac,<5,,,6,5,4,80.0", "bac,6,6,100.0,,<5,,", "bac_2,6,1,16.7,,<5,,"],
}

A_LEARNERS = [
    # gender, status, exit, placement (start, company, ticked), situation, employer, 26-44, flags, diploma
    (F, "finished", A_EXIT, (FIRST_DAY, "Lozère Numérique", False), Situation.CDI, "LOZERE NUMERIQUE", False,
     {JOB, QPV}, Diploma.BAC),
    (F, "finished", A_EXIT, (date(2026, 4, 6), "Commune de Mende", True), Situation.CDD_SHORT, "Mairie de Mende",
     False, {JOB}, Diploma.BAC),
    (F, "finished", A_EXIT, (FIRST_DAY, "Gévaudan Web", False), Situation.CDI, "Autre SARL", False, {JOB}, Diploma.BAC),
    (F, "finished", A_EXIT, (FIRST_DAY, "Lozère Numérique", True), Situation.UNKNOWN, "", False, set(), Diploma.BAC),
    (M, "finished", A_EXIT, (FIRST_DAY, "Gévaudan Web", False), None, "", True, {JOB}, Diploma.BAC),
    (M, "finished", A_EXIT, (FIRST_DAY, "Gévaudan Web", False), Situation.TRAINING, "", True, {JOB}, Diploma.BAC),
    (M, "finished", A_EXIT, (FIRST_DAY, "Gévaudan Web", True), Situation.JOB_SEARCH, "", True, set(), Diploma.BAC_2),
    (M, "finished", A_EXIT, (date(2026, 4, 14), "lozère  numérique", False), Situation.CDI, "Lozère Numérique", False,
     {JOB}, Diploma.BAC_2),
    (M, "finished", A_EXIT, (date(2026, 7, 1), "Cévennes Data", False), Situation.CDI, "Cévennes Data", False, set(),
     Diploma.BAC_2),
    (X, "dropped", date(2026, 5, 4), None, None, "", True, {QPV}, Diploma.BAC_2),
    (X, "dropped", FIRST_DAY, None, None, "", True, set(), Diploma.BAC_2),
    (F, "in_training", None, None, None, "", False, {JOB}, Diploma.BAC_2),
    (F, "dropped", date(2026, 2, 15), (date(2026, 1, 5), "Causses Info", False), Situation.CDI, "Causses Info", False,
     set(), Diploma.BAC_2),
]  # fmt: skip
B_PLACED = (date(2025, 4, 7), "Aubrac Studio", False)
B_LEARNERS = [
    (F, "finished", B_EXIT, B_PLACED, Situation.CDI, "AUBRAC STUDIO", False, {JOB, QPV}, Diploma.BELOW_BAC),
    (F, "finished", B_EXIT, B_PLACED, Situation.CDI, "Aubrac Studio", False, set(), Diploma.BELOW_BAC),
    (M, "finished", B_EXIT, B_PLACED, Situation.CDI, "aubrac studio", False, {JOB}, Diploma.BELOW_BAC),
    (M, "finished", B_EXIT, B_PLACED, Situation.CDD_LONG, "Autre SAS", False, set(), Diploma.BELOW_BAC),
    (M, "finished", B_EXIT, (date(2025, 4, 7), "Gévaudan Web", False), Situation.CDI, "GEVAUDAN WEB", False, set(),
     Diploma.BELOW_BAC),
    (M, "finished", B_EXIT, B_PLACED, Situation.UNKNOWN, "", True, set(), Diploma.BELOW_BAC),
]  # fmt: skip


def _make(cohort, rows) -> None:
    for gender, status, exit_date, placed, situation, employer, middle_aged, flags, diploma in rows:
        learner = factories.learner(cohort, gender=gender, diploma=diploma)
        if middle_aged:
            learner.birth_date = date.fromisoformat(LATE)
        learner.flags = set(flags)
        enrolment = learner.enrolments[0]
        enrolment.status, enrolment.exit_date = EnrolmentStatus(status), exit_date
        if enrolment.status == EnrolmentStatus.DROPPED:
            enrolment.dropout_reason = DropoutReason.OTHER
        if placed is not None:
            start, company, ticked = placed
            end = date(start.year, start.month + 2, 1)
            factories.placement(enrolment, start=start, end=end, company=company).hired_by_host = ticked
        if situation is not None:
            db.session.add(Outcome(enrolment=enrolment, point=0, situation=situation, employer=employer))


def _placement_day(cohort, day: date, when: HalfDay = HalfDay.AM, state: SessionState = SessionState.OPEN) -> None:
    made = factories.half_day(cohort, day, when)
    made.kind, made.state = SessionKind.PLACEMENT, state


@pytest.fixture
def placed(app: Flask) -> int:
    """The hand-made learners above, at Florac; the site's id."""
    with app.app_context():
        site = factories.site("Florac")
        a = factories.cohort("Florac 2025", at=site, start=date(2025, 9, 1), end=date(2026, 6, 26))
        b = factories.cohort("Florac 2024", at=site, start=date(2024, 9, 2), end=date(2025, 6, 27))
        factories.half_day(a, date(2026, 4, 9))  # in the centre
        _placement_day(a, date(2026, 4, 10), state=SessionState.CANCELLED)  # not held: not the period's start
        for day, when in ((FIRST_DAY, HalfDay.AM), (FIRST_DAY, HalfDay.PM), (date(2026, 4, 14), HalfDay.AM)):
            _placement_day(a, day, when)
        factories.half_day(b, date(2025, 4, 4))  # Florac 2024: centre half-days only
        _make(a, A_LEARNERS)
        _make(b, B_LEARNERS)
        db.session.commit()
        return site.id


def _export(app: Flask, *arguments: str):
    return app.test_cli_runner().invoke(args=["export", "placements", *arguments])


def _lines(app: Flask, by: str, *filters: str) -> list[str]:
    result = _export(app, "--by", by, *filters)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_counts_and_rates_by_group_worked_by_hand(app: Flask, world, placed) -> None:
    for by, expected in EXPECTED.items():
        assert _lines(app, by, "--site", "Florac") == expected, by
        assert _lines(app, by) == expected, by  # the world's cohorts count nowhere: no period, no placement before exit


def test_the_day_and_the_filters(app: Flask, world, placed) -> None:
    # the day before the period: nobody counted for the placement rate; leavers by then: Florac 2024's and #13
    # (1 known exit in 2025: hidden, and so is 2024 (*))
    before = [HEADER, "all,<5,,,7,6,5,83.3", "2024,<5,,,,*,,", "2025,<5,,,,<5,,"]
    assert _lines(app, "year", "--as-of", "2026-04-12") == before
    assert _lines(app, "year", "--as-of", "2026-04-13")[1] == "all,12,7,58.3,7,6,5,83.3"  # the first day counts
    assert _lines(app, "year", "--year", "2025")[1:] == ["all,12,7,58.3,9,7,4,57.1", "2025,12,7,58.3,9,7,4,57.1"]
    with app.app_context():
        factories.site("Marvejols")
        db.session.commit()
    assert _lines(app, "gender", "--site", "Marvejols") == [HEADER, "all,<5,,,,<5,,"]
    with app.app_context():
        # women only: 5 learners, 4 placed (1-4); 7 leavers with a placement, 6 known, 5 hired
        women = placements_report.placement_rows(Filters(gender=F), "year")
        assert [(r.group, r.learners, r.placed_by_start, r.known, r.hired_by_host) for r in women] == [
            ("all", 5, 4, 6, 5), ("2024", 0, 0, 0, 0), ("2025", 5, 4, 0, 0)
        ]
        assert [(r.placement_mark, r.hired_mark) for r in women[1:]] == [
            (Hiding(True), Hiding(True)), (Hiding(False), Hiding(True))  # 2 and 4 known: both hidden, no secondary
        ]


def test_a_placement_the_tutor_dates_late_or_a_later_tick_moves_the_figures(app: Flask, world, placed) -> None:
    with app.app_context():
        late = db.session.scalars(sa.select(Placement).where(Placement.company_name == "lozère numérique")).one()
        late.start_date = FIRST_DAY  # the learner #8 now starts on the first day
        in_training = db.session.scalars(
            sa.select(Placement).join(Enrolment).join(Outcome).where(Outcome.situation == Situation.TRAINING)
        ).one()
        in_training.hired_by_host = True  # a tick on a learner in training: not a job, not hired
        other = db.session.scalars(
            sa.select(Placement).join(Enrolment).join(Outcome).where(Outcome.employer == "Autre SARL")
        ).one()
        other.hired_by_host = True  # « Autre SARL » is the host after all (a manager says so)
        db.session.commit()
    assert _lines(app, "year", "--site", "Florac")[1] == "all,12,8,66.7,15,12,9,75.0"


def test_csv_and_cli_print_the_same_bytes(app: Flask, client, auth: AuthActions, world, placed) -> None:
    auth.login("manager@example.org")
    for by in placements_report.BREAKDOWNS:
        for query, arguments in (("", ()), (f"&site={placed}", ("--site", "Florac"))):
            response = client.get(f"/placements/export.csv?by={by}{query}")
            assert response.status_code == 200 and response.mimetype == "text/csv", by
            today = date.today().isoformat()
            assert response.headers["Content-Disposition"] == f'attachment; filename="placements-{by}-{today}.csv"'
            assert response.data == _export(app, "--by", by, *arguments).output.encode("utf-8"), by
            assert response.text.splitlines() == EXPECTED[by]
    filtered = client.get(f"/placements/export.csv?by=year&site={placed}&year=2024&as_of=2026-04-12")
    cli = _export(app, "--by", "year", "--site", "Florac", "--year", "2024", "--as-of", "2026-04-12")
    assert filtered.data == cli.output.encode()
    assert filtered.text.splitlines()[1:] == ["all,<5,,,6,5,4,80.0", "2024,<5,,,6,5,4,80.0"]


@pytest.mark.parametrize(
    "query",
    ["", "by=planet", "by=all", "by=cohort", "by=gender&site=abc", "by=gender&year=1900", "by=gender&gender=robot",
     "by=gender&as_of=32/13/2026", "by=gender&as_of=1800-01-01"],
)  # fmt: skip
def test_export_refuses_bad_parameters_in_one_line(client, auth: AuthActions, world, query: str) -> None:
    auth.login("manager@example.org")
    response = client.get(f"/placements/export.csv?{query}")
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "Paramètre « by » invalide" in text or "Filtres invalides" in text


@pytest.mark.parametrize("query", ["by=planet", "by=cohort", "site=999999", "year=abc", "as_of=demain"])
def test_the_page_refuses_a_bad_query(client, auth: AuthActions, world, query: str) -> None:
    auth.login("manager@example.org")
    assert client.get(f"/placements?{query}").status_code == 400


@pytest.mark.parametrize(
    "arguments,message",
    [
        ([], "Missing option '--by'"),
        (["--by", "planet"], "'planet' is not one of"),
        (["--by", "all"], "'all' is not one of"),
        (["--by", "gender", "--site", "Nowhere"], "no site named 'Nowhere'"),
        (["--by", "gender", "--year", "last"], "'last' is not a valid integer"),
        (["--by", "gender", "--as-of", "12/04/2026"], "does not match the format"),
        (["--by", "gender", "--as-of", "1800-01-01"], "date out of range"),
    ],
)
def test_cli_refuses_bad_parameters_in_one_line(app: Flask, arguments: list, message: str) -> None:
    result = _export(app, *arguments)
    assert result.exit_code == 2 and message in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("Error")]) == 1


def test_the_columns_never_change() -> None:
    assert ",".join(placements_report.COLUMNS) == HEADER
    assert placements_report.BREAKDOWNS == ("year", "gender", "age", "public", "diploma")


def test_each_half_is_hidden_from_its_own_people() -> None:
    row = placements_report.PlacementRow
    table = placements_report.table
    assert row("x", learners=4, placed_by_start=4).placement_rate is None  # no rate under 5
    assert row("x", learners=5, placed_by_start=4).placement_rate == 80.0
    assert row("x", leavers_with_placement=9, known=4, hired_by_host=2).hired_by_host_rate is None
    shown = table([row("all", 12, 7, 9, 8, 4), row("2024", 3, 1, 4, 3, 1), row("2025", 9, 6, 5, 5, 3)], "year")
    # the placement half: 2024 (3) hidden, 2025 too (*); the hiring half: 2024 (3 known) hidden, 2025 (5) too (*)
    assert [(r.placement_mark, r.hired_mark) for r in shown] == [
        (Hiding(False), Hiding(False)), (Hiding(True), Hiding(True)), (Hiding(True, True), Hiding(True, True))
    ]
    assert placements_report.csv_row(shown[2]) == ["2025", "*", None, None, None, "*", None, None]
    assert shown[1].learners == shown[1].known == shown[1].hired_by_host == 0  # emptied: no template can show them
    # public flags overlap: no secondary suppression
    public = table([row("all", 12, 7, 9, 8, 4), row("rqth", 3, 1, 4, 3, 1), row("qpv", 9, 6, 5, 5, 3)], "public")
    assert [r.placement_mark.hidden for r in public] == [False, True, False]
    # nobody in a half: `<5`, but no group to protect by hiding another
    empty = table([row("all", 12, 7, 9, 8, 4), row("2024", 0, 0, 4, 3, 1), row("2025", 12, 7, 5, 5, 3)], "year")
    assert [r.placement_mark for r in empty] == [Hiding(False), Hiding(True), Hiding(False)]
    assert table([row("all", 3, 3)], "year")[0].placement_mark.hidden


def test_only_managers_see_the_placement_figures(client, auth: AuthActions, world) -> None:
    for path in ("/placements", "/placements/export.csv?by=gender"):
        assert client.get(path).status_code == 302  # to the login page
        for email in ("learner@example.org", "trainer@example.org", "admin@example.org"):
            auth.login(email)
            assert client.get(path).status_code == 404, (email, path)
            auth.logout()
        auth.login("manager@example.org")
        assert client.get(path).status_code == 200
        auth.logout()


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(text)).replace("> <", "><").replace("\u202f", " ").replace("\xa0", " ")


def test_the_page_shows_both_rates_definitions_tables_and_links(client, auth: AuthActions, world, placed) -> None:
    auth.login("manager@example.org")
    page = _flat(client.get("/placements?by=gender").text)
    assert "Taux de placement</dt><dd>58,3 % (7 sur 12)" in page
    assert "Taux d'embauche par l'entreprise d'accueil</dt><dd>66,7 % (8 sur 12)" in page
    assert "ses demi-journées « en entreprise » du calendrier" in page and "au plus tard le premier jour" in page
    assert "« embauché·e par l'entreprise d'accueil » cochée par un·e responsable" in page
    assert 'data-target="chart-placement"' in page and 'data-target="chart-hired"' in page
    assert page.count('href="/placements/export.csv?by=gender"') == 3
    assert '<th scope="row">homme</th><td class="num">5</td><td class="num">3</td><td class="num">60,0 %</td>' in page
    assert '<td class="num">8</td><td class="num">6</td><td class="num">3</td><td class="num">50,0 %</td>' in page
    assert "groupe masqué lui aussi" in page and "moins de 5" in page  # women (*), « other »
    assert "un seul groupe comptait moins de 5 apprenant·es" in page
    assert 'aria-current="page">Par genre</a>' in page and 'aria-current="page">Stages</a>' in page
    assert '<input type="hidden" name="by" value="gender">' in page
    default = _flat(client.get("/placements").text)
    assert 'aria-current="page">Par année d\'entrée</a>' in default and "57,1 %" in default
    filtered = _flat(client.get(f"/placements?year=2025&by=diploma&site={placed}&as_of=2026-04-13").text)
    assert "Taux de placement</dt><dd>58,3 % (7 sur 12)" in filtered  # leavers by then: #13 only
    assert "Moins de 5 situations connues : aucun chiffre n'est affiché." in filtered
    assert f'href="/placements/export.csv?by=diploma&year=2025&site={placed}&as_of=2026-04-13"' in filtered
    for tab in ("/insertion", "/attendance", "/certification", "/satisfaction"):
        assert 'href="/placements">Stages</a>' in client.get(tab).text, tab


def test_the_charts_draw_the_groups_that_show_each_rate(client, auth: AuthActions, world, placed) -> None:
    auth.login("manager@example.org")
    page = client.get("/placements?by=gender").text
    figures = {
        target: json.loads(source)
        for target, source in re.findall(
            r'<script type="application/json" class="chart-data" data-target="([^"]+)">(.*?)</script>', page
        )
    }
    assert set(figures) == {"chart-placement", "chart-hired"}
    for figure in figures.values():
        go.Figure(figure)  # Plotly's schema: a wrong property raises ValueError
    placement, hired = figures["chart-placement"]["data"][0], figures["chart-hired"]["data"][0]
    assert placement["x"] == ["ensemble", "homme"] and placement["y"] == [58.3, 60.0]  # women (*) and « other » hidden
    assert placement["customdata"] == [12, 5]
    assert hired["x"] == ["ensemble", "femme", "homme"] and hired["y"] == [66.7, 83.3, 50.0]
    assert hired["customdata"] == [12, 6, 6]


def test_the_chart_alone() -> None:
    figure = placement_rate_by_group(["x", "y"], [58.33, 80.0], [12, 5], {"rate": "a", "people": "b"}, "green", "/")
    go.Figure(figure)
    assert figure["data"][0]["y"] == [58.3, 80.0] and figure["data"][0]["name"] == "a"
    assert figure["data"][0]["marker"] == {"color": "#009E73", "pattern": {"shape": "/"}}
    assert figure["layout"]["yaxis"]["range"] == [0, 100]


def test_the_dashboard_shows_both_rates_for_its_filters(client, auth: AuthActions, world, placed) -> None:
    auth.login("manager@example.org")
    page = _flat(client.get("/insertion").text)
    block = page[page.index('id="placements"') :]
    assert "Taux de placement</dt><dd>58,3 % (7 sur 12)" in block
    assert "Taux d'embauche par l'entreprise d'accueil</dt><dd>66,7 % (8 sur 12)" in block
    assert "au plus tard le premier jour de la période" in block
    assert '<a href="/placements">Stages par année, genre, âge, public et diplôme</a>' in block
    filtered = _flat(client.get(f"/insertion?view=publics&year=2024&site={placed}&point=3").text)
    block = filtered[filtered.index('id="placements"') :]
    assert "Moins de 5 apprenant·es : aucun chiffre n'est affiché." in block and "80,0 % (4 sur 5)" in block
    assert f'href="/placements?year=2024&site={placed}"' in block  # the cohort filters, not the point


def test_the_page_runs_a_fixed_number_of_queries(
    app: Flask, client, auth: AuthActions, world, placed, count_queries
) -> None:
    auth.login("manager@example.org")
    with count_queries() as few:
        client.get("/placements?by=public")
    with count_queries() as export:
        client.get("/placements/export.csv?by=public")
    with app.app_context():
        cohort = factories.cohort("Florac 2023", start=date(2023, 9, 4), end=date(2024, 6, 28))
        for day in (date(2024, 4, 8), date(2024, 4, 9)):
            _placement_day(cohort, day)
        for n in range(30):
            learner = factories.learner(cohort, gender=M if n % 2 else F)
            learner.flags = {PublicFlag.RSA, PublicFlag.ZRR}
            enrolment = learner.enrolments[0]
            enrolment.status, enrolment.exit_date = EnrolmentStatus.FINISHED, date(2024, 6, 28)
            factories.placement(enrolment, start=date(2024, 4, 8), end=date(2024, 6, 7), company=f"Firme {n % 3}")
            db.session.add(Outcome(enrolment=enrolment, point=0, situation=Situation.CDI, employer=f"FIRME {n % 2}"))
        db.session.commit()
    with count_queries() as many:
        client.get("/placements?by=public")
    with count_queries() as bigger_export:
        export_text = client.get("/placements/export.csv?by=public").text
    # everyone placed from the first day; hired where « Firme n % 3 » is « FIRME n % 2 »: 10 of 30
    assert "\nrsa,30,30,100.0,30,30,10,33.3\n" in export_text
    # the session's user, the data version, the filters' choices, one query for `all` and the groups;
    # the export: the user, the filters' choices and one query
    assert few.count == many.count == 4, many.statements
    assert export.count == bigger_export.count == 3, bigger_export.statements
    with count_queries() as cached:
        client.get("/placements?by=public")
    assert cached.count == 2  # kept until the next write


def test_learners_are_counted_once_whatever_their_placements(app: Flask, world, placed) -> None:
    with app.app_context():
        first = db.session.scalars(sa.select(Placement).where(Placement.company_name == "Commune de Mende")).one()
        factories.placement(first.enrolment, start=date(2026, 5, 18), end=date(2026, 6, 12), company="Autre Boîte")
        db.session.commit()
    assert _lines(app, "year", "--site", "Florac") == EXPECTED["year"]
