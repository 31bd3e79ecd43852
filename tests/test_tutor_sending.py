"""`flask placements send` and the staff's « Envoyer le lien maintenant »: the tutor's first message on the form's
due day, reminders 7 and 14 days later, three at most, none once answered, for a dropped learner or after a bounce;
a new link each time (the earlier one dead); the staff's button by role."""

import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.models import (
    AuditEvent,
    DropoutReason,
    EnrolmentStatus,
    MessageKind,
    MessageState,
    OneTimeToken,
    OutboxMessage,
    Placement,
    ReviewStage,
    TutorReview,
)
from bootcamp.placements.days import review_periods, sync_reviews

from . import factories
from .conftest import AuthActions, csrf_token

START, END = date(2027, 3, 1), date(2027, 4, 30)  # 61 days: two forms
MID_DUE, END_DUE = date(2027, 3, 31), date(2027, 4, 30)
TUTOR = "claire.tutrice@causses-web.example"
LINK = re.compile(r"https?://[^/\s]+(/tutor/[A-Za-z0-9_-]+)")
WORLD_MID_DUE, WORLD_END_DUE = date(2026, 12, 30), date(2027, 1, 29)  # the world's placement: 30/11/26 to 29/1/27


def _placement(app: Flask, start: date = START, end: date = END, email: str = TUTOR) -> int:
    """A learner of a new cohort placed from `start` to `end`, their tutor at `email`; the placement's id."""
    with app.app_context():
        cohort = factories.cohort(start=date(2026, 9, 7), end=date(2027, 7, 5))
        learner = factories.learner(cohort, first_name="Inès", last_name="Vidal")
        placed = factories.placement(learner.enrolments[0], start=start, end=end, company="Causses Web",
                                     tutor_email=email)
        db.session.commit()
        return placed.id


def _send(runner, day: date) -> str:
    result = runner.invoke(args=["placements", "send", "--day", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _review(app: Flask, placement_id: int, stage: ReviewStage) -> TutorReview:
    with app.app_context():
        return db.session.scalars(
            sa.select(TutorReview).where(TutorReview.placement_id == placement_id, TutorReview.stage == stage)
        ).one()


def _messages(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        query = sa.select(OutboxMessage).where(OutboxMessage.kind == MessageKind.TUTOR_REVIEW)
        return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def test_the_forms_fall_due_on_the_middle_and_the_last_day() -> None:
    mid, end = review_periods(START, END)
    assert (mid.stage, mid.due_on, mid.first, mid.last) == (ReviewStage.MID, MID_DUE, START, MID_DUE)
    assert (end.stage, end.due_on, end.first, end.last) == (ReviewStage.END, END_DUE, MID_DUE + timedelta(days=1), END)


def test_the_first_message_goes_on_the_due_day_once(app: Flask, runner) -> None:
    placement_id = _placement(app)
    assert _send(runner, MID_DUE - timedelta(days=1)) == "tutors: 0 asked, 0 reminded"
    assert _send(runner, MID_DUE) == "tutors: 1 asked, 0 reminded"
    assert _send(runner, MID_DUE) == "tutors: 0 asked, 0 reminded"  # idempotent
    (message,) = _messages(app)
    assert message.recipient == TUTOR and message.locale == "fr"
    assert message.subject == "Stage de Inès Vidal : votre bilan de mi-parcours"
    assert "Causses Web" in message.body_text and "Bonjour Paul Tuteur" in message.body_text
    assert "1 mars 2027" in message.body_text and "31 mars 2027" in message.body_text
    assert LINK.search(message.body_text) and LINK.search(message.body_html)
    review = _review(app, placement_id, ReviewStage.MID)
    assert (review.messages, review.recipient, review.last_message_id) == (1, TUTOR, message.id)
    assert review.first_sent_at.date() == MID_DUE
    assert _review(app, placement_id, ReviewStage.END).messages == 0


def test_the_end_form_says_so(app: Flask, runner) -> None:
    _placement(app, start=date(2027, 3, 1), end=date(2027, 3, 10))  # short: the end form only
    assert _send(runner, date(2027, 3, 10)) == "tutors: 1 asked, 0 reminded"
    (message,) = _messages(app)
    assert message.subject == "Stage de Inès Vidal : votre bilan de fin de stage"


def test_reminders_after_7_and_14_days_then_no_more(app: Flask, runner) -> None:
    placement_id = _placement(app)
    expected = {
        MID_DUE: "1 asked, 0 reminded",
        MID_DUE + timedelta(days=6): "0 asked, 0 reminded",
        MID_DUE + timedelta(days=7): "0 asked, 1 reminded",
        MID_DUE + timedelta(days=8): "0 asked, 0 reminded",
        MID_DUE + timedelta(days=14): "0 asked, 1 reminded",
        MID_DUE + timedelta(days=21): "0 asked, 0 reminded",  # three at most
        MID_DUE + timedelta(days=28): "0 asked, 0 reminded",
    }
    for day, output in expected.items():
        assert _send(runner, day) == f"tutors: {output}", day
    messages = _messages(app)
    assert [message.subject.startswith("Rappel : ") for message in messages] == [False, True, True]
    assert _review(app, placement_id, ReviewStage.MID).messages == 3


def test_each_message_has_a_new_link_and_the_earlier_one_dies(app: Flask, runner, client) -> None:
    placement_id = _placement(app)
    _send(runner, MID_DUE)
    _send(runner, MID_DUE + timedelta(days=7))
    first, second = (LINK.search(message.body_text).group(1) for message in _messages(app))
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 302
    review = _review(app, placement_id, ReviewStage.MID)
    with app.app_context():
        subjects = db.session.scalars(sa.select(OneTimeToken.subject).where(OneTimeToken.purpose == "tutor_review"))
        assert list(subjects) == [str(review.id)]


def test_no_reminder_once_answered(app: Flask, runner) -> None:
    placement_id = _placement(app)
    _send(runner, MID_DUE)
    with app.app_context():
        review = db.session.get(TutorReview, _review(app, placement_id, ReviewStage.MID).id)
        review.days_present, review.appreciation, review.answered_at = 20, "Très bien.", datetime(2027, 4, 2, 9)
        db.session.commit()
    assert _send(runner, MID_DUE + timedelta(days=7)) == "tutors: 0 asked, 0 reminded"


def test_nothing_for_a_learner_who_dropped_out(app: Flask, runner) -> None:
    placement_id = _placement(app)
    with app.app_context():
        enrolment = db.session.get(Placement, placement_id).enrolment
        enrolment.status, enrolment.exit_date = EnrolmentStatus.DROPPED, date(2027, 3, 15)
        enrolment.dropout_reason = DropoutReason.JOB
        db.session.commit()
    assert _send(runner, MID_DUE) == "tutors: 0 asked, 0 reminded"
    assert _messages(app) == []


def test_a_bounced_message_stops_the_reminders(app: Flask, runner) -> None:
    _placement(app)
    _send(runner, MID_DUE)
    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).values(state=MessageState.FAILED))
        db.session.commit()
    assert _send(runner, MID_DUE + timedelta(days=7)) == "tutors: 0 asked, 0 reminded"


def test_a_form_due_long_ago_is_not_mailed(app: Flask, runner) -> None:
    _placement(app, start=date(2027, 3, 1), end=date(2027, 3, 10))
    assert _send(runner, date(2027, 3, 10) + timedelta(days=61)) == "tutors: 0 asked, 0 reminded"
    assert _send(runner, date(2027, 3, 10) + timedelta(days=60)) == "tutors: 1 asked, 0 reminded"


def test_a_bad_day_is_refused_in_one_line(runner) -> None:
    result = runner.invoke(args=["placements", "send", "--day", "31/03/2027"])
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output


# « Envoyer le lien maintenant »: POST /placements/<id>/reviews/<stage>/send


def _send_now(client, placement_id: int, stage: str = "mid"):
    token = csrf_token(client, "/account/password")
    return client.post(f"/placements/{placement_id}/reviews/{stage}/send", data={"csrf_token": token})


@pytest.mark.parametrize("role", ["trainer", "manager"])
def test_staff_send_the_link_now_from_the_due_day(
    app: Flask, client, auth: AuthActions, world, role: str, monkeypatch
) -> None:
    monkeypatch.setattr(dates, "today", lambda: WORLD_MID_DUE)
    auth.login(world.emails[role])
    page = client.get(f"/placements/{world.placement_id}").text  # the button, on the placement's page
    assert f'action="/placements/{world.placement_id}/reviews/mid/send"' in page
    response = _send_now(client, world.placement_id)
    assert response.status_code == 302 and response.location.endswith(f"/placements/{world.placement_id}")
    (message,) = _messages(app)
    assert message.recipient == "tuteur@lozere-numerique.example" and "Luc Lefèvre" in message.subject
    review = _review(app, world.placement_id, ReviewStage.MID)
    assert review.messages == 1 and review.last_message_id == message.id
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity == "tutor_review")).one()
        assert (event.action, event.entity_id, event.learner_id) == ("send", review.id, world.learner_id)
        assert event.actor_id is not None
    assert "Le lien a été envoyé" in client.get(response.location).text
    _send_now(client, world.placement_id)  # again: a new link, the first one dead
    first, second = (LINK.search(each.body_text).group(1) for each in _messages(app))
    assert _review(app, world.placement_id, ReviewStage.MID).messages == 2
    anonymous = app.test_client()
    assert anonymous.get(first).status_code == 404 and anonymous.get(second).status_code == 302


@pytest.mark.parametrize("role", ["learner", "unlinked", "admin"])
def test_others_cannot_send_it(app: Flask, client, auth: AuthActions, world, role: str) -> None:
    auth.login(world.emails[role])
    assert "/reviews/mid/send" not in client.get(f"/placements/{world.placement_id}").text  # theirs, or 404
    assert _send_now(client, world.placement_id).status_code == 404
    assert _messages(app) == []


def test_a_trainer_cannot_send_another_cohorts_link(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    assert _send_now(client, world.other_placement_id).status_code == 404
    assert _send_now(client, 2**31 - 1).status_code == 404
    assert _messages(app) == []


def test_sending_needs_the_csrf_token(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("trainer@example.org")
    assert client.post(f"/placements/{world.placement_id}/reviews/mid/send").status_code == 400
    assert _messages(app) == []


def test_a_stage_the_placement_has_not_is_404(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        placement = db.session.get(Placement, world.placement_id)
        placement.end_date = placement.start_date + timedelta(days=9)  # short: the end form only
        sync_reviews(placement)
        db.session.commit()
    auth.login("trainer@example.org")
    assert _send_now(client, world.placement_id, "mid").status_code == 404
    assert _send_now(client, world.placement_id, "end").status_code == 302


def test_an_answered_form_is_not_sent_again(app: Flask, client, auth: AuthActions, world, monkeypatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: WORLD_END_DUE)
    with app.app_context():
        review = db.session.get(TutorReview, _review(app, world.placement_id, ReviewStage.MID).id)
        review.days_present, review.appreciation, review.answered_at = 10, "Bien.", datetime(2026, 12, 30, 9)
        db.session.commit()
    auth.login("trainer@example.org")
    response = _send_now(client, world.placement_id)
    assert response.status_code == 302
    page = client.get(response.location).text
    assert "déjà rempli" in page and "/reviews/mid/send" not in page and "/reviews/end/send" in page
    assert _messages(app) == []
    assert _review(app, world.placement_id, ReviewStage.MID).messages == 0


@pytest.mark.parametrize("day", [date(2026, 11, 27), WORLD_MID_DUE - timedelta(days=1)])
def test_no_link_is_sent_by_hand_before_the_forms_period_is_over(
    app: Flask, client, auth: AuthActions, world, monkeypatch, day: date
) -> None:
    monkeypatch.setattr(dates, "today", lambda: day)
    auth.login(world.emails["trainer"])
    page = client.get(f"/placements/{world.placement_id}").text
    assert "/reviews/mid/send" not in page and "/reviews/end/send" not in page  # no button before the due day
    assert "mi-parcours : à envoyer à partir du 30 déc. 2026." in page
    assert "fin de stage : à envoyer à partir du 29 janv. 2027." in page
    response = _send_now(client, world.placement_id)  # a page shown before, or a forged request: refused
    assert response.status_code == 302 and response.location.endswith(f"/placements/{world.placement_id}")
    assert "ne peut être envoyé qu&#39;à partir du 30 décembre 2026" in client.get(response.location).text
    assert _messages(app) == [] and _review(app, world.placement_id, ReviewStage.MID).messages == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OneTimeToken)
                                 .where(OneTimeToken.purpose == "tutor_review")) == 0
    monkeypatch.setattr(dates, "today", lambda: WORLD_MID_DUE)  # its day: the button, and the link goes
    assert f'action="/placements/{world.placement_id}/reviews/mid/send"' in client.get(
        f"/placements/{world.placement_id}").text
    assert "/reviews/end/send" not in client.get(f"/placements/{world.placement_id}").text
    assert _send_now(client, world.placement_id).status_code == 302 and len(_messages(app)) == 1
