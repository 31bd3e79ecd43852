"""The learner's pages added for a real school year: progress against the calendar, grades beside the cohort's
median, the briefs they read, their data in words (/me/data) and the export's documented keys."""

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import plotly.graph_objects as go
import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.learners import charts as learner_charts
from bootcamp.models import (
    AuditEvent,
    Cohort,
    Diploma,
    DropoutReason,
    EcfBlock,
    Enrolment,
    EnrolmentStatus,
    Grade,
    HandIn,
    Learner,
    Outcome,
    Project,
    ProjectCompetency,
    Situation,
)

from . import factories
from .conftest import AuthActions

TODAY = dates.today()
DOCS = Path(__file__).resolve().parent.parent / "docs" / "personal-data-export.md"


@pytest.fixture
def early(app: Flask, world) -> None:
    """Luc's cohort is a quarter through (60 days of 240): CP1 at « imiter », CP2 at « adapter »; six peers
    scored on the brief (one dropped out), Luc scored 14.5."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        cohort.start_date = TODAY - timedelta(days=60)
        cohort.end_date = cohort.start_date + timedelta(days=240)
        competencies = factories.competencies(cohort.programme)
        luc = db.session.get(Learner, world.learner_id)
        moment = datetime.combine(TODAY - timedelta(days=5), datetime.min.time())
        factories.assess(luc, competencies[0], 1, moment)
        factories.assess(luc, competencies[1], 2, moment)
        brief = db.session.get(Project, world.project_id)
        brief.title, brief.due_date = "Portfolio", TODAY - timedelta(days=7)
        brief.description, brief.context = "Présentez vos projets.", "Une agence de Mende recrute."
        brief.deliverables = "Un dépôt Git\nUne page publiée"
        brief.targets = [ProjectCompetency(competency=competencies[0], target_level=2)]
        db.session.add(Grade(learner=luc, project=brief, score_hundredths=1450, feedback="Bien"))
        version = db.session.get(HandIn, world.hand_in_id)  # handed in two days after the due date: late
        version.handed_in_on = TODAY - timedelta(days=5)
        version.handed_in_at = datetime.combine(version.handed_in_on, datetime.min.time()) + timedelta(hours=10)
        for index, score in enumerate((1000, 1200, 1550, 1600, 1800, 2000)):
            peer = factories.learner(cohort, first_name=f"Pair{index}", last_name="Pair")
            if score == 2000:  # a dropout's score is left out of the median
                peer.enrolments[0].status, peer.enrolments[0].exit_date = EnrolmentStatus.DROPPED, TODAY
                peer.enrolments[0].dropout_reason = DropoutReason.JOB
            db.session.add(Grade(learner=peer, project=brief, score_hundredths=score))
        db.session.commit()


def _figure(page: str, name: str) -> dict:
    match = re.search(
        rf'<script type="application/json" class="chart-data" data-target="{name}">(.*?)</script>', page, re.S
    )
    assert match, name
    return json.loads(match.group(1))


def test_my_page_puts_my_progress_beside_what_the_calendar_expects(client, auth: AuthActions, early) -> None:
    auth.login("learner@example.org")
    page = client.get("/me").text
    where = page[page.index('id="where"') : page.index('id="competencies"')]
    assert "Attendu à cette date" in where
    assert 'value="19"' in where and 'value="25"' in where  # (1 + 2) / 16 level points; 60 / 240 days gone by
    assert "8 semaines sur 35" in where  # the rule, written on the page
    assert "1 acquise" in where and "1 en cours (imiter)" in where and "6 pas encore commencées" in where
    assert "un peu en dessous du rythme prévu" in where


def test_competencies_chart_counts_imiter_as_under_way_with_the_expected_pace(
    client, auth: AuthActions, early
) -> None:
    auth.login("learner@example.org")
    page = client.get("/me").text
    acquired, under_way, not_started, expected, *_ = _figure(page, "chart-progress")["data"]
    assert acquired["y"][-1] == 1 and under_way["y"][-1] == 1 and not_started["y"][-1] == 6
    assert expected["name"] == "rythme attendu" and expected["y"][-1] == 2.0  # 8 × 60 / 240
    table = page[page.index("Données du graphique : compétences acquises") :]
    assert 'data-label="En cours (imiter)">1<' in table[: table.index("</table>")]


def test_my_grades_over_time_beside_the_cohort_median(app: Flask, client, auth: AuthActions, early) -> None:
    auth.login("learner@example.org")
    page = client.get("/me").text
    mine, median = _figure(page, "chart-grades")["data"]
    # 10, 12, 14.5 (mine), 15.5, 16, 18: the median is 15; the dropout's 20 would make it 15.5.
    assert mine["hovertext"] == ["Portfolio"] and mine["y"] == [14.5] and median["y"] == [15.0]
    table = page[page.index("Données du graphique : mes notes") :]
    table = table[: table.index("</table>")]
    assert "14,5" in table and ">15<" in table
    with app.app_context():  # fewer than 5 other scores: no median (it would give the others' scores away)
        db.session.execute(sa.delete(Grade).where(Grade.score_hundredths.in_([1000, 1200])))
        db.session.commit()
    page = client.get("/me").text
    assert [trace["name"] for trace in _figure(page, "chart-grades")["data"]] == ["ma note"]
    assert "Médiane de la promotion /20" not in page


def test_charts_of_the_year_are_valid_plotly_figures() -> None:
    months = [date(2026, 9, 1), date(2026, 10, 1)]
    labels = {
        "acquired": "a",
        "under_way": "u",
        "not_started": "n",
        "expected": "e",
        "median": "m",
        "y": "c",
    }
    figure = learner_charts.competencies_by_month(months, [0, 2], [1, 3], [None, None], [0.5, 1.5], 8, labels)
    go.Figure(figure)
    assert [trace["name"] for trace in figure["data"]] == ["a", "u", "n", "e"]  # no median: no series
    assert figure["data"][2]["y"] == [7, 3] and figure["layout"]["barmode"] == "stack"
    assert {trace["marker"]["pattern"]["shape"] for trace in figure["data"][:3]} == {"", "/", "."}  # not colour only
    words = {"mine": "x", "median": "m", "y": ""}
    grades = learner_charts.grades_over_time(months, ["A", "B"], [12.5, None], [11.0, 13.0], words)
    go.Figure(grades)
    assert grades["data"][0]["y"] == [12.5, None] and grades["data"][1]["y"] == [11.0, 13.0]
    assert grades["data"][0]["hovertext"] == ["A", "B"] and grades["layout"]["xaxis"]["ticktext"] == ["01/09", "01/10"]


def test_learners_read_their_cohort_briefs_with_their_grade(
    app: Flask, client, auth: AuthActions, world, early, count_queries
) -> None:
    auth.login("learner@example.org")
    me = client.get("/me").text
    assert f'href="/me/projects/{world.project_id}"' in me
    with count_queries() as counted:
        page = client.get(f"/me/projects/{world.project_id}")
    assert page.status_code == 200 and counted.count <= 8
    text = page.text
    assert "Présentez vos projets." in text and "Une agence de Mende recrute." in text and "Un dépôt Git" in text
    assert "rendu en retard" in text and "14,5 / 20" in text and "Bien" in text
    assert "CP1" in text and "niveau visé : adapter" in text
    main = text.split("<main", 1)[1].split("</main>")[0]
    assert main.count("<form") == 1 and f'action="/me/projects/{world.project_id}/hand-in"' in main  # the only form
    assert client.get(f"/me/projects/{world.other_project_id}").status_code == 404  # another cohort's
    assert client.get(f"/projects/{world.project_id}").status_code == 404  # the trainer's page stays theirs
    assert client.get("/me/projects/999999").status_code == 404


@pytest.mark.parametrize("who", ["trainer", "manager", "admin", "unlinked"])
def test_only_the_cohort_s_learners_read_a_brief_there(client, auth: AuthActions, world, who: str) -> None:
    auth.login(world.emails[who])
    assert client.get(f"/me/projects/{world.project_id}").status_code == 404


def test_my_data_in_words_holds_every_table_in_french(app: Flask, client, auth: AuthActions, world, early) -> None:
    with app.app_context():
        luc = db.session.get(Learner, world.learner_id)
        luc.diploma, luc.postal_code, luc.rsa = Diploma.BELOW_BAC, "48000", True
        enrolment = luc.enrolments[0]
        enrolment.status, enrolment.exit_date = EnrolmentStatus.FINISHED, TODAY
        db.session.add(Outcome(enrolment=enrolment, point=0, situation=Situation.CDI, employer="Lozère Web"))
        from bootcamp.audit import record

        record("grade", 1, "update", {"status": "submitted"}, {"status": "late", "score": "14.5"}, learner_id=luc.id)
        db.session.commit()
    auth.login("learner@example.org")
    page = client.get("/me").text
    assert 'href="/me/data"' in page
    text = client.get("/me/data").text
    sections = ("Mon dossier", "Mes inscriptions", "Mes notes", "Mes niveaux de compétence", "Mon compte")
    for words in (*sections, "Ma situation après la formation", "Journal des modifications de mes données"):
        assert words in text, words
    assert "infra-bac" in text and "below_bac" not in text  # labels, not codes
    assert "Bénéficiaire du RSA" in text and "48000" in text and "1 janvier 2000" in text  # dates in French
    assert "terminé" in text and "CDI" in text and "Lozère Web" in text and "imiter" in text
    assert "rendu en retard" in text and "modification : note" in text and "14,5" in text
    assert "Pair0" not in text and "Rose" not in text  # nothing of anyone else
    assert "password_hash" not in text and "session_token" not in text


def test_my_data_covers_every_table_the_export_holds(app: Flask, client, auth: AuthActions, world) -> None:
    """A table that refers to a learner and is not on the page fails here, as it does for the JSON."""
    with app.app_context():
        referring = {
            table.name
            for table in db.metadata.sorted_tables
            for fk in table.foreign_keys
            if fk.column.table.name in ("learners", "enrolments")
        }
    shown = {
        "enrolments": 'id="enrolments"',
        "grades": 'id="grades"',
        "competency_assessments": 'id="levels"',
        "outcomes": 'id="outcomes"',
        "users": 'id="account"',
        "audit_events": 'id="journal"',
        "attendance_records": 'id="attendance"',
        "ecf_situations": 'id="ecf-situations"',
        "ecf_blocks": 'id="ecf-blocks"',
        "dp_examples": 'id="dp"',
        "exam_candidates": 'id="exams"',
        "follow_up_requests": 'id="follow-up-requests"',
        "survey_invitations": 'id="surveys"',
        "hand_ins": 'id="hand-ins"',
        "placements": 'id="placements"',
    }
    assert referring == set(shown)
    with app.app_context():
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        block = enrolment.cohort.programme.blocks[0]
        db.session.add(EcfBlock(enrolment=enrolment, block=block, mastered=True, observations="Autonome et rigoureux"))
        db.session.commit()
    auth.login("learner@example.org")
    text = client.get("/me/data").text
    assert all(anchor in text for anchor in shown.values())
    for table, written in (
        ("ecf_situations", "Projet fil rouge"),  # the world's situation, example and exam session
        ("ecf_blocks", "Autonome et rigoureux"),
        ("dp_examples", "Exemple 1"),
        ("exam_candidates", "7 décembre 2026"),
        ("hand_ins", "https://git.example.org/luc/portfolio"),  # the world's version
    ):
        section = text[text.index(shown[table]) :]
        assert written in section[: section.index("</section>")], table
    exported = client.get("/me/export.json").get_json()
    assert [len(exported[key]) for key in ("ecf_situations", "ecf_blocks", "dp_examples", "exam_candidacies")] == [
        1,
        1,
        1,
        1,
    ]


def test_my_data_is_the_learner_s_only_and_runs_a_fixed_number_of_queries(
    app: Flask, client, auth: AuthActions, world, early, count_queries
) -> None:
    auth.login("learner@example.org")
    with count_queries() as before:
        client.get("/me/data")
    with app.app_context():
        luc = db.session.get(Learner, world.learner_id)
        cohort = db.session.get(Cohort, world.cohort_id)
        competencies = factories.competencies(cohort.programme)
        for index in range(20):
            brief = factories.project(cohort, due=TODAY - timedelta(days=index))
            db.session.add(Grade(learner=luc, project=brief, score_hundredths=1000 + index))
            factories.hand_in(brief, luc, brief.due_date)
            factories.assess(luc, competencies[index % 8], index % 4, datetime(2026, 9, 1) + timedelta(days=index))
        db.session.add(AuditEvent(entity="grade", entity_id=1, action="update", learner_id=luc.id, after={}))
        db.session.commit()
    with count_queries() as after:
        assert client.get("/me/data").status_code == 200
    # 4 of them the livret, the DP and the exams, 2 the follow-ups and questionnaires asked by email (personal_data.py),
    # 2 the hand-ins and the statuses on briefs, 2 the placements (issue 18)
    assert before.count == after.count <= 20
    for who in ("trainer", "manager", "admin"):
        auth.logout()
        auth.login(world.emails[who])
        assert client.get("/me/data").status_code == 404


def test_unlinked_account_sees_its_account_in_words_and_the_same_json_keys(
    client, auth: AuthActions, world
) -> None:
    auth.login("learner@example.org")
    linked = client.get("/me/export.json").get_json()
    auth.logout()
    auth.login("unlinked@example.org")
    text = client.get("/me/data").text
    assert "unlinked@example.org" in text and "apprenant·e" in text and "pas encore relié" in text
    data = client.get("/me/export.json").get_json()
    assert list(data) == list(linked)  # one contract, whoever asks
    assert data["learner"] is None and data["grades"] == [] and data["accounts"][0]["email"] == "unlinked@example.org"


def test_every_key_of_the_export_is_documented(client, auth: AuthActions, world, early) -> None:
    auth.login("learner@example.org")
    data = client.get("/me/export.json").get_json()
    documented = set(re.findall(r"`([a-z_]+)`", DOCS.read_text()))
    keys = set(data) | set(data["learner"])
    for name in ("enrolments", "grades", "competency_assessments", "accounts", "audit_events", "attendance_records"):
        keys |= {key for row in data[name] for key in row}
    assert keys - documented == set()
