"""Learners hand in their work (links checked, versions numbered without a clash, audited), trainers see every
version and the latest on the grading form, the roster counts from the hand-ins; who sees what."""

import html
import re
import threading
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.handins import services
from bootcamp.handins.forms import url_problem
from bootcamp.handins.services import HandInData, hand_in
from bootcamp.models import (
    Cohort,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    Grade,
    HandIn,
    Learner,
    Project,
    User,
)
from bootcamp.personal_data import erase_learner

from . import factories
from .conftest import AuthActions, audit_events, form_from, page_form

DUE = date(2026, 10, 16)  # summer time in France: UTC+2
REL = 'target="_blank" rel="noopener noreferrer nofollow ugc"'


def _brief(app: Flask, world, due: date = DUE, title: str = "Quiz") -> int:
    with app.app_context():
        brief = factories.project(db.session.get(Cohort, world.cohort_id), due=due, title=title)
        db.session.commit()
        return brief.id


def _versions(app: Flask, project_id: int) -> list[tuple]:
    with app.app_context():
        return [
            (v.learner_id, v.number, v.handed_in_on, v.repository_url, v.deployed_url, v.comment)
            for v in db.session.scalars(sa.select(HandIn).where(HandIn.project_id == project_id).order_by(HandIn.id))
        ]


def _post(client, project_id: int, **values: str):
    form = page_form(client, f"/me/projects/{project_id}")
    form.update(values)
    return client.post(f"/me/projects/{project_id}/hand-in", data=form)


@pytest.mark.parametrize(
    "url",
    [
        "https://gitlab.com/luc-lefevre/quiz",
        "https://luc-lefevre.netlify.app",
        "https://luc-lefevre.netlify.app/",
        "HTTPS://GitHub.com/luc/quiz?tab=readme#install",
        "https://git.example.org:8443/luc/quiz",
        "https://bücher.example/luc",  # an internationalised domain name
    ],
)
def test_these_links_are_accepted(app: Flask, url: str) -> None:
    with app.test_request_context():
        assert url_problem(url) is None


@pytest.mark.parametrize(
    "url,words",
    [
        ("http://gitlab.com/luc/quiz", "https://"),
        ("javascript:alert(1)", "https://"),
        ("data:text/html,<script>alert(1)</script>", "https://"),
        ("ftp://example.org/quiz.zip", "https://"),
        ("gitlab.com/luc/quiz", "https://"),
        ("https://", "nom de domaine"),
        ("https:///luc/quiz", "nom de domaine"),
        ("https://localhost/quiz", "nom de domaine"),
        ("https://gitlab/luc", "nom de domaine"),
        ("https://-bad-.example.org/x", "nom de domaine"),
        ("https://luc:secret@gitlab.com/luc/quiz", "identifiant"),
        ("https://luc@gitlab.com/luc/quiz", "identifiant"),
        ("https://gitlab.com/luc quiz", "espace"),
        ("https://gitlab.com/luc\nquiz", "espace"),
        ("https://gitlab.com/luc\u200bquiz", "invisible"),
        ("https://gitlab.com:99999/luc", "Adresse invalide"),
        ("https://gitlab.com/" + "a" * 482, "trop longue"),
    ],
)
def test_these_links_are_refused_with_a_reason(app: Flask, url: str, words: str) -> None:
    with app.test_request_context():
        assert words in (url_problem(url) or "")


def test_a_learner_hands_in_versions_numbered_dated_in_france_and_audited(
    app: Flask, client, auth: AuthActions, world, monkeypatch
) -> None:
    brief = _brief(app, world)
    auth.login("learner@example.org")
    page = client.get(f"/me/projects/{brief}").text
    assert "Rendre mon travail" in page and "à rendre" not in page.split("Mon rendu", 1)[0]
    assert "Vous n'avez encore rien rendu sur ce projet." in page and "« Rendu » : une version rendue" in page

    monkeypatch.setattr(services, "utcnow", lambda: datetime(2026, 10, 16, 21, 30))  # 23:30 on the due date
    response = _post(
        client,
        brief,
        repository_url=" https://gitlab.com/luc-lefevre/quiz ",
        deployed_url="",
        comment="  Première version  ",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/me/projects/{brief}#hand-ins")
    page = client.get(response.headers["Location"]).text
    assert "Version 1 rendue le 16/10/2026 23:30." in page and "En retard" not in page
    assert "<strong>rendu</strong>" in page

    monkeypatch.setattr(services, "utcnow", lambda: datetime(2026, 10, 16, 22, 30))  # 00:30 the next day
    response = _post(client, brief, repository_url="https://gitlab.com/luc-lefevre/quiz",
                     deployed_url="https://luc-lefevre.netlify.app", comment="Avec les tests")
    page = html.unescape(client.get(response.headers["Location"]).text)
    assert "Version 2 rendue le 17/10/2026 00:30. En retard : l'échéance était passée." in page
    assert "<strong>rendu</strong>" in page  # the first version was on time: still « rendu »
    assert page.count(REL) == 3 and 'href="https://luc-lefevre.netlify.app"' in page
    assert page.index("Version 2") < page.index("Version 1")  # newest first
    assert "Avec les tests" in page and "en retard" in page

    assert _versions(app, brief) == [
        (world.learner_id, 1, date(2026, 10, 16), "https://gitlab.com/luc-lefevre/quiz", "", "Première version"),
        (world.learner_id, 2, date(2026, 10, 17), "https://gitlab.com/luc-lefevre/quiz",
         "https://luc-lefevre.netlify.app", "Avec les tests"),
    ]
    events = audit_events(app, "hand_in")
    assert [(e.action, e.before, e.after["number"], e.learner_id, e.actor.email) for e in events] == [
        ("create", None, 1, world.learner_id, "learner@example.org"),
        ("create", None, 2, world.learner_id, "learner@example.org"),
    ]
    assert events[1].after["deployed_url"] == "https://luc-lefevre.netlify.app"


def test_a_hand_in_after_the_due_date_is_accepted_and_said_late(app: Flask, client, auth, world, monkeypatch) -> None:
    brief = _brief(app, world)
    monkeypatch.setattr(services, "utcnow", lambda: datetime(2026, 10, 20, 8, 0))
    auth.login("learner@example.org")
    assert "L'échéance est passée" in client.get(f"/me/projects/{brief}").text
    response = _post(client, brief, repository_url="https://gitlab.com/luc/quiz")
    page = client.get(response.headers["Location"]).text
    assert "Version 1 rendue le 20/10/2026 10:00. En retard" in page and "<strong>rendu en retard</strong>" in page


@pytest.mark.parametrize(
    "values,field,words",
    [
        ({"repository_url": ""}, "repository_url", "Indiquez l'adresse du dépôt"),
        ({"repository_url": "http://gitlab.com/luc/quiz"}, "repository_url", "doit commencer par https://"),
        ({"repository_url": "javascript:alert(document.cookie)"}, "repository_url", "doit commencer par https://"),
        ({"repository_url": "https:///quiz"}, "repository_url", "nom de domaine"),
        ({"repository_url": "https://gitlab.com/" + "q" * 490}, "repository_url", "trop longue"),
        ({"deployed_url": "http://luc.netlify.app"}, "deployed_url", "doit commencer par https://"),
        ({"comment": "x" * 1001}, "comment", "Texte trop long"),
    ],
)
def test_a_bad_hand_in_comes_back_with_the_error_beside_its_field(
    app: Flask, client, auth: AuthActions, world, values: dict, field: str, words: str
) -> None:
    brief = _brief(app, world)
    auth.login("learner@example.org")
    response = _post(client, brief, **{"repository_url": "https://gitlab.com/luc/quiz", **values})
    assert response.status_code == 200
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.text)
    assert error and words in error.group(1).replace("&#39;", "'")
    assert "Rien n'a été rendu" in response.text
    assert _versions(app, brief) == [] and audit_events(app, "hand_in") == []


def test_only_the_learner_of_the_cohort_hands_in(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("learner@example.org")
    data = page_form(client, f"/me/projects/{world.project_id}") | {"repository_url": "https://gitlab.com/luc/x"}
    assert client.post(f"/me/projects/{world.other_project_id}/hand-in", data=data).status_code == 404
    assert client.post("/me/projects/999999/hand-in", data=data).status_code == 404
    for who in ("trainer", "manager", "unlinked"):
        other = app.test_client()
        AuthActions(other).login(world.emails[who])
        assert other.post(f"/me/projects/{world.project_id}/hand-in", data=data).status_code in (400, 404)
    assert len(_versions(app, world.project_id)) == 1 and audit_events(app, "hand_in") == []  # the world's only


def test_a_learner_who_dropped_out_hands_in_no_more(app: Flask, client, auth: AuthActions, world) -> None:
    brief = _brief(app, world)
    auth.login("learner@example.org")
    form = page_form(client, f"/me/projects/{brief}") | {"repository_url": "https://gitlab.com/luc/quiz"}
    with app.app_context():
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        enrolment.status, enrolment.exit_date = EnrolmentStatus.DROPPED, date(2026, 10, 1)
        enrolment.dropout_reason = DropoutReason.MOVED
        db.session.commit()
    page = client.get(f"/me/projects/{brief}").text
    assert "Vous avez quitté la promotion" in page and 'action="/me/projects/' not in page
    assert client.post(f"/me/projects/{brief}/hand-in", data=form).status_code == 404
    assert _versions(app, brief) == []
    assert ">Rendre<" not in client.get("/me").text
    with app.app_context():  # one who finished may still hand in what was missing
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        enrolment.status, enrolment.dropout_reason = EnrolmentStatus.FINISHED, None
        db.session.commit()
    assert client.post(f"/me/projects/{brief}/hand-in", data=form).status_code == 302


def test_a_number_taken_meanwhile_is_retried_rather_than_an_error(app: Flask, world, monkeypatch) -> None:
    """Two hand-ins at once: the second read the number before the first wrote it; its insert breaks the unique
    rule, and is retried with the next number (in a savepoint: the first version stays)."""
    with app.test_request_context(method="POST"):
        project = db.session.get(Project, world.project_id)
        enrolment = db.session.get(Enrolment, world.enrolment_id)
        real = services.next_number
        stale = iter([1])  # what a second writer read before the world's version 1 was written
        monkeypatch.setattr(services, "next_number", lambda *ids: next(stale, None) or real(*ids))
        version = hand_in(project, enrolment, HandInData("https://gitlab.com/luc/portfolio", "", "v2"))
        db.session.commit()
        assert version.number == 2
    assert [row[1] for row in _versions(app, world.project_id)] == [1, 2]


def test_two_hand_ins_at_the_same_moment_get_two_numbers(app: Flask, world) -> None:
    """Two clients of the learner post at once (two tabs, a double click): versions 2 and 3, no error."""
    clients = []
    for _ in range(2):
        client = app.test_client()
        AuthActions(client).login("learner@example.org")
        form = page_form(client, f"/me/projects/{world.project_id}") | {"repository_url": "https://gitlab.com/l/p"}
        clients.append((client, form))
    start, answers = threading.Barrier(2), []

    def post(client, form) -> None:
        start.wait()
        answers.append(client.post(f"/me/projects/{world.project_id}/hand-in", data=form).status_code)

    threads = [threading.Thread(target=post, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert answers == [302, 302]
    assert sorted(row[1] for row in _versions(app, world.project_id)) == [1, 2, 3]


def _cohort_with_work(app: Flask, world) -> dict[str, int]:
    """Beside Luc (on time, the world's version): Zoé, late twice; Noé, nothing; Ada, dropped out three days after
    the due date (7 October), nothing."""
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        brief = db.session.get(Project, world.project_id)
        zoe = factories.learner(cohort, first_name="Zoé", last_name="Zèbre")
        factories.hand_in(brief, zoe, brief.due_date + timedelta(days=1), repository="https://gitlab.com/zoe/v1")
        version = factories.hand_in(brief, zoe, brief.due_date + timedelta(days=3), number=2,
                                    repository="https://gitlab.com/zoe/v2", deployed="https://zoe.example.org/")
        version.comment = "Corrigé après la revue"
        noe = factories.learner(cohort, first_name="Noé", last_name="Nuage")
        ada = factories.learner(cohort, first_name="Ada", last_name="Abandon")
        ada.enrolments[0].status, ada.enrolments[0].exit_date = EnrolmentStatus.DROPPED, date(2026, 10, 10)
        ada.enrolments[0].dropout_reason = DropoutReason.JOB
        db.session.commit()
        return {"zoe": zoe.id, "noe": noe.id, "ada": ada.id}


def test_the_cohort_s_staff_see_every_version(app: Flask, client, auth: AuthActions, world) -> None:
    _cohort_with_work(app, world)
    auth.login("trainer@example.org")
    url = f"/projects/{world.project_id}/hand-ins"
    page = client.get(url).text
    assert "Rendus : Portfolio" in page and "« Rendu » : une version rendue" in page
    rows = {name: page[page.index(name) : page.index("</tr>", page.index(name))] for name in
            ("Lefèvre Luc", "Zèbre Zoé", "Nuage Noé", "Abandon Ada")}
    luc = rows["Lefèvre Luc"]
    assert "<strong>rendu</strong>" in luc and "https://git.example.org/luc/portfolio" in luc
    zoe = rows["Zèbre Zoé"]
    assert "<strong>rendu en retard</strong>" in zoe and zoe.index("Version 2") < zoe.index("Version 1")
    assert f'<a class="hand-in-link" href="https://zoe.example.org/" {REL}>' in zoe and "Corrigé après la revue" in zoe
    assert "<strong>non rendu</strong>" in rows["Nuage Noé"] and "abandon" in rows["Abandon Ada"]
    assert "rendu : 1" in page and "rendu en retard : 1" in page and "non rendu : 2" in page
    edit = client.get(f"/projects/{world.project_id}").text
    assert f'href="{url}"' in edit and f'href="{url}"' in client.get(f"/projects/{world.project_id}/grades").text
    assert f'href="{url}"' in client.get(f"/cohorts/{world.cohort_id}/projects").text
    for who, status in (("manager", 200), ("other.trainer", 404), ("learner", 404), ("admin", 404)):
        other = app.test_client()
        AuthActions(other).login(f"{who}@example.org")
        assert other.get(url).status_code == status, who
    assert client.get(f"/projects/{world.other_project_id}/hand-ins").status_code == 404


def test_a_learner_sees_only_their_own_versions(app: Flask, client, auth: AuthActions, world) -> None:
    _cohort_with_work(app, world)
    auth.login("learner@example.org")
    for url in (f"/me/projects/{world.project_id}", "/me", "/me/data", "/me/export.json"):
        page = client.get(url).text
        assert url == "/me" or "https://git.example.org/luc/portfolio" in page, url
        assert "zoe" not in page and "Zèbre" not in page and "Corrigé après la revue" not in page, url


def test_the_grading_form_shows_the_latest_version_and_one_made_after_the_grade(
    app: Flask, client, auth: AuthActions, world
) -> None:
    ids = _cohort_with_work(app, world)
    with app.app_context():
        brief = db.session.get(Project, world.project_id)
        db.session.add(Grade(learner_id=world.learner_id, project=brief, score_hundredths=1200,
                             graded_at=datetime.combine(brief.due_date + timedelta(days=2), datetime.min.time())))
        db.session.add(Grade(learner_id=ids["zoe"], project=brief, score_hundredths=1100,
                             graded_at=datetime.combine(brief.due_date + timedelta(days=2), datetime.min.time())))
        factories.hand_in(brief, db.session.get(Learner, world.learner_id), brief.due_date + timedelta(days=5),
                          number=2, repository="https://gitlab.com/luc/portfolio-v2")
        db.session.commit()
    auth.login("trainer@example.org")
    page = client.get(f"/projects/{world.project_id}/grades").text
    assert "<p class=\"definition\">« Rendu » : une version rendue" in page  # the definition, once

    def row(name: str) -> str:
        start = page.index(f'<th scope="row">{name}')
        return page[start : page.index("</tr>", start)]

    luc = row("Lefèvre Luc")
    assert "<strong>rendu</strong>" in luc and "version 2" in luc and "en retard" in luc  # v2 is late, Luc is not
    assert f'<a class="hand-in-link" href="https://gitlab.com/luc/portfolio-v2" {REL}>' in luc
    assert "rendu après la note" in luc and "portfolio\"" not in luc  # the latest version only
    zoe = row("Zèbre Zoé")
    assert "<strong>rendu en retard</strong>" in zoe and "version 2" in zoe and "rendu après la note" in zoe
    noe = row("Nuage Noé")
    assert "<strong>non rendu</strong>" in noe and "hand-in-link" not in noe and "rendu après la note" not in noe
    assert 'name="exempted_' in noe and 'name="status_' not in page  # no typed status any more


def test_an_exempted_learner_stays_exempted_whatever_they_hand_in(app: Flask, client, auth: AuthActions, world) -> None:
    _cohort_with_work(app, world)
    auth.login("trainer@example.org")
    url = f"/projects/{world.project_id}/grades"
    form = page_form(client, url) | {f"exempted_{world.learner_id}": "y", f"reason_{world.learner_id}": "Stage"}
    assert client.post(url, data=form).status_code == 302
    page = client.get(f"/projects/{world.project_id}/hand-ins").text
    luc = page[page.index("Lefèvre Luc") : page.index("</tr>", page.index("Lefèvre Luc"))]
    assert "<strong>dispensé·e</strong>" in luc and "Stage" in luc and "Version 1" in luc
    overview = client.get(f"/cohorts/{world.cohort_id}/learners/{world.learner_id}").text
    assert ">dispensé·e</a>" in overview and "Stage" in overview
    auth.logout()
    auth.login("learner@example.org")
    mine = client.get(f"/me/projects/{world.project_id}").text
    assert "<strong>dispensé·e</strong> · 1 version · Stage" in mine
    assert "dispensé·e" in client.get("/me").text


def _roster_row(client, world, name: str) -> str:
    page = client.get(f"/cohorts/{world.cohort_id}").text
    start = re.search(r'<th scope="row">(?:<a [^>]*>)?' + re.escape(name), page).start()
    return page[start : page.index("</tr>", start)]


def test_the_roster_counts_non_rendus_and_late_from_the_hand_ins(app: Flask, client, auth, world) -> None:
    ids = _cohort_with_work(app, world)
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        factories.project(cohort, due=date(2026, 10, 20), title="Après le départ d'Ada")
        factories.project(cohort, due=date(2027, 6, 1), title="À venir")  # not due yet: counts nowhere
        db.session.commit()
    auth.login("trainer@example.org")
    assert '<td class="num">1 · 1</td>' in _roster_row(client, world, "Zèbre Zoé")  # late on the Portfolio
    noe = _roster_row(client, world, "Nuage Noé")
    assert '<td class="num">2 · 0</td>' in noe and "2 briefs en retard ou non rendus" in noe
    assert '<td class="num">1 · 0</td>' in _roster_row(client, world, "Abandon Ada")  # only what was due while there
    with app.app_context():
        brief = db.session.scalar(sa.select(Project).where(Project.title == "Après le départ d'Ada"))
        factories.hand_in(brief, db.session.get(Learner, ids["noe"]), brief.due_date + timedelta(days=1))
        db.session.commit()
    noe = _roster_row(client, world, "Nuage Noé")
    assert '<td class="num">1 · 1</td>' in noe and "2 briefs en retard ou non rendus" in noe


def test_me_offers_to_hand_in_what_is_not_handed_in_and_comes_back(app: Flask, client, auth, world) -> None:
    brief = _brief(app, world, due=date(2027, 1, 15), title="Quiz à venir")
    auth.login("learner@example.org")
    me = client.get("/me").text
    assert f'href="/me/projects/{brief}#hand-in">Rendre' in me
    assert f'href="/me/projects/{world.project_id}#hand-in"' not in me  # the Portfolio is handed in
    form = page_form(client, f"/me/projects/{brief}") | {"repository_url": "https://gitlab.com/luc/quiz", "back": "me"}
    response = client.post(f"/me/projects/{brief}/hand-in", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith("/me#where")
    form["back"] = "https://evil.example/"  # anything else: back to the brief, never elsewhere
    assert client.post(f"/me/projects/{brief}/hand-in", data=form).headers["Location"].endswith("#hand-ins")
    me = client.get("/me").text
    assert f'href="/me/projects/{brief}#hand-in">Rendre' not in me


def test_the_pages_run_a_fixed_number_of_queries(app: Flask, client, auth: AuthActions, world, count_queries) -> None:
    def counts() -> tuple[int, int, int]:
        found = []
        for email, url in (
            ("learner@example.org", f"/me/projects/{world.project_id}"),
            ("trainer@example.org", f"/projects/{world.project_id}/hand-ins"),
            ("trainer@example.org", f"/projects/{world.project_id}/grades"),
        ):
            other = app.test_client()
            AuthActions(other).login(email)
            with count_queries() as counted:
                assert other.get(url).status_code == 200
            found.append(counted.count)
        return tuple(found)

    few = counts()
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        brief = db.session.get(Project, world.project_id)
        luc = db.session.get(Learner, world.learner_id)
        for number in range(2, 12):
            factories.hand_in(brief, luc, brief.due_date + timedelta(days=number), number=number)
        for index in range(15):
            learner = factories.learner(cohort, last_name=f"Nombreux{index}")
            for number in range(1, 4):
                version = factories.hand_in(brief, learner, brief.due_date, number=number)
                version.recorded_by_id = 1
            db.session.add(Grade(learner=learner, project=brief, score_hundredths=1000, exempted=False))
        db.session.commit()
    assert counts() == few
    assert few[0] <= 8 and few[1] <= 6 and few[2] <= 10


def test_erasure_empties_the_links_and_comments_and_keeps_the_versions(app: Flask, world) -> None:
    with app.test_request_context():
        version = db.session.get(HandIn, world.hand_in_id)
        version.comment, day = "Luc Lefèvre, v1", version.handed_in_on
        erase_learner(db.session.get(Learner, world.learner_id))
        db.session.commit()
    assert _versions(app, world.project_id) == [(world.learner_id, 1, day, "", "", "")]


def test_versions_typed_before_hand_ins_say_who_recorded_them(app: Flask, client, auth: AuthActions, world) -> None:
    """Migration 0010 made versions of the statuses trainers typed: no links, « enregistré par »."""
    with app.app_context():
        version = db.session.get(HandIn, world.hand_in_id)
        version.repository_url = version.deployed_url = ""
        version.recorded_by_id = db.session.scalar(sa.select(User.id).where(User.email == "trainer@example.org"))
        db.session.commit()
    auth.login("learner@example.org")
    page = client.get(f"/me/projects/{world.project_id}").text
    assert "enregistré par Thomas Formateur" in page and "hand-in-link" not in page


def test_the_demo_learner_always_has_a_brief_to_hand_in(app: Flask) -> None:
    """On 10 November the first Mende cohort in training (spring) is past its last planned brief: the demo gives
    learner@example.org one more, due within the week, nothing handed in."""
    from bootcamp.demo import DemoOptions, load_demo

    today = date(2026, 11, 10)
    with app.app_context():
        load_demo(DemoOptions(seed=3, sites=1, years=1, learners_per_cohort=6, today=today))
        account = db.session.scalars(sa.select(User).where(User.email == "learner@example.org")).one()
        cohort = account.learner.enrolments[0].cohort
        assert cohort.start_date.month == 2  # the spring cohort, near its end
        [brief] = [project for project in cohort.projects if project.due_date >= today]
        assert brief.title == "Portfolio de fin de formation" and brief.due_date == date(2026, 11, 17)
        assert not db.session.scalars(sa.select(HandIn).where(HandIn.project_id == brief.id)).all()


def test_who_left_before_the_due_date_is_not_expected(app: Flask, client, auth: AuthActions, world) -> None:
    """Ada dropped out on 26 November: a brief due later does not count her « à rendre » (the roster's rule); she is
    shown apart, on the hand-ins page and on the grading form. Before the due date she left, she still counts."""
    ids = _cohort_with_work(app, world)
    with app.app_context():
        ada = db.session.get(Learner, ids["ada"])
        ada.enrolments[0].exit_date = date(2026, 11, 26)
        later = factories.project(db.session.get(Cohort, world.cohort_id), due=date(2027, 6, 1), title="Plus tard")
        db.session.add(Grade(learner=ada, project=later, score_hundredths=1000, exempted=False))  # on the form
        db.session.commit()
        later_id = later.id
    auth.login("trainer@example.org")
    page = client.get(f"/projects/{later_id}/hand-ins").text
    assert "à rendre : 3" in page  # Luc, Zoé, Noé; not Ada
    assert "a quitté la formation avant l'échéance (hors des comptes) : 1" in page
    ada_row = page[page.index("Abandon Ada") : page.index("</tr>", page.index("Abandon Ada"))]
    assert "<strong>a quitté la formation</strong>" in ada_row and "à rendre" not in ada_row
    assert page.index("Nuage Noé") < page.index("Abandon Ada")  # apart: after those expected
    assert "décidé par le formateur ou la formatrice" in page
    grades = client.get(f"/projects/{later_id}/grades").text
    ada_row = grades[grades.index("Abandon Ada") : grades.index("</tr>", grades.index("Abandon Ada"))]
    assert "<strong>a quitté la formation</strong>" in ada_row
    portfolio = client.get(f"/projects/{world.project_id}/hand-ins").text  # due before she left: expected
    ada_row = portfolio[portfolio.index("Abandon Ada") : portfolio.index("</tr>", portfolio.index("Abandon Ada"))]
    assert "non rendu : 2" in portfolio and "<strong>non rendu</strong>" in ada_row
    assert "hors des comptes) :" not in portfolio


def test_me_offers_the_next_brief_to_hand_in_at_once(app: Flask, client, auth: AuthActions, world) -> None:
    """/me holds the form of the learner's next brief « à rendre » (the nearest due date); handing it in there brings
    them back to /me, and the page then offers the following one. No id twice on the page (its other forms)."""
    later = _brief(app, world, due=dates.today() + timedelta(days=20), title="API REST")
    sooner = _brief(app, world, due=dates.today() + timedelta(days=6), title="Maquette")
    auth.login("learner@example.org")
    page = client.get("/me").text
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), [each for each in ids if ids.count(each) > 1]
    assert "Prochain projet à rendre" in page and "« Maquette »" in page
    assert f'action="/me/projects/{sooner}/hand-in"' in page and 'name="back" value="me"' in page
    forms = [form for form in _post_forms(page) if "repository_url" in form]
    assert len(forms) == 1
    response = client.post(
        f"/me/projects/{sooner}/hand-in", data=forms[0] | {"repository_url": "https://gitlab.com/luc/maquette"}
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/me")
    assert [row[:2] for row in _versions(app, sooner)] == [(world.learner_id, 1)]
    page = client.get("/me").text
    assert f'action="/me/projects/{later}/hand-in"' in page and "« API REST »" in page


def _post_forms(page: str) -> list[dict]:
    """Every POST form of the page (form_from reads one by its index)."""
    forms = []
    while True:
        try:
            forms.append(form_from(page, len(forms)))
        except IndexError:
            return forms
