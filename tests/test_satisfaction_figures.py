"""Satisfaction figures for managers: hand-made invitations and anonymous answers, every breakdown and both kinds of
/satisfaction/export.csv and `flask export satisfaction` byte for byte, small groups and secondary suppression,
overlapping publics, the page, its charts, the dashboard's block, roles and the number of queries."""

import html
import json
import re
from datetime import date

import plotly.graph_objects as go
import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.indicators import Filters
from bootcamp.models import (
    AgeBand,
    Cohort,
    Gender,
    PublicFlag,
    SurveyCampaign,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
)
from bootcamp.reports import satisfaction as satisfaction_report
from bootcamp.reports.charts import satisfaction_by_group

from . import factories
from .conftest import AuthActions

HEADER = "group,invited,respondents,response_rate,satisfied,satisfaction_rate"
F, M, X = Gender.FEMALE, Gender.MALE, Gender.OTHER  # X: « autre »
YOUNG, MIDDLE = AgeBand.UNDER_26, AgeBand.FROM_26_TO_44
JOB, QPV = PublicFlag.JOBSEEKER, PublicFlag.QPV
# Worked by hand. Cahors 2024 (12 learners: 6 women, 6 men; 3 men aged 26-44 at entry; 4 job seekers, 3 in a QPV)
# and Cahors 2025 (8: 3 women, 3 men, 2 other; 3 aged 26-44; 4 job seekers) are all invited « à chaud ».
# Answers « à chaud » (gender, overall, age band, publics), satisfied = overall 4 or 5:
A_HOT = [(F, 5, YOUNG, {JOB}), (F, 4, YOUNG, {JOB}), (F, 4, YOUNG, ()), (F, 2, MIDDLE, ()), (M, 5, YOUNG, {JOB}),
         (M, 4, MIDDLE, ()), (M, 1, YOUNG, {JOB})]  # 7 answers, 5 satisfied  # fmt: skip
B_HOT = [(F, 4, YOUNG, {JOB, QPV}), (F, 3, MIDDLE, {QPV}), (M, 5, YOUNG, {JOB}), (M, 2, MIDDLE, ()), (X, 4, YOUNG, ()),
         (X, 1, MIDDLE, ())]  # 6 answers, 3 satisfied  # fmt: skip
# « À froid »: Cahors 2024 only, 12 invited, 3 answers (all satisfied): fewer than 5, nothing shown.
A_COLD = [(F, 5, YOUNG, ()), (M, 4, YOUNG, ()), (M, 5, MIDDLE, ())]
ALL_HOT = "all,20,13,65.0,8,61.5"  # 13 / 20; 8 / 13
EXPECTED = {
    ("year", "hot"): [HEADER, ALL_HOT, "2024,12,7,58.3,5,71.4", "2025,8,6,75.0,3,50.0"],  # 7/12, 5/7; 6/8, 3/6
    # women: 9 invited (6 + 3), 6 answers, 4 satisfied; « other » 2 answers: hidden, so the next smallest (men: 5)
    ("gender", "hot"): [HEADER, ALL_HOT, "female,9,6,66.7,4,66.7", "male,,*,,,", "other,,<5,,,"],
    # under 26: 14 invited, 8 answers, 7 satisfied; 26-44: 6 invited, 5 answers, 1 satisfied
    ("age", "hot"): [HEADER, ALL_HOT, "under_26,14,8,57.1,7,87.5", "26_44,6,5,83.3,1,20.0"],
    # overlapping: one answer is both job seeker and QPV; QPV (2 answers) hidden, nobody else hidden for it
    ("public", "hot"): [HEADER, ALL_HOT, "jobseeker,8,6,75.0,5,83.3", "qpv,,<5,,,"],
    ("year", "cold"): [HEADER, "all,,<5,,,", "2024,,<5,,,"],
    ("gender", "cold"): [HEADER, "all,,<5,,,", "female,,<5,,,", "male,,<5,,,"],
    ("age", "cold"): [HEADER, "all,,<5,,,", "under_26,,<5,,,", "26_44,,<5,,,"],
    ("public", "cold"): [HEADER, "all,,<5,,,", "jobseeker,,<5,,,", "qpv,,<5,,,"],  # invited, nobody answered
}


def _answer(campaign, gender: Gender, overall: int, age_band: AgeBand, flags) -> None:
    response = SurveyResponse(campaign_id=campaign.id, gender=gender, age_band=age_band, overall=overall)
    for flag in flags:
        setattr(response, flag.value, True)
    db.session.add(response)


def _invite(campaign, learners) -> None:
    for learner in learners:
        db.session.add(SurveyInvitation(campaign=campaign, enrolment=learner.enrolments[0], answered=False))


def _learners(cohort, genders, middle_aged: int, flags: list) -> list:
    """Learners of `cohort` of these genders; the last `middle_aged` are 26-44 at entry; flags in order."""
    made = [factories.learner(cohort, gender=gender) for gender in genders]
    for learner in made[len(made) - middle_aged :]:
        learner.birth_date = date(1990, 5, 1)
    for learner, held in zip(made, flags):
        learner.flags = set(held)
    return made


@pytest.fixture
def answers(app: Flask) -> int:
    """The hand-made invitations and answers above, at Cahors; the site's id."""
    with app.app_context():
        site = factories.site("Cahors")
        a = factories.cohort("Cahors 2024", at=site, start=date(2024, 9, 2), end=date(2025, 6, 27))
        b = factories.cohort("Cahors 2025", at=site, start=date(2025, 9, 1), end=date(2026, 6, 26))
        a_flags = [{JOB}, {JOB, QPV}, {JOB}, {JOB}, {QPV}, {QPV}]
        a_learners = _learners(a, [F] * 6 + [M] * 6, 3, a_flags)
        b_learners = _learners(b, [F] * 3 + [M] * 3 + [X] * 2, 3, [{JOB}] * 4)
        db.session.flush()
        hot_a, hot_b, cold_a = (factories.survey_campaign(c, kind) for c, kind in (
            (a, SurveyKind.HOT), (b, SurveyKind.HOT), (a, SurveyKind.COLD)))  # fmt: skip
        _invite(hot_a, a_learners)
        _invite(hot_b, b_learners)
        _invite(cold_a, a_learners)
        for campaign, made in ((hot_a, A_HOT), (hot_b, B_HOT), (cold_a, A_COLD)):
            for answer in made:
                _answer(campaign, *answer)
        db.session.commit()
        return site.id


def _export(app: Flask, *arguments: str):
    return app.test_cli_runner().invoke(args=["export", "satisfaction", *arguments])


def _lines(app: Flask, by: str, kind: str, *filters: str) -> list[str]:
    result = _export(app, "--by", by, "--kind", kind, *filters)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_counts_and_rates_by_group_worked_by_hand(app: Flask, answers) -> None:
    for (by, kind), expected in EXPECTED.items():
        assert _lines(app, by, kind) == expected, (by, kind)


def test_the_filters_keep_to_the_chosen_cohorts(app: Flask, answers) -> None:
    only_2024 = [HEADER, "all,12,7,58.3,5,71.4", "2024,12,7,58.3,5,71.4"]  # the brief's example: 7/12, 5/7
    assert _lines(app, "year", "hot", "--year", "2024") == only_2024
    assert _lines(app, "year", "hot", "--site", "Cahors") == EXPECTED[("year", "hot")]
    with app.app_context():
        factories.site("Figeac")
        db.session.commit()
    assert _lines(app, "year", "hot", "--site", "Figeac") == [HEADER, "all,,<5,,,"]
    with app.app_context():
        # the invited women (9) and the answers given as a woman (6), by the cohort's year
        women = satisfaction_report.counted(Filters(gender=F), ("year",))["hot"]["year"]
        assert [(r.group, r.invited, r.respondents, r.satisfied) for r in women] == [
            ("all", 9, 6, 4), ("2024", 6, 4, 3), ("2025", 3, 2, 1)
        ]
        shown = satisfaction_report.satisfaction_rows(Filters(gender=F), "year", "hot")
        assert [(r.hidden, r.secondary) for r in shown] == [(False, False), (True, False), (True, False)]


def test_csv_and_cli_print_the_same_bytes(app: Flask, client, auth: AuthActions, world, answers) -> None:
    auth.login("manager@example.org")
    for by in satisfaction_report.BREAKDOWNS:
        for kind in satisfaction_report.KINDS:
            response = client.get(f"/satisfaction/export.csv?by={by}&kind={kind}")
            assert response.status_code == 200 and response.mimetype == "text/csv", (by, kind)
            assert response.headers["Content-Disposition"] == f'attachment; filename="satisfaction-{kind}-{by}.csv"'
            assert response.data == _export(app, "--by", by, "--kind", kind).output.encode("utf-8"), (by, kind)
            assert response.text.splitlines() == EXPECTED[(by, kind)]
    filtered = client.get(f"/satisfaction/export.csv?by=gender&kind=hot&site={answers}&year=2024")
    cli = _export(app, "--by", "gender", "--kind", "hot", "--site", "Cahors", "--year", "2024")
    assert filtered.data == cli.output.encode()
    assert filtered.text.splitlines()[1] == "all,12,7,58.3,5,71.4"


@pytest.mark.parametrize(
    "query",
    [
        "",  # the breakdown and the kind are required
        "by=gender",
        "kind=hot",
        "by=planet&kind=hot",
        "by=all&kind=hot",
        "by=cohort&kind=hot",  # not a satisfaction breakdown
        "by=gender&kind=warm",
        "by=gender&kind=hot&site=abc",
        "by=gender&kind=hot&year=1900",
        "by=gender&kind=hot&gender=robot",
    ],
)
def test_export_refuses_bad_parameters(client, auth: AuthActions, world, query: str) -> None:
    auth.login("manager@example.org")
    response = client.get(f"/satisfaction/export.csv?{query}")
    assert response.status_code == 400
    assert "Paramètre" in html.unescape(response.text) or "Filtres invalides" in html.unescape(response.text)


@pytest.mark.parametrize(
    "query", ["by=planet", "by=cohort", "site=999999", "year=abc", "gender=robot", "by=" + "x" * 201]
)
def test_the_page_refuses_a_bad_query(client, auth: AuthActions, world, query: str) -> None:
    auth.login("manager@example.org")
    assert client.get(f"/satisfaction?{query}").status_code == 400


@pytest.mark.parametrize(
    "arguments,message",
    [
        ([], "Missing option '--by'"),
        (["--by", "gender"], "Missing option '--kind'"),
        (["--by", "planet", "--kind", "hot"], "'planet' is not one of"),
        (["--by", "gender", "--kind", "warm"], "'warm' is not one of"),
        (["--by", "gender", "--kind", "hot", "--site", "Nowhere"], "no site named 'Nowhere'"),
        (["--by", "gender", "--kind", "hot", "--year", "last"], "'last' is not a valid integer"),
    ],
)
def test_cli_refuses_bad_parameters_in_one_line(app: Flask, arguments: list, message: str) -> None:
    result = _export(app, *arguments)
    assert result.exit_code == 2 and message in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("Error")]) == 1


def test_the_columns_never_change() -> None:
    assert ",".join(satisfaction_report.COLUMNS) == HEADER
    assert satisfaction_report.BREAKDOWNS == ("year", "gender", "age", "public")
    assert satisfaction_report.KINDS == ("hot", "cold")


def test_no_rate_under_five_respondents() -> None:
    row = satisfaction_report.SatisfactionRow
    assert row("x", invited=12, respondents=4, satisfied=4).response_rate is None
    assert row("x", invited=12, respondents=4, satisfied=4).satisfaction_rate is None
    assert row("x", invited=4, respondents=5, satisfied=5).response_rate is None  # a profile changed since
    assert row("x", invited=12, respondents=5, satisfied=4).satisfaction_rate == 80.0
    assert satisfaction_report.table([row("all", 3, 3, 3)], "year")[0].hidden


def test_only_managers_see_the_satisfaction_figures(client, auth: AuthActions, world) -> None:
    for path in ("/satisfaction", "/satisfaction/export.csv?by=gender&kind=hot"):
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


def test_the_page_shows_both_kinds_definitions_tables_and_links(client, auth: AuthActions, world, answers) -> None:
    auth.login("manager@example.org")
    page = _flat(client.get("/satisfaction?by=gender").text)
    assert "Taux de réponse</dt><dd>65,0 % (13 réponses sur 20 personnes invitées)" in page
    assert "Taux de satisfaction</dt><dd>61,5 % (8 sur 13)" in page
    assert page.count("Moins de 5 réponses : aucun chiffre n'est affiché.") == 1  # « à froid »
    assert "Réponses / personnes invitées." in page and "(4 ou 5 sur 5)" in page and "anonymes" in page
    for kind in ("hot", "cold"):
        assert f'data-target="chart-{kind}"' in page
        assert f'href="/satisfaction/export.csv?by=gender&kind={kind}"' in page
    assert '<td class="num">6</td><td class="num">9</td><td class="num">66,7 %</td>' in page  # women
    assert "groupe masqué lui aussi" in page and "moins de 5" in page  # men (*), « other »
    assert 'aria-current="page">Par genre</a>' in page and 'aria-current="page">Satisfaction</a>' in page
    assert '<input type="hidden" name="by" value="gender">' in page  # filtering stays on this breakdown
    default = _flat(client.get("/satisfaction").text)
    assert 'aria-current="page">Par année d\'entrée</a>' in default and "58,3 %" in default
    assert 'href="/satisfaction/export.csv?by=year&kind=hot"' in default
    filtered = _flat(client.get(f"/satisfaction?year=2024&by=age&site={answers}").text)
    assert "58,3 % (7 réponses sur 12 personnes invitées)" in filtered
    assert f'href="/satisfaction/export.csv?by=age&kind=hot&year=2024&site={answers}"' in filtered


def test_the_charts_draw_both_rates_of_the_groups_shown(client, auth: AuthActions, world, answers) -> None:
    auth.login("manager@example.org")
    page = client.get("/satisfaction?by=gender").text
    figures = {
        target: json.loads(source)
        for target, source in re.findall(
            r'<script type="application/json" class="chart-data" data-target="([^"]+)">(.*?)</script>', page
        )
    }
    assert set(figures) == {"chart-hot", "chart-cold"}
    for figure in figures.values():
        go.Figure(figure)  # Plotly's schema: a wrong property raises ValueError
    hot = figures["chart-hot"]["data"]
    assert hot[0]["x"] == ["ensemble", "femme"]  # hidden groups are not drawn
    assert hot[0]["y"] == [65.0, 66.7] and hot[1]["y"] == [61.5, 66.7]
    assert hot[0]["customdata"] == [13, 6]
    assert figures["chart-cold"]["data"][0]["x"] == []  # fewer than 5 answers: nothing drawn


def test_the_chart_alone() -> None:
    labels = {"response": "a", "satisfaction": "b", "people": "c"}
    figure = satisfaction_by_group(["x", "y"], [58.33, None], [71.43, 80.0], [7, 5], labels)
    go.Figure(figure)
    assert figure["data"][0]["y"] == [58.3, 0.0] and figure["data"][1]["y"] == [71.4, 80.0]
    assert figure["data"][0]["name"] == "a" and figure["layout"]["yaxis"]["range"] == [0, 100]


def test_the_dashboard_shows_both_rates_for_its_filters(client, auth: AuthActions, world, answers) -> None:
    auth.login("manager@example.org")
    page = _flat(client.get("/insertion").text)
    block = page[page.index('id="satisfaction"') :]
    assert "À chaud" in block and "65,0 % (13 réponses sur 20 personnes invitées)" in block
    assert "61,5 % (8 sur 13)" in block and "Moins de 5 réponses" in block  # « à froid »
    assert '<a href="/satisfaction">Satisfaction par année, genre, âge et public</a>' in block
    assert 'href="/satisfaction">Satisfaction</a>' in page  # the tab
    filtered = _flat(client.get(f"/insertion?view=publics&year=2024&site={answers}&point=3").text)
    block = filtered[filtered.index('id="satisfaction"') :]
    assert "58,3 % (7 réponses sur 12 personnes invitées)" in block and "71,4 % (5 sur 7)" in block
    assert f'href="/satisfaction?year=2024&site={answers}"' in block  # the cohort filters, not the point


def test_a_new_answer_moves_the_figures(app: Flask, client, auth: AuthActions, world, answers) -> None:
    auth.login("manager@example.org")
    assert "65,0 %" in _flat(client.get("/satisfaction").text)
    with app.app_context():
        campaign = db.session.scalars(
            sa.select(SurveyCampaign).join(Cohort).where(Cohort.name == "Cahors 2024", SurveyCampaign.kind == "hot")
        ).one()
        _answer(campaign, F, 5, YOUNG, ())
        db.session.commit()
    assert "70,0 % (14 réponses sur 20 personnes invitées)" in _flat(client.get("/satisfaction").text)


def test_the_page_runs_a_fixed_number_of_queries(
    app: Flask, client, auth: AuthActions, world, answers, count_queries
) -> None:
    auth.login("manager@example.org")
    with count_queries() as few:
        client.get("/satisfaction?by=public")
    with count_queries() as export:
        client.get("/satisfaction/export.csv?by=public&kind=hot")
    with app.app_context():
        cohort = factories.cohort("Cahors 2023", start=date(2023, 9, 4), end=date(2024, 6, 28))
        learners = [factories.learner(cohort, gender=M if n % 2 else F) for n in range(30)]
        for learner in learners:
            learner.flags = {PublicFlag.RSA, PublicFlag.ZRR}
        db.session.flush()
        campaign = factories.survey_campaign(cohort, SurveyKind.COLD)
        _invite(campaign, learners)
        for n in range(20):
            _answer(campaign, M if n % 2 else F, 1 + n % 5, YOUNG, {PublicFlag.RSA, PublicFlag.ZRR})
        db.session.commit()
    with count_queries() as many:
        client.get("/satisfaction?by=public")
    with count_queries() as bigger_export:
        client.get("/satisfaction/export.csv?by=public&kind=hot")
    # the session's user, the data version, the filters' choices, one query for both kinds, `all` and the groups;
    # the export: the user, the filters' choices and one query
    assert few.count == many.count == 4, many.statements
    assert export.count == bigger_export.count == 3, bigger_export.statements
    with count_queries() as cached:
        client.get("/satisfaction?by=public")
    assert cached.count == 2  # kept until the next write
