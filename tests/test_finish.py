"""The end of the programme for a whole cohort (issue 14, point 5): open from 14 days before the planned end (never
before the start), a page that lists who it will change (each can be left out), the date, a confirmation; audited,
all or nothing, never over a change made meanwhile. And « reprendre la formation », the undo of an exit."""

from datetime import date
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.models import (
    BlockResult,
    Certification,
    Cohort,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    ExamCandidate,
    ExamResult,
    Outcome,
    Situation,
)

from . import factories
from .conftest import AuthActions, audit_events, csrf_token, form_from, page_form
from .test_fuzz import examples

OPEN_DAY = date(2027, 6, 25)  # the world's cohort runs from 07/09/2026 to 05/07/2027: its end opens on 21/06/2027


@pytest.fixture
def cohort(app: Flask, world, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The trainer's cohort ten days before its end: Lefèvre (world's), Martin and Petit in training, Gone left."""
    monkeypatch.setattr(dates, "today", lambda: OPEN_DAY)
    with app.app_context():
        made = db.session.get(Cohort, world.cohort_id)
        martin = factories.learner(made, first_name="Ana", last_name="Martin")
        petit = factories.learner(made, first_name="Béa", last_name="Petit")
        gone = factories.learner(made, first_name="Carl", last_name="Gone")
        gone.enrolments[0].status, gone.enrolments[0].exit_date = EnrolmentStatus.DROPPED, date(2026, 10, 1)
        gone.enrolments[0].dropout_reason = DropoutReason.MOVED
        db.session.commit()
        return {
            "id": made.id,
            "Lefèvre": world.enrolment_id,
            "Martin": martin.enrolments[0].id,
            "Petit": petit.enrolments[0].id,
            "Gone": gone.enrolments[0].id,
        }


def _statuses(app: Flask, cohort: dict[str, int]) -> dict[str, tuple]:
    with app.app_context():
        rows = {e.id: e for e in db.session.scalars(sa.select(Enrolment).where(Enrolment.cohort_id == cohort["id"]))}
        return {name: (rows[i].status.value, rows[i].exit_date) for name, i in cohort.items() if name != "id"}


def _url(cohort: dict[str, int]) -> str:
    return f"/cohorts/{cohort['id']}/finish"


def test_the_page_lists_who_it_will_change(app: Flask, client, auth: AuthActions, cohort, count_queries) -> None:
    auth.login("trainer@example.org")
    roster = client.get(f"/cohorts/{cohort['id']}").text
    assert f'href="{_url(cohort)}"' in roster and 'action="/cohorts/' not in roster  # a link, no form
    with count_queries() as counter:
        page = unescape(client.get(_url(cohort)).text)
    assert counter.count == 3, counter.statements  # the user, the cohort, its enrolments with their learners
    boxes = [f'name="enrolment" value="{cohort[name]}"' for name in ("Lefèvre", "Martin", "Petit")]
    assert all(box in page for box in boxes) and f'value="{cohort["Gone"]}"' not in page
    assert page.index("Lefèvre Luc") < page.index("Martin Ana") < page.index("Petit Béa")  # by name
    assert "1 personne a déjà quitté la promotion" in page
    assert "à partir de 14 jours avant la fin prévue, jamais avant le début : ici, à partir du 21 juin 2027" in page
    form = form_from(page)
    assert form["exit_date"] == "2027-06-25" and sorted(form["enrolment"]) == sorted(
        str(cohort[name]) for name in ("Lefèvre", "Martin", "Petit")
    )


def test_leaving_one_out_finishes_the_others_audited(app: Flask, client, auth: AuthActions, cohort) -> None:
    auth.login("trainer@example.org")
    form = page_form(client, _url(cohort))
    form["enrolment"] = [str(cohort["Lefèvre"]), str(cohort["Martin"])]  # Petit unchecked: stays in training
    form["exit_date"] = "24/06/2027"
    response = client.post(_url(cohort), data=form)
    assert response.status_code == 302 and response.headers["Location"] == f"/cohorts/{cohort['id']}"
    assert "Fin de formation enregistrée pour 2 apprenant·es." in client.get(response.headers["Location"]).text
    assert _statuses(app, cohort) == {
        "Lefèvre": ("finished", date(2027, 6, 24)),
        "Martin": ("finished", date(2027, 6, 24)),
        "Petit": ("in_training", None),
        "Gone": ("dropped", date(2026, 10, 1)),
    }
    events = audit_events(app, "enrolment")
    assert sorted(event.entity_id for event in events) == sorted([cohort["Lefèvre"], cohort["Martin"]])
    assert all(e.actor.email == "trainer@example.org" and e.before["status"] == "in_training" for e in events)
    assert all(e.after == {"status": "finished", "exit_date": "2027-06-24", "dropout_reason": None} for e in events)


def test_before_its_window_the_end_is_refused(app: Flask, client, auth: AuthActions, cohort, monkeypatch) -> None:
    auth.login("trainer@example.org")
    form = page_form(client, _url(cohort))  # opened on 25/06/2027...
    monkeypatch.setattr(dates, "today", lambda: date(2027, 6, 20))  # ...posted as if on 20/06, the day before it opens
    roster = unescape(client.get(f"/cohorts/{cohort['id']}").text)
    assert "pourra s'enregistrer à partir du 21 juin 2027" in roster and _url(cohort) not in roster
    page = unescape(client.get(_url(cohort)).text)
    assert "Pas encore possible : revenez à partir du 21 juin 2027" in page and 'name="enrolment"' not in page
    form["exit_date"] = "2027-06-19"
    assert client.post(_url(cohort), data=form).status_code == 403
    assert _statuses(app, cohort)["Lefèvre"] == ("in_training", None) and audit_events(app) == []


def test_a_cohort_that_has_not_started_cannot_be_finished(
    app: Flask, client, auth: AuthActions, world, monkeypatch
) -> None:
    with app.app_context():
        short = factories.cohort(start=date(2027, 1, 10), end=date(2027, 1, 20))  # its end is 12 days after today
        learner = factories.learner(short)
        db.session.commit()
        cohort_id, enrolment_id = short.id, learner.enrolments[0].id
    monkeypatch.setattr(dates, "today", lambda: date(2027, 1, 8))  # 12 days before its end, 2 before its start
    auth.login("manager@example.org")
    url = f"/cohorts/{cohort_id}/finish"
    form = {"csrf_token": csrf_token(client, url), "exit_date": "2027-01-08", "enrolment": str(enrolment_id)}
    response = client.post(url, data=form | {f"version-{enrolment_id}": "1"})
    assert response.status_code == 403 and "à partir du 10 janv. 2027" in unescape(response.text)
    assert audit_events(app) == []


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"exit_date": "2027-06-26"}, "exit_date", "ne peut pas être après aujourd'hui (25/06/2027)"),
        ({"exit_date": "06/09/2026"}, "exit_date", "ne peut pas précéder le début de la promotion (07/09/2026)"),
        ({"exit_date": ""}, "exit_date", "Indiquez la date."),
        ({"enrolment": []}, "enrolment", "Cochez au moins une personne."),
    ],
)
def test_a_bad_form_comes_back_and_saves_nothing(
    app: Flask, client, auth: AuthActions, cohort, changes: dict, field: str, message: str
) -> None:
    auth.login("trainer@example.org")
    form = page_form(client, _url(cohort)) | changes
    response = client.post(_url(cohort), data=form)
    page = unescape(response.text)
    assert response.status_code == 200 and message in page[page.index(f'id="{field}-error"') :]
    assert "Rien n'a été enregistré" in page
    assert {status for status, _day in _statuses(app, cohort).values()} == {"in_training", "dropped"}
    assert audit_events(app) == []


def test_a_double_submit_changes_nothing_the_second_time(app: Flask, client, auth: AuthActions, cohort) -> None:
    auth.login("trainer@example.org")
    form = page_form(client, _url(cohort))
    assert client.post(_url(cohort), data=form).status_code == 302
    saved = len(audit_events(app))
    again = client.post(_url(cohort), data=form)
    assert again.status_code == 409
    page = unescape(again.text)
    assert "la situation de certaines personnes a changé depuis l'ouverture de cette page" in page
    assert "Martin Ana : terminé le 25 juin 2027" in page
    assert "Personne n'est encore en formation dans cette promotion" in page
    assert len(audit_events(app)) == saved


def test_a_learner_changed_meanwhile_is_not_overwritten(app: Flask, client, auth: AuthActions, cohort) -> None:
    auth.login("trainer@example.org")
    form = page_form(client, _url(cohort))
    manager = app.test_client()
    AuthActions(manager).login("manager@example.org")
    url = f"/cohorts/{cohort['id']}/enrolments/{cohort['Martin']}"
    theirs = page_form(manager, url) | {"status": "dropped", "exit_date": "2027-06-01", "dropout_reason": "job"}
    assert manager.post(url, data=theirs).status_code == 302
    response = client.post(_url(cohort), data=form)
    assert response.status_code == 409
    assert "Martin Ana : abandon le 1 juin 2027" in unescape(response.text)
    assert _statuses(app, cohort)["Martin"] == ("dropped", date(2027, 6, 1))
    assert _statuses(app, cohort)["Lefèvre"] == ("in_training", None)  # nothing of the form was saved
    again = form_from(response.text)  # the list as it is now, the person's choices kept: confirming applies them
    assert f'value="{cohort["Martin"]}"' not in response.text.split('name="csrf_token"')[-1]
    assert client.post(_url(cohort), data=again).status_code == 302
    assert _statuses(app, cohort) == {
        "Lefèvre": ("finished", OPEN_DAY),
        "Martin": ("dropped", date(2027, 6, 1)),
        "Petit": ("finished", OPEN_DAY),
        "Gone": ("dropped", date(2026, 10, 1)),
    }


def _finished(app: Flask, enrolment_id: int, follow_up: bool = False) -> None:
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolment_id)
        enrolment.status, enrolment.exit_date = EnrolmentStatus.FINISHED, date(2027, 6, 24)
        if follow_up:
            db.session.add(Outcome(enrolment=enrolment, point=0, situation=Situation.CDI))
        db.session.commit()


def test_resume_puts_a_learner_back_in_training_audited(app: Flask, client, auth: AuthActions, cohort) -> None:
    _finished(app, cohort["Petit"])
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{cohort['id']}/enrolments/{cohort['Petit']}").text
    form = form_from(page, index=0)  # the « Reprendre la formation » form, above the situation's
    assert form["version"] == "2"
    response = client.post(f"/cohorts/{cohort['id']}/enrolments/{cohort['Petit']}/resume", data=form)
    assert response.status_code == 302
    assert "Petit reprend la formation" in client.get(response.headers["Location"]).text
    assert _statuses(app, cohort)["Petit"] == ("in_training", None)
    [event] = audit_events(app, "enrolment")
    assert event.actor.email == "trainer@example.org" and event.learner_id is not None
    assert (event.before["status"], event.before["exit_date"]) == ("finished", "2027-06-24")
    assert event.after == {"status": "in_training", "exit_date": None, "dropout_reason": None}


def test_resume_keeps_the_exam_results_and_the_certification(app: Flask, client, auth: AuthActions, cohort) -> None:
    """« Reprendre la formation » undoes an exit, not an exam: the results stay, and so does what they derive."""
    _finished(app, cohort["Petit"])
    with app.app_context():
        factories.certify(db.session.get(Enrolment, cohort["Petit"]), Certification.PARTIAL)
        db.session.commit()
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{cohort['id']}/enrolments/{cohort['Petit']}").text
    response = client.post(f"/cohorts/{cohort['id']}/enrolments/{cohort['Petit']}/resume", data=form_from(page, 0))
    assert response.status_code == 302 and _statuses(app, cohort)["Petit"] == ("in_training", None)
    with app.app_context():
        enrolment = db.session.get(Enrolment, cohort["Petit"])
        results = db.session.scalars(
            sa.select(ExamResult.result).join(ExamCandidate).where(ExamCandidate.enrolment_id == enrolment.id)
        ).all()
        assert enrolment.certification == Certification.PARTIAL and BlockResult.ACQUIRED in results
    [event] = audit_events(app, "enrolment")
    assert "certification" not in event.after


def test_a_trainer_cannot_resume_once_follow_ups_were_recorded(app: Flask, client, auth: AuthActions, cohort) -> None:
    _finished(app, cohort["Petit"], follow_up=True)
    auth.login("trainer@example.org")
    url = f"/cohorts/{cohort['id']}/enrolments/{cohort['Petit']}"
    page = unescape(client.get(url).text)
    assert "seul·e un·e responsable de programme peut la supprimer avec la reprise" in page
    assert f'action="{url}/resume"' not in page
    ticked = {"csrf_token": csrf_token(client, url), "version": "2", "discard_follow_ups": "y"}
    response = client.post(f"{url}/resume", data=ticked)  # the box is a manager's: ticked by hand, still refused
    assert response.status_code == 409 and "cochez la case pour la supprimer" in unescape(response.text)
    form = page_form(client, url) | {"status": "in_training"}  # nor through the situation's form
    response = client.post(url, data=form)
    assert response.status_code == 200 and 'id="status-error"' in response.text
    assert _statuses(app, cohort)["Petit"] == ("finished", date(2027, 6, 24)) and audit_events(app) == []


def test_a_manager_resumes_and_deletes_the_follow_ups_when_asked(app: Flask, client, auth, cohort) -> None:
    _finished(app, cohort["Petit"], follow_up=True)
    auth.login("manager@example.org")
    url = f"/cohorts/{cohort['id']}/enrolments/{cohort['Petit']}"
    form = form_from(client.get(url).text, index=0)
    assert "discard_follow_ups" not in form  # an unticked box: not sent
    response = client.post(f"{url}/resume", data=form)
    assert response.status_code == 409 and _statuses(app, cohort)["Petit"][0] == "finished"
    response = client.post(f"{url}/resume", data=form | {"discard_follow_ups": "y"})
    assert response.status_code == 302 and _statuses(app, cohort)["Petit"] == ("in_training", None)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Outcome)) == 0
    [deleted] = audit_events(app, "outcome")
    assert deleted.action == "delete" and deleted.before["point"] == 0 and deleted.after is None
    assert [event.after["status"] for event in audit_events(app, "enrolment")] == ["in_training"]


def test_a_stale_resume_is_refused(app: Flask, client, auth: AuthActions, cohort) -> None:
    _finished(app, cohort["Petit"])
    auth.login("trainer@example.org")
    url = f"/cohorts/{cohort['id']}/enrolments/{cohort['Petit']}"
    stale = page_form(client, url, index=0)
    manager = app.test_client()
    AuthActions(manager).login("manager@example.org")
    assert manager.post(url, data=page_form(manager, url) | {"exit_date": "2027-06-23"}).status_code == 302
    response = client.post(f"{url}/resume", data=stale)
    assert response.status_code == 409 and "manager a modifié cette situation" in unescape(response.text)
    assert _statuses(app, cohort)["Petit"] == ("finished", date(2027, 6, 23))
    assert client.post(f"{url}/resume", data=stale | {"version": "x"}).status_code == 400


# Whatever is typed or tampered with (dates, ids of other cohorts, versions): never a 500 (as test_fuzz.py).
values = st.one_of(
    st.sampled_from(["", "0", "-1", "2027-06-25", "31/12/9999", "1899-12-31", "99999999999", "x", "\x00", "1"]),
    st.text(max_size=20),
)


@pytest.mark.parametrize("resume", [False, True])
def test_no_finish_or_resume_form_answers_500(app: Flask, client, auth: AuthActions, cohort, resume: bool) -> None:
    if not resume:
        _finished(app, cohort["Petit"])  # one who left already: the page lists the others
    auth.login("trainer@example.org")
    enrolment_url = f"/cohorts/{cohort['id']}/enrolments/{cohort['Gone']}"
    fields = page_form(client, enrolment_url, index=0) if resume else page_form(client, _url(cohort))
    target = f"{enrolment_url}/resume" if resume else _url(cohort)
    names = [name for name in fields if name != "csrf_token"] + [f"version-{cohort['Martin']}", "enrolment"]

    @settings(
        deadline=None,
        max_examples=examples(app),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.dictionaries(st.sampled_from(names), values, max_size=len(names)))
    def fuzz(changes: dict[str, str]) -> None:
        assert client.post(target, data=dict(fields) | changes).status_code < 500

    fuzz()
