"""Satisfaction questionnaires, the staff side: opening campaigns (à chaud, à froid), who is invited, reminders,
the programmes' statements (409, audit, « overall » kept), opening by hand, the campaign page and who sees it."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates, tokens
from bootcamp.dates import add_months
from bootcamp.extensions import db
from bootcamp.models import (
    AuditEvent,
    Cohort,
    DropoutReason,
    EnrolmentStatus,
    Gender,
    MessageKind,
    OutboxMessage,
    SurveyCampaign,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
    SurveyScore,
    SurveyStatement,
    utcnow,
)
from bootcamp.satisfaction.sending import send_due

from . import factories
from .conftest import csrf_token, page_form

END = date(2027, 3, 5)  # a Friday: the test cohort's last day


def _cohort(app: Flask, end: date = END, **learners: dict) -> int:
    """A cohort ending `end` with named learners: each a dict of Learner fields, plus `status` for the enrolment."""
    with app.app_context():
        cohort = factories.cohort(start=end - timedelta(days=300), end=end)
        for fields in learners.values():
            status = fields.pop("status", EnrolmentStatus.IN_TRAINING)
            made = factories.learner(cohort, **fields)
            enrolment = made.enrolments[0]
            enrolment.status = status
            if status != EnrolmentStatus.IN_TRAINING:
                enrolment.exit_date = end if status == EnrolmentStatus.FINISHED else end - timedelta(days=60)
            if status == EnrolmentStatus.DROPPED:
                enrolment.dropout_reason = DropoutReason.JOB
        db.session.commit()
        return cohort.id


def _send(app: Flask, today: date) -> int:
    with app.app_context():
        sent = send_due(today)
        db.session.commit()
        return sent


def _invitations(app: Flask, cohort_id: int, kind: SurveyKind = SurveyKind.HOT) -> dict[str, SurveyInvitation]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(SurveyInvitation).join(SurveyCampaign)
            .where(SurveyCampaign.cohort_id == cohort_id, SurveyCampaign.kind == kind)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return {row.recipient: row for row in rows}


def _campaign(app: Flask, cohort_id: int, kind: SurveyKind) -> SurveyCampaign | None:
    with app.app_context():
        return db.session.scalar(
            sa.select(SurveyCampaign).where(SurveyCampaign.cohort_id == cohort_id, SurveyCampaign.kind == kind)
        )


def test_hot_opens_in_the_last_week_for_everyone_not_dropped_at_their_school_address(app: Flask, world) -> None:
    cohort_id = _cohort(
        app,
        a={"email": "a@school.example", "personal_email": "a@home.example"},
        b={"email": None, "personal_email": "b@home.example"},  # no school address: the personal one
        dropped={"email": "d@school.example", "status": EnrolmentStatus.DROPPED},
    )
    assert _send(app, END - timedelta(days=7)) == 0
    assert _campaign(app, cohort_id, SurveyKind.HOT) is None
    assert _send(app, END - timedelta(days=6)) == 2
    campaign = _campaign(app, cohort_id, SurveyKind.HOT)
    assert campaign.closes_on == END + timedelta(days=14)
    assert [item["key"] for item in campaign.statements] == ["overall", "trainers", "useful", "recommend"]
    assert set(_invitations(app, cohort_id)) == {"a@school.example", "b@home.example"}  # no consent needed
    with app.app_context():
        messages = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == MessageKind.SURVEY)).all()
        assert {message.recipient for message in messages} == {"a@school.example", "b@home.example"}
        assert all("/survey/" in m.body_text and "/unsubscribe/" in m.body_text for m in messages)
        assert all("anonymes" in m.body_text and "Votre avis" in m.subject for m in messages)
        for message in messages:  # the unsubscribe link has a token of its own (a token opens one form only)
            answer, stop = (re.search(rf"/{door}/([A-Za-z0-9_-]+)", message.body_text).group(1)
                            for door in ("survey", "unsubscribe"))
            assert tokens.find("survey", tokens.digest(answer)) and tokens.find("stop_survey", tokens.digest(stop))
            assert tokens.find("survey", tokens.digest(stop)) is None


def test_hot_does_not_open_after_the_end_nor_twice(app: Flask, world) -> None:
    ended = _cohort(app, end=END - timedelta(days=30), a={})
    assert _send(app, END) == 0 and _campaign(app, ended, SurveyKind.HOT) is None
    cohort_id = _cohort(app, a={})
    assert _send(app, END) == 1
    assert _send(app, END) == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(SurveyCampaign.cohort_id == cohort_id)) == 1


def test_cold_opens_six_months_after_for_finishers_who_agree_personal_address_first(app: Flask, world) -> None:
    cohort_id = _cohort(
        app,
        yes={"email": "y@school.example", "personal_email": "y@home.example", "contact_consent": True,
             "status": EnrolmentStatus.FINISHED},
        school_only={"email": "s@school.example", "contact_consent": True, "status": EnrolmentStatus.FINISHED},
        refuses={"personal_email": "r@home.example", "status": EnrolmentStatus.FINISHED},
        dropped={"personal_email": "d@home.example", "contact_consent": True, "status": EnrolmentStatus.DROPPED},
        nowhere={"email": None, "contact_consent": True, "status": EnrolmentStatus.FINISHED},
    )
    opens = add_months(END, 6)
    with app.app_context():  # the « à chaud » was sent: only the « à froid » is under test
        factories.survey_campaign(db.session.get(Cohort, cohort_id), SurveyKind.HOT)
        db.session.commit()
    assert _send(app, opens - timedelta(days=1)) == 0
    assert _send(app, opens + timedelta(days=3)) == 2
    campaign = _campaign(app, cohort_id, SurveyKind.COLD)
    assert campaign.closes_on == opens + timedelta(days=33)
    assert set(_invitations(app, cohort_id, SurveyKind.COLD)) == {"y@home.example", "s@school.example"}


def test_cold_does_not_open_once_its_thirty_days_are_past(app: Flask, world) -> None:
    cohort_id = _cohort(app, a={"contact_consent": True, "status": EnrolmentStatus.FINISHED})
    assert _send(app, add_months(END, 6) + timedelta(days=30)) == 0
    assert _campaign(app, cohort_id, SurveyKind.COLD) is None


def _messages(app: Flask, cohort_id: int) -> int:
    return sum(invitation.messages for invitation in _invitations(app, cohort_id).values())


def test_reminders_after_7_and_14_days_three_messages_at_most_and_runs_are_idempotent(app: Flask, world) -> None:
    cohort_id = _cohort(app, a={})
    first = END - timedelta(days=6)
    assert [_send(app, first), _send(app, first)] == [1, 0]  # twice the same day: once
    assert _send(app, first + timedelta(days=6)) == 0
    assert [_send(app, first + timedelta(days=7)), _send(app, first + timedelta(days=7))] == [1, 0]
    assert _send(app, first + timedelta(days=13)) == 0
    assert _send(app, first + timedelta(days=14)) == 1
    assert _send(app, first + timedelta(days=20)) == 0
    (invitation,) = _invitations(app, cohort_id).values()
    assert invitation.messages == 3 and invitation.last_message_id is not None
    with app.app_context():
        bodies = db.session.scalars(
            sa.select(OutboxMessage.body_text)
            .where(OutboxMessage.kind == MessageKind.SURVEY)
            .order_by(OutboxMessage.id)
        ).all()
    assert ["Petit rappel" in body for body in bodies] == [False, True, True]


@pytest.mark.parametrize("stop", ["answered", "unsubscribed", "closed"])
def test_no_reminder_once_answered_unsubscribed_or_closed(app: Flask, world, stop: str) -> None:
    cohort_id = _cohort(app, a={})
    first = END - timedelta(days=6)
    assert _send(app, first) == 1
    with app.app_context():
        invitation = db.session.scalars(sa.select(SurveyInvitation)).one()
        if stop == "answered":
            invitation.answered = True
        elif stop == "unsubscribed":
            invitation.unsubscribed_at = utcnow()
        else:
            invitation.campaign.closes_on = first + timedelta(days=6)
        db.session.commit()
    assert _send(app, first + timedelta(days=7)) == 0
    assert _messages(app, cohort_id) == 1


# --- statements ----------------------------------------------------------------------------------------------------


@pytest.fixture
def manager(client, auth, world):
    auth.login("manager@example.org")
    return client


def _programme_id(app: Flask, world) -> int:
    with app.app_context():
        return db.session.get(Cohort, world.cohort_id).programme_id


def test_statements_edited_added_removed_audited_and_campaigns_keep_theirs(app: Flask, manager, world) -> None:
    path = f"/surveys/statements/{_programme_id(app, world)}/hot"
    form = page_form(manager, path)
    assert form["text_overall"].startswith("Dans l'ensemble") and "remove_overall" not in form
    form |= {"text_trainers": "  L'équipe   pédagogique m'a aidé·e. ", "added": "Les locaux étaient adaptés."}
    assert manager.post(path, data=form).status_code == 302
    form = page_form(manager, path)
    assert form["text_trainers"] == "L'équipe pédagogique m'a aidé·e." and form["text_added_1"]
    form["remove_useful"] = "y"
    form["remove_overall"] = "y"  # no such box: ignored, « overall » stays
    assert manager.post(path, data=form).status_code == 302
    with app.app_context():
        keys = db.session.scalars(
            sa.select(SurveyStatement.key)
            .where(SurveyStatement.kind == SurveyKind.HOT)
            .order_by(SurveyStatement.position)
        ).all()
        assert keys == ["overall", "trainers", "recommend", "added_1"]
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity == "survey_questionnaire")).all()
        assert len(events) == 2 and events[0].actor.email == "manager@example.org"
        # the world's campaign, opened before, asks what it asked
        assert db.session.get(SurveyCampaign, world.campaign_id).statements == factories.SURVEY_STATEMENTS
        assert not db.session.scalars(sa.select(SurveyStatement).where(SurveyStatement.kind == SurveyKind.COLD)).all()


def test_statements_saved_meanwhile_answer_409_and_bad_input_400(app: Flask, manager, world) -> None:
    path = f"/surveys/statements/{_programme_id(app, world)}/cold"
    stale = page_form(manager, path)
    assert manager.post(path, data=page_form(manager, path) | {"text_useful": "Utile."}).status_code == 302
    response = manager.post(path, data=stale | {"text_useful": "Autre."})
    assert response.status_code == 409
    form = page_form(manager, path)
    assert manager.post(path, data=form | {"text_overall": ""}).status_code == 400
    assert manager.post(path, data=form | {"text_trainers": "x" * 301}).status_code == 400
    assert manager.get(f"/surveys/statements/{_programme_id(app, world)}/warm").status_code == 404
    assert manager.get("/surveys/statements/999/hot").status_code == 404
    with app.app_context():
        assert db.session.scalars(sa.select(SurveyStatement.text).where(SurveyStatement.key == "useful")).all() == [
            "Utile."
        ]


def test_at_most_eight_statements(app: Flask, manager, world) -> None:
    path = f"/surveys/statements/{_programme_id(app, world)}/hot"
    for number in range(4):
        form = page_form(manager, path) | {"added": f"Affirmation {number}."}
        assert manager.post(path, data=form).status_code == 302
    form = page_form(manager, path)
    assert "added" not in form  # eight: no more to add
    assert manager.post(path, data=form | {"added": "Une de trop."}).status_code == 400


# --- opening by hand, the pages, access --------------------------------------------------------------------------


def test_a_manager_opens_a_missed_campaign_by_hand_once(app: Flask, manager, world, monkeypatch) -> None:
    cohort_id = _cohort(app, end=END, a={"email": "a@school.example"})
    monkeypatch.setattr(dates, "today", lambda: END + timedelta(days=40))  # the hot window was missed
    page = manager.get("/surveys/")
    assert page.status_code == 200 and "Ouvrir maintenant" in page.text
    data = {"csrf_token": csrf_token(manager, "/surveys/"), "cohort": cohort_id, "kind": "hot"}
    response = manager.post("/surveys/open", data=data)
    assert response.status_code == 302
    campaign = _campaign(app, cohort_id, SurveyKind.HOT)
    assert campaign.closes_on == END + timedelta(days=54)  # two weeks from the opening
    assert _messages(app, cohort_id) == 1
    assert manager.post("/surveys/open", data=data).status_code == 409
    assert manager.post("/surveys/open", data=data | {"kind": "cold"}).status_code == 409  # not before 6 months
    assert manager.post("/surveys/open", data=data | {"kind": "tepid"}).status_code == 400
    assert manager.post("/surveys/open", data=data | {"cohort": 99999}).status_code == 404


def _responses(app: Flask, campaign_id: int, overalls: list[int], comments: list[str] = ()) -> None:
    with app.app_context():
        for index, overall in enumerate(overalls):
            response = SurveyResponse(
                campaign_id=campaign_id, gender=Gender.FEMALE, overall=overall,
                comment=comments[index] if index < len(comments) else "",
            )
            response.scores = [SurveyScore(key="overall", score=overall), SurveyScore(key="trainers", score=5)]
            db.session.add(response)
        db.session.commit()


def test_campaign_page_hides_answers_under_five_respondents(app: Flask, client, auth, world) -> None:
    auth.login("trainer@example.org")
    _responses(app, world.campaign_id, [5, 4, 2, 5], ["Très bien", "Bof"])
    page = client.get(f"/surveys/{world.campaign_id}")
    assert page.status_code == 200
    assert "moins de 5" in page.text and "Très bien" not in page.text
    _responses(app, world.campaign_id, [3], ["Au top"])
    page = client.get(f"/surveys/{world.campaign_id}")
    assert "60" in page.text  # 3 satisfied of 5
    assert page.text.index("Au top") < page.text.index("Bof") < page.text.index("Très bien")  # by text


def test_campaign_page_runs_a_fixed_number_of_queries(app: Flask, manager, world, count_queries) -> None:
    def count() -> int:
        with count_queries() as counter:
            assert manager.get(f"/surveys/{world.campaign_id}").status_code == 200
        return counter.count

    before = count()
    _responses(app, world.campaign_id, [5, 4, 3, 5, 1, 2], ["Un", "Deux", "Trois"])
    assert count() == before


def test_index_runs_a_fixed_number_of_queries(app: Flask, manager, world, count_queries) -> None:
    def count() -> int:
        with count_queries() as counter:
            assert manager.get("/surveys/").status_code == 200
        return counter.count

    before = count()
    for _ in range(3):
        _cohort(app, end=dates.today() + timedelta(days=10), a={})
    assert count() == before


@pytest.mark.parametrize(
    "email,mine,theirs",
    [("trainer@example.org", 200, 404), ("manager@example.org", 200, 200), ("learner@example.org", 404, 404),
     ("admin@example.org", 404, 404)],
)
def test_campaigns_are_seen_by_managers_and_the_cohorts_trainers(client, auth, world, email, mine, theirs) -> None:
    auth.login(email)
    assert client.get(f"/surveys/{world.campaign_id}").status_code == mine
    assert client.get(f"/surveys/{world.other_campaign_id}").status_code == theirs
    assert client.get(f"/surveys/cohorts/{world.cohort_id}").status_code == mine
    assert client.get(f"/surveys/cohorts/{world.other_cohort_id}").status_code == theirs
    expected = 200 if email.startswith("manager") else 404
    assert client.get("/surveys/").status_code == expected


def test_the_cohort_page_links_to_its_questionnaires(client, auth, world) -> None:
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}")
    assert f"/surveys/cohorts/{world.cohort_id}" in page.text
    listing = client.get(f"/surveys/cohorts/{world.cohort_id}")
    assert f"/surveys/{world.campaign_id}" in listing.text and f"/surveys/{world.other_campaign_id}" not in listing.text
