"""The learner's own page and export: content, charts, the cohort median, privacy, weight, queries."""

import gzip
import json
import re
from datetime import date, datetime, timedelta

import brotli
import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.models import (
    Cohort,
    DropoutReason,
    EcfBlock,
    EnrolmentStatus,
    FollowUpRequest,
    Grade,
    HandIn,
    Learner,
    Outcome,
    ProjectCompetency,
    Situation,
    SurveyInvitation,
)

from . import factories
from .conftest import AuthActions

TODAY = dates.today()


@pytest.fixture
def history(app: Flask, world) -> dict[str, int]:
    """Luc's cohort runs from 3 months ago; five peers with 0, 0, 3, 4 and 4 competencies acquired (the fewest
    others a cohort figure needs), one dropout."""
    start = (TODAY.replace(day=1) - timedelta(days=70)).replace(day=1)
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        cohort.start_date, cohort.end_date = start, start + timedelta(days=300)
        competencies = factories.competencies(cohort.programme)
        luc = db.session.get(Learner, world.learner_id)
        names = ("Ana", "Bea", "Cyd", "Eve", "Fay")
        peers = [factories.learner(cohort, first_name=name, last_name="Pair") for name in names]
        gone = factories.learner(cohort, first_name="Dan", last_name="Parti")
        gone.enrolments[0].status = EnrolmentStatus.DROPPED
        gone.enrolments[0].exit_date, gone.enrolments[0].dropout_reason = start + timedelta(days=20), DropoutReason.JOB
        brief = db.session.get(factories.Project, world.project_id)
        brief.due_date, brief.title = TODAY - timedelta(days=10), "Portfolio"
        brief.targets = [ProjectCompetency(competency=competencies[0], target_level=2)]
        upcoming = factories.project(cohort, due=TODAY + timedelta(days=5), title="Quiz JavaScript")
        first_month = datetime.combine(start + timedelta(days=10), datetime.min.time())
        factories.assess(luc, competencies[0], 1, first_month, project=brief)
        factories.assess(
            luc, competencies[0], 2, datetime.combine(TODAY, datetime.min.time()), project=brief
        ).comment = "Bonne maîtrise de Git"
        factories.assess(luc, competencies[1], 3, first_month)
        for peer, reached in zip(peers, (0, 0, 3, 4, 4)):
            for competency in competencies[:reached]:
                factories.assess(peer, competency, 2, first_month)
        for competency in competencies:  # the dropout would pull the median up: left out
            factories.assess(gone, competency, 3, first_month)
        db.session.add(Grade(learner=luc, project=brief, score_hundredths=1475, feedback="Soignez les commits"))
        version = db.session.get(HandIn, world.hand_in_id)  # two days after the due date: « rendu en retard »
        version.handed_in_on = TODAY - timedelta(days=8)
        version.handed_in_at = datetime.combine(version.handed_in_on, datetime.min.time()) + timedelta(hours=10)
        db.session.commit()
        return {"start_month": start.month, "upcoming": upcoming.id}


def _figure(page: str, name: str) -> dict:
    match = re.search(
        rf'<script type="application/json" class="chart-data" data-target="{name}">(.*?)</script>', page, re.S
    )
    assert match, name
    return json.loads(match.group(1))


def test_my_page_shows_standing_competencies_and_projects(client, auth: AuthActions, world, history) -> None:
    auth.login("learner@example.org")
    page = client.get("/me").text
    assert "Mende 2026 automne" in page and "en formation" in page and "semaines" in page
    assert 'value="25"' in page  # (2 + min(3, 2)) / 16 level points; uncapped would give 31 %
    due = page[page.index("À rendre prochainement") : page.index('id="competencies"')]
    assert "Quiz JavaScript" in due and "Portfolio" not in due
    assert "à rendre" in due and f'href="/me/projects/{history["upcoming"]}#hand-in">Rendre' in due  # one click away
    cp1 = page[page.index("CP1 ·") : page.index("CP2 ·")]
    assert "adapter" in cp1 and "Bonne maîtrise de Git" in cp1 and "Portfolio" in cp1
    assert "<details>" in cp1 and "2 évaluations" in cp1 and "imiter" in cp1  # the history, on demand
    assert "non évalué" in page[page.index("CP4 ·") : page.index("CP5 ·")]
    portfolio = page[page.index(f'<th scope="row"><a href="/me/projects/{world.project_id}">Portfolio</a></th>') :]
    portfolio = portfolio[: portfolio.index("</tr>")]
    assert "14,75" in portfolio and "rendu en retard" in portfolio and "Soignez les commits" in portfolio
    assert "Rendre" not in portfolio  # handed in already
    assert "CP1 (adapter)" in portfolio
    assert "Après la formation" not in page
    assert "Ana" not in page and "Parti" not in page  # no other learner's name


def test_progress_chart_gives_my_count_and_the_cohort_median(client, auth: AuthActions, world, history) -> None:
    auth.login("learner@example.org")
    page = client.get("/me").text
    figure = _figure(page, "chart-progress")
    mine, under_way, not_started, expected, median = figure["data"]
    assert len(mine["x"]) == len(median["x"]) >= 3 and mine["x"][0].startswith(
        f"{TODAY.year - (history['start_month'] > TODAY.month)}"
    )
    # First month: Luc has CP2 at 3 (acquired); peers 0, 0, 3, 4, 4; the dropout is left out -> median of
    # 0, 0, 1, 3, 4, 4 = 2.
    assert mine["y"][0] == 1 and median["y"][0] == 2.0
    assert under_way["y"][0] == 1 and not_started["y"][0] == 6  # CP1 at « imiter »: under way, not nothing
    # This month Luc reaches CP1 at 2 as well: 2, and the median of 0, 0, 2, 3, 4, 4 is 2.5.
    assert mine["y"][-1] == 2 and median["y"][-1] == 2.5 and under_way["y"][-1] == 0
    assert 0 < expected["y"][0] < expected["y"][-1] < 16  # the calendar's pace, month after month
    table = page[page.index("Données du graphique : compétences acquises") :]
    assert "2,5" in table[: table.index("</table>")]
    # Nothing but my values and the median: no series, hover text or number of any single peer.
    assert len(figure["data"]) == 5 and 4 not in median["y"] and 3 not in median["y"]


@pytest.mark.parametrize("left", [1, 4])
def test_no_cohort_figure_when_fewer_than_five_others_make_it(
    app: Flask, client, auth: AuthActions, world, history, left: int
) -> None:
    """With 2 learners the median is the other one's exact progress: under 5 others, no cohort figure at all."""
    with app.app_context():
        peers = db.session.scalars(sa.select(Learner).where(Learner.last_name == "Pair").order_by(Learner.id)).all()
        for peer in peers[left:]:
            enrolment = peer.enrolments[0]
            enrolment.status, enrolment.exit_date = EnrolmentStatus.DROPPED, TODAY
            enrolment.dropout_reason = DropoutReason.JOB
        db.session.commit()
    auth.login("learner@example.org")
    page = client.get("/me").text
    figure = _figure(page, "chart-progress")
    assert [trace["name"] for trace in figure["data"]] == [
        "acquises",
        "en cours (imiter)",
        "pas encore commencées",
        "rythme attendu",
    ]
    assert "médiane" not in json.dumps(figure) and "Médiane de la promotion" not in page
    assert "2,5" not in page and "2,0" not in page
    assert "moins de 5 autres apprenant·es" in page  # and the page says why


def test_no_chart_of_zero_bars_but_the_target_in_words(client, auth: AuthActions, world, history) -> None:
    """The levels chart (a bar at 0 for each competency not yet assessed) repeated the competency tables: gone,
    the target level is said above them."""
    auth.login("learner@example.org")
    page = client.get("/me").text
    assert 'data-target="chart-levels"' not in page
    assert "Le titre vise le niveau « adapter » sur chaque compétence." in page


def test_outcomes_are_shown_read_only(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        learner = db.session.get(Learner, world.learner_id)
        enrolment = learner.enrolments[0]
        enrolment.status, enrolment.exit_date = EnrolmentStatus.FINISHED, date(2027, 7, 5)
        db.session.add(Outcome(enrolment=enrolment, point=3, situation=Situation.CDI, employer="Lozère Web"))
        db.session.commit()
    auth.login("learner@example.org")
    page = client.get("/me").text
    after = page[page.index('id="after"') : page.index('aria-labelledby="contact"')]  # then the contact form
    assert "3 mois après" in after and "CDI" in after and "Lozère Web" in after
    assert "<form" not in after


def test_other_ids_in_the_url_change_nothing(client, auth: AuthActions, world, history) -> None:
    auth.login("learner@example.org")
    for url in (f"/me?learner_id={world.other_learner_id}", f"/me?id={world.other_learner_id}"):
        page = client.get(url).text
        assert "Luc Lefèvre" in page and "Rose" not in page
    data = client.get(f"/me/export.json?learner_id={world.other_learner_id}").get_json()
    assert data["learner"]["id"] == world.learner_id
    for url in (
        f"/cohorts/{world.cohort_id}/competencies/{world.other_learner_id}/{world.competency_id}",
        f"/cohorts/{world.other_cohort_id}",
        f"/projects/{world.other_project_id}/grades",
    ):
        assert client.get(url).status_code == 404


def test_export_holds_every_table_that_refers_to_the_learner(
    app: Flask, client, auth: AuthActions, world, history
) -> None:
    with app.app_context():
        learner = db.session.get(Learner, world.learner_id)
        enrolment = learner.enrolments[0]
        enrolment.status, enrolment.exit_date = EnrolmentStatus.FINISHED, TODAY
        db.session.add(Outcome(enrolment=enrolment, point=0, situation=Situation.TRAINING))
        from bootcamp.audit import record

        record("grade", 1, "update", {"score": "12"}, {"score": "14.75"}, learner_id=learner.id)
        db.session.add(EcfBlock(enrolment=enrolment, block=enrolment.cohort.programme.blocks[0], mastered=True))
        db.session.add(FollowUpRequest(enrolment=enrolment, point=0, recipient="luc@example.net", messages=1))
        db.session.add(SurveyInvitation(campaign_id=world.campaign_id, enrolment=enrolment, recipient="l@example.net"))
        db.session.commit()
        referring = {
            table.name
            for table in db.metadata.sorted_tables
            for fk in table.foreign_keys
            if fk.column.table.name in ("learners", "enrolments")
        }
    auth.login("learner@example.org")
    response = client.get("/me/export.json")
    assert response.mimetype == "application/json" and "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    keys = {
        "learners": "learner",
        "enrolments": "enrolments",
        "grades": "grades",
        "outcomes": "outcomes",
        "competency_assessments": "competency_assessments",
        "users": "accounts",
        "audit_events": "audit_events",
        "attendance_records": "attendance_records",
        "ecf_situations": "ecf_situations",  # the world's: one situation, one DP example, one candidacy
        "ecf_blocks": "ecf_blocks",
        "dp_examples": "dp_examples",
        "exam_candidates": "exam_candidacies",
        "follow_up_requests": "follow_up_requests",
        "survey_invitations": "survey_invitations",
        "hand_ins": "hand_ins",
        "placements": "placements",
    }
    assert referring | {"learners"} == set(keys)
    assert all(data[keys[table]] for table in keys)
    assert data["learner"]["email"] == "learner@example.org" and data["learner"]["birth_date"] == "2000-01-01"
    assert data["grades"][0]["score"] == "14.75" and data["grades"][0]["project"] == "Portfolio"
    assert data["grades"][0]["status"] == "late" and data["grades"][0]["exempted"] is False  # derived, as before
    assert data["hand_ins"][0]["project"] == "Portfolio" and data["hand_ins"][0]["number"] == 1
    assert data["hand_ins"][0]["repository_url"] == "https://git.example.org/luc/portfolio"
    assert len(data["competency_assessments"]) == 3 and data["outcomes"][0]["situation"] == "training"
    assert data["audit_events"][0]["after"] == {"score": "14.75"}
    assert "password_hash" not in data["accounts"][0] and "session_token" not in data["accounts"][0]
    assert data["survey_invitations"][0]["kind"] == "hot" and data["follow_up_requests"][0]["point"] == 0
    assert "Rose" not in response.get_data(as_text=True)


def test_unlinked_account_export_holds_the_account(client, auth: AuthActions, world) -> None:
    auth.login("unlinked@example.org")
    data = client.get("/me/export.json").get_json()
    assert data["learner"] is None and data["accounts"][0]["email"] == "unlinked@example.org"
    assert "password_hash" not in data["accounts"][0]
    assert "pas encore relié à votre dossier" in client.get("/me").text


def test_my_page_is_light_and_runs_a_fixed_number_of_queries(
    app: Flask, client, auth, world, history, count_queries
) -> None:
    auth.login("learner@example.org")
    with count_queries() as before:
        client.get("/me")
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        luc = db.session.get(Learner, world.learner_id)
        competencies = factories.competencies(cohort.programme)
        for index in range(60):
            factories.assess(luc, competencies[index % 8], index % 4, datetime(2026, 9, 1) + timedelta(days=index))
        for index in range(12):
            brief = factories.project(cohort, due=TODAY + timedelta(days=index - 6))
            brief.targets = [ProjectCompetency(competency=competencies[index % 8], target_level=2)]
            db.session.add(Grade(learner=luc, project=brief, score_hundredths=1200, feedback="x" * 300))
        db.session.commit()
    with count_queries() as after:
        response = client.get("/me")
    # 12: the titre professionnel, one query (dossier.titre_summary); 13: the learner's contact, outside the cache;
    # 14: their next brief to hand in (issue 18), outside the cache too
    assert before.count == after.count <= 14
    assert len(response.data) < 100_000
    assert 'data-plotly="/vendor/plotly.min.js?v=' in response.text and "/static/js/charts.js?v=" in response.text
    assert '<script src="/vendor/plotly.min.js' not in response.text  # fetched when a chart comes into view
    assert "<script>" not in response.text  # no inline script


def test_plotly_is_served_by_the_app_compressed_and_cached_for_a_year(app, client) -> None:
    from bootcamp import assets

    with app.test_request_context():
        url, path = assets.plotly_url(), assets.plotly_path()
    plain = path.read_bytes()
    assert url.startswith("/vendor/plotly.min.js?v=") and b"plotly.js" in plain[:200]
    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress), ("identity", bytes)):
        with client.get(url, headers={"Accept-Encoding": encoding}) as response:
            assert response.status_code == 200 and response.mimetype == "text/javascript"
            assert response.headers.get("Content-Encoding", "identity") == encoding
            assert "max-age=31536000" in response.headers["Cache-Control"]
            assert "immutable" in response.headers["Cache-Control"]
            assert decode(response.data) == plain
    assert len(assets._bundle(path).brotli) < len(plain) / 3


def test_plotly_rules_are_served_as_a_stylesheet(app, client) -> None:
    """Read from the bundle: without them, Plotly.js writes an inline <style> that the CSP refuses."""
    from bootcamp import assets

    with app.test_request_context():
        url = assets.plotly_css_url()
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert ".js-plotly-plot .plotly .main-svg{position:absolute;" in response.text
    assert "X" not in response.text.replace("X-", "") and response.text.count("{") == response.text.count("}") > 20
    assert assets._stylesheet(b"var a = 1;") == b""


def test_the_partial_plotly_bundle_is_served_when_installed(app) -> None:
    from bootcamp import assets

    with app.test_request_context():
        path = assets.plotly_path()
    if assets.PARTIAL_PLOTLY_JS.is_file():
        assert path == assets.PARTIAL_PLOTLY_JS
    else:
        assert path == assets.FULL_PLOTLY_JS
    app.config["PLOTLY_JS"] = str(assets.FULL_PLOTLY_JS)
    with app.test_request_context():
        assert assets.plotly_path() == assets.FULL_PLOTLY_JS


def test_the_full_bundle_writes_no_inline_stylesheet_either(app, client, auth, world) -> None:
    """The full bundle injects MapLibre's stylesheet unless an element with its id is there (CSP: style-src 'self')."""
    from bootcamp import assets

    app.config["PLOTLY_JS"] = str(assets.FULL_PLOTLY_JS)
    with app.test_request_context():
        guards = assets.plotly_style_guards()
    assert len(guards) == 1 and len(guards[0]) == 64
    auth.login("learner@example.org")
    html = client.get("/me").text
    assert f'<template id="{guards[0]}"></template>' in html


def test_pages_and_static_files_are_compressed(client, auth, world) -> None:
    auth.login("learner@example.org")
    page = client.get("/me", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert page.headers["Content-Encoding"] == "br" and "Accept-Encoding" in page.headers["Vary"]
    html = brotli.decompress(page.data).decode()
    assert "</html>" in html and len(page.data) < len(html) / 3
    css_url = re.search(r'href="(/static/css/app\.css\?v=\w+)"', html).group(1)
    with client.get(css_url, headers={"Accept-Encoding": "gzip, br"}) as css:
        assert css.headers["Content-Encoding"] == "br"
        assert "immutable" in css.headers["Cache-Control"] and "max-age=31536000" in css.headers["Cache-Control"]
    plain = client.get("/me", headers={"Accept-Encoding": ""})
    assert "Content-Encoding" not in plain.headers and "</html>" in plain.text
