"""Attendance on the managers' dashboard: hand-made roll calls across groups, the small-group rule, the CSV and
`flask export attendance` byte for byte, the period's refusals, roles and the number of queries."""

import html
import json
import re
from datetime import date, time

import plotly.graph_objects as go
import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.indicators import hiding
from bootcamp.models import (
    Cohort,
    Gender,
    HalfDay,
    Justification,
    Presence,
    PublicFlag,
    SessionKind,
    SessionState,
    Site,
)
from bootcamp.reports import attendance as attendance_report
from bootcamp.reports.charts import attendance_by_group

from . import factories
from .conftest import AuthActions

FROM, TO = "2026-03-02", "2026-03-03"
PERIOD = f"from={FROM}&to={TO}"
HEADER = (
    "group,learners,planned_hours,present_hours,justified_absence_hours,unjustified_absence_hours,"
    "attendance_rate,unjustified_rate"
)
# Worked by hand (minutes; 210 a half-day of 3 h 30, 180 for B's second one):
# A (cohort of 2025): 15 learners × 3 half-days × 210 = 9450 planned; M1 absent (unjustified), F1 absent
#   (accepted), F2 absent (pending: unjustified) = 630 absent; M2 late 30, F3 left early 60.
# B (cohort of 2026): 7 learners × (210 + 180) = 2730 planned; U1 absent (refused: unjustified) 210; U2 late 15.
# All: planned 12180 = 203.00 h, present 12180 − 840 − 105 = 11235 = 187.25 h, justified 210 = 3.50 h,
#   unjustified 630 = 10.50 h; rates 11235 / 12180 = 92.24 %, 630 / 12180 = 5.17 %.
ALL = "all,22,203.00,187.25,3.50,10.50,92.2,5.2"
# Gender: 5 women, 6 men, 4 « other » (hidden: <5), 7 undeclared: the smallest other group, the women, is hidden too.
BY_GENDER = [
    HEADER,
    ALL,
    "female,*,,,,,,",
    "male,6,63.00,59.00,0.00,3.50,93.7,5.6",  # 3780 planned, 3540 present: 93.65 %; 210 / 3780 = 5.56 %
    "other,<5,,,,,,",
    "undeclared,7,45.50,41.75,0.00,3.50,91.8,7.7",  # 2505 / 2730 = 91.76 %; 210 / 2730 = 7.69 %
]
BY_YEAR = [
    HEADER,
    ALL,
    "2025,15,157.50,145.50,3.50,7.00,92.4,4.4",  # 8730 / 9450 = 92.38 %; 420 / 9450 = 4.44 %
    "2026,7,45.50,41.75,0.00,3.50,91.8,7.7",
]
# Publics overlap: the three QPV learners are hidden, and nothing else (no subtraction tells them).
BY_PUBLIC = [HEADER, ALL, "jobseeker,6,63.00,59.00,0.00,3.50,93.7,5.6", "qpv,<5,,,,,,"]


@pytest.fixture
def roll_calls(app: Flask) -> None:
    """Two cohorts of Alès with roll calls on 2 and 3 March 2026, and records that must count nowhere: before and
    after the period, on a cancelled half-day, on a company placement day."""
    with app.app_context():
        site = factories.site("Alès")
        a = factories.cohort("Alès 2025", at=site, start=date(2025, 9, 1), end=date(2026, 7, 3))
        b = factories.cohort("Alès 2026", at=site, start=date(2026, 1, 5), end=date(2026, 11, 6))
        men = [factories.learner(a, gender=Gender.MALE) for _ in range(6)]
        women = [factories.learner(a, gender=Gender.FEMALE) for _ in range(5)]
        others = [factories.learner(a, gender=Gender.OTHER) for _ in range(4)]
        undeclared = [factories.learner(b, gender=Gender.UNDECLARED) for _ in range(7)]
        outside = factories.learner(a, gender=Gender.OTHER)  # records outside the period only: not counted
        for person in men:
            person.flags = {PublicFlag.JOBSEEKER}
        for person in women[:3]:
            person.flags = {PublicFlag.QPV}
        a_days = [factories.half_day(a, date(2026, 3, 2)), factories.half_day(a, date(2026, 3, 2), HalfDay.PM)]
        a_days.append(factories.half_day(a, date(2026, 3, 3)))
        b_days = [factories.half_day(b, date(2026, 3, 2), HalfDay.PM)]
        b_days.append(factories.half_day(b, date(2026, 3, 3), starts=time(9), ends=time(12)))
        ignored = [factories.half_day(a, date(2025, 3, 3)), factories.half_day(a, date(2026, 3, 4))]
        cancelled = factories.half_day(a, date(2026, 3, 3), HalfDay.PM)
        cancelled.state = SessionState.CANCELLED
        placement = factories.half_day(b, date(2026, 3, 2))
        placement.kind = SessionKind.PLACEMENT
        ignored += [cancelled]
        exceptions = {
            (men[0], 0): {"presence": Presence.ABSENT},
            (men[1], 1): {"presence": Presence.LATE, "minutes": 30},
            (women[0], 0): {"presence": Presence.ABSENT, "justification": Justification.ACCEPTED},
            (women[1], 1): {"presence": Presence.ABSENT, "justification": Justification.PENDING},
            (women[2], 2): {"presence": Presence.LEFT_EARLY, "minutes": 60},
            (undeclared[0], 0): {"presence": Presence.ABSENT, "justification": Justification.REFUSED},
            (undeclared[1], 1): {"presence": Presence.LATE, "minutes": 15},
        }
        for people, days in ((men + women + others, a_days), (undeclared, b_days)):
            for person in people:
                for index, session in enumerate(days):
                    factories.attendance(session, person.enrolments[0], **exceptions.get((person, index), {}))
        for person in [*men, *women, outside]:
            for session in ignored:
                factories.attendance(session, person.enrolments[0], Presence.ABSENT)
        for person in undeclared:
            factories.attendance(placement, person.enrolments[0], Presence.ABSENT)
        db.session.commit()


def _export(app: Flask, *arguments: str):
    return app.test_cli_runner().invoke(args=["export", "attendance", *arguments])


def _period(first: str = FROM, last: str = TO) -> attendance_report.Period:
    return attendance_report.Period(date.fromisoformat(first), date.fromisoformat(last))


def test_hours_and_rates_by_group_worked_by_hand(app: Flask, roll_calls) -> None:
    for by, expected in (("gender", BY_GENDER), ("year", BY_YEAR), ("public", BY_PUBLIC)):
        result = _export(app, "--by", by, "--from", FROM, "--to", TO)
        assert result.exit_code == 0, result.output
        assert result.output.splitlines() == expected, by
    ages = _export(app, "--by", "age", "--from", FROM, "--to", TO).output.splitlines()
    assert ages[2:] == ["under_26,15,157.50,145.50,3.50,7.00,92.4,4.4", "26_44,7,45.50,41.75,0.00,3.50,91.8,7.7"]
    sites = _export(app, "--by", "site", "--from", FROM, "--to", TO).output.splitlines()
    assert sites[1:] == [ALL, "Alès," + ALL[4:]]  # the insertion export's codes: a site's name


def test_only_the_period_counts_both_ends_included(app: Flask, roll_calls) -> None:
    first_day = _export(app, "--by", "year", "--from", FROM, "--to", FROM).output.splitlines()
    # 2 March: A's two half-days (15 × 420 = 6300; absent 630 of which 210 justified; late 30) and B's afternoon
    # (7 × 210 = 1470; absent 210): planned 7770, present 7770 − 840 − 30 = 6900, unjustified 630
    assert first_day[1] == "all,22,129.50,115.00,3.50,10.50,88.8,8.1"
    last_day = _export(app, "--by", "year", "--from", TO, "--to", TO).output.splitlines()
    assert last_day[1] == "all,22,73.50,72.25,0.00,0.00,98.3,0.0"  # 15 × 210 + 7 × 180 = 4410; 60 + 15 late
    nothing = _export(app, "--by", "gender", "--from", "2026-03-05", "--to", "2026-03-31").output
    assert nothing == HEADER + "\nall,<5,,,,,,\n"  # nobody: the `all` row is under five too


def test_the_small_group_rule_is_the_insertion_one() -> None:
    """One rule for both: a group of 4 hidden, and the next smallest too where the groups add up to `all`."""
    assert [(mark.hidden, mark.secondary) for mark in hiding([22, 5, 6, 4, 7], "gender")] == [
        (False, False),
        (True, True),
        (False, False),
        (True, False),
        (False, False),
    ]
    assert not any(mark.secondary for mark in hiding([22, 5, 6, 4, 7], "public"))
    assert [mark.hidden for mark in hiding([22, 4, 3, 15], "year")] == [False, True, True, False]  # two: no more


def test_csv_and_cli_print_the_same_bytes(app: Flask, client, auth: AuthActions, world, roll_calls) -> None:
    auth.login("manager@example.org")
    for by in ("gender", "public", "year", "cohort", "site", "referrer", "diploma", "age"):
        response = client.get(f"/attendance/export.csv?by={by}&{PERIOD}")
        assert response.status_code == 200 and response.mimetype == "text/csv", by
        assert response.headers["Content-Disposition"] == f'attachment; filename="attendance-{by}-{FROM}-{TO}.csv"'
        assert response.data == _export(app, "--by", by, "--from", FROM, "--to", TO).output.encode("utf-8"), by
    assert client.get(f"/attendance/export.csv?by=gender&{PERIOD}").text.splitlines() == BY_GENDER
    french_dates = client.get("/attendance/export.csv?by=gender&from=02/03/2026&to=03/03/2026").text
    assert french_dates.splitlines() == BY_GENDER


def test_the_default_period_is_the_last_twelve_months(
    app: Flask, client, auth: AuthActions, world, roll_calls, monkeypatch
) -> None:
    monkeypatch.setattr(dates, "today", lambda: date(2026, 3, 3))
    assert attendance_report.period(None, None, date(2026, 3, 3)) == _period("2025-03-04", "2026-03-03")
    assert attendance_report.period(None, date(2026, 2, 28), date(2030, 1, 1)) == _period("2025-03-01", "2026-02-28")
    assert attendance_report.period(date(2026, 3, 2), None, date(2026, 3, 3)) == _period()
    auth.login("manager@example.org")
    csv = client.get("/attendance/export.csv?by=gender")
    assert csv.text.splitlines() == BY_GENDER  # everything of the fixture up to today, nothing later
    assert 'filename="attendance-gender-2025-03-04-2026-03-03.csv"' in csv.headers["Content-Disposition"]
    assert csv.data == _export(app, "--by", "gender").output.encode()
    page = client.get("/attendance").text
    assert "Du 4 mars 2025 au 3 mars 2026." in page


@pytest.mark.parametrize(
    "query",
    [
        "",  # the breakdown is required
        "by=planet",
        "by=gender&from=2026-03-04&to=2026-03-03",  # ends before it starts
        "by=gender&from=2026-03-04",  # after today, the end when none is given
        "by=gender&from=yesterday",
        "by=gender&to=2026-02-30",
        "by=gender&to=9999-12-31",
    ],
)
def test_export_refuses_bad_parameters(client, auth: AuthActions, world, monkeypatch, query: str) -> None:
    monkeypatch.setattr(dates, "today", lambda: date(2026, 3, 3))
    auth.login("manager@example.org")
    response = client.get(f"/attendance/export.csv?{query}")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "arguments,message",
    [
        ([], "Missing option '--by'"),
        (["--by", "planet"], "'planet' is not one of"),
        (["--by", "gender", "--from", "2026-03-04", "--to", "2026-03-03"], "the period ends before it starts"),
        (["--by", "gender", "--from", "2026-03-04"], "the period ends before it starts"),
        (["--by", "gender", "--from", "03/03/2026"], "'03/03/2026' does not match the format"),
        (["--by", "gender", "--to", "9999-12-31"], "date out of range"),
    ],
)
def test_cli_refuses_bad_parameters_in_one_line(app: Flask, monkeypatch, arguments: list, message: str) -> None:
    monkeypatch.setattr(dates, "today", lambda: date(2026, 3, 3))
    result = _export(app, *arguments)
    assert result.exit_code == 2 and message in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("Error")]) == 1


def test_only_managers_see_attendance_by_group(client, auth: AuthActions, world) -> None:
    for path in ("/attendance", "/attendance/export.csv?by=gender"):
        assert client.get(path).status_code == 302  # to the login page
        for email in ("learner@example.org", "trainer@example.org", "admin@example.org"):
            auth.login(email)
            assert client.get(path).status_code == 404, (email, path)
            auth.logout()
        auth.login("manager@example.org")
        assert client.get(path).status_code == 200
        auth.logout()


def test_the_page_shows_rates_definitions_tables_and_links(client, auth: AuthActions, world, roll_calls) -> None:
    auth.login("manager@example.org")
    page = html.unescape(client.get(f"/attendance?{PERIOD}").text)
    flat = re.sub(r"\s+", " ", page)
    assert "Du 2 mars 2026 au 3 mars 2026." in page
    assert "Taux de présence</dt><dd>92,2 % (187,25 h sur 203,00 h)" in flat.replace("> <", "><")
    assert "Taux d'absence non justifiée</dt><dd>5,2 % (10,50 h sur 203,00 h)" in flat.replace("> <", "><")
    assert "Heures de présence / heures prévues." in page and "Heures d'absence non justifiée / heures prévues." in page
    assert "demi-journées tenues au centre dont l'appel est fait" in page
    for by in attendance_report.PAGE_BREAKDOWNS:
        assert f'data-target="chart-{by}"' in page
        assert f'href="/attendance/export.csv?by={by}&from={FROM}&to={TO}"' in page
    assert page.count("moins de 5") >= 2 and "groupe masqué lui aussi" in page  # « other » and the women
    assert '<td class="num">93,7 % (' in page  # the men's attendance rate (and their hours), in the gender table
    assert 'aria-current="page">Assiduité</a>' in page
    assert 'href="/insertion?view=publics"' in page


def test_the_dashboard_links_to_attendance(client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    for view in ("overview", "publics", "profiles"):
        assert 'href="/attendance">Assiduité</a>' in client.get(f"/insertion?view={view}").text


def test_a_wrong_period_on_the_page_says_so_and_shows_the_default(
    client, auth: AuthActions, world, roll_calls, monkeypatch
) -> None:
    monkeypatch.setattr(dates, "today", lambda: date(2026, 3, 3))
    auth.login("manager@example.org")
    response = client.get("/attendance?from=2026-03-04&to=2026-03-03")
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "La fin de la période (aujourd'hui si elle est vide) est avant son début." in page
    assert 'role="alert"' in page and "Du 4 mars 2025 au 3 mars 2026." in page


def test_the_charts_draw_both_rates_of_the_groups_shown(client, auth: AuthActions, world, roll_calls) -> None:
    auth.login("manager@example.org")
    page = client.get(f"/attendance?{PERIOD}").text
    figures = {
        target: json.loads(source)
        for target, source in re.findall(
            r'<script type="application/json" class="chart-data" data-target="([^"]+)">(.*?)</script>', page
        )
    }
    assert set(figures) == {f"chart-{by}" for by in attendance_report.PAGE_BREAKDOWNS}
    for figure in figures.values():
        go.Figure(figure)  # Plotly's schema: a wrong property raises ValueError
    gender = figures["chart-gender"]["data"]
    assert gender[0]["x"] == ["ensemble", "homme", "non renseigné"]  # the hidden ones are not drawn
    assert gender[0]["y"] == [92.2, 93.7, 91.8] and gender[1]["y"] == [5.2, 5.6, 7.7]
    assert gender[0]["customdata"] == [22, 6, 7]


def test_the_chart_alone() -> None:
    figure = attendance_by_group(["a"], [90.5], [None], [5], {"attendance": "x", "unjustified": "y", "people": "z"})
    go.Figure(figure)
    assert figure["data"][1]["y"] == [0.0] and figure["layout"]["yaxis"]["range"] == [0, 100]


def test_the_page_and_the_export_run_a_fixed_number_of_queries(
    app: Flask, client, auth: AuthActions, world, roll_calls, count_queries
) -> None:
    auth.login("manager@example.org")
    with count_queries() as few:
        client.get(f"/attendance?{PERIOD}")
    with count_queries() as export:
        client.get(f"/attendance/export.csv?by=public&{PERIOD}")
    with app.app_context():
        cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name == "Alès 2025"))
        site = db.session.scalar(sa.select(Site).where(Site.name == "Alès"))
        other = factories.cohort("Alès 2024", at=site, start=date(2024, 9, 2), end=date(2026, 6, 30))
        days = [factories.half_day(other, date(2026, 3, 2)), factories.half_day(cohort, date(2026, 3, 5))]
        for index in range(30):
            learner = factories.learner(other, gender=Gender.FEMALE if index % 2 else Gender.MALE)
            learner.flags = {PublicFlag.RSA, PublicFlag.ZRR}
            factories.attendance(days[0], learner.enrolments[0], Presence.ABSENT)
        db.session.commit()
    with count_queries() as many:
        client.get("/attendance?from=2026-03-01&to=2026-03-31")
    with count_queries() as bigger_export:
        client.get("/attendance/export.csv?by=public&from=2026-03-01&to=2026-03-31")
    # the session's user, the data version, and one query for `all` and every group of the five breakdowns (the
    # records read once), whatever the data; the export: the user and one query
    assert few.count == many.count == 3
    assert export.count == bigger_export.count == 2
    with count_queries() as cached:
        client.get("/attendance?from=2026-03-01&to=2026-03-31")
    assert cached.count == 2  # kept until the next write
