"""Delivering the outbox through a real SMTP server (tests/smtp.py): both parts, the sender and the recipient, tokens
gone from the database once sent; bounces given up at once, temporary failures retried later, then given up; a dead
sender's messages taken over; `flask mail send`; /admin/outbox for admins only (filters, counts, the HTML version in
a sandbox, « Renvoyer »)."""

import smtplib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.mail import sender
from bootcamp.models import MessageKind, MessageState, OutboxMessage, User
from bootcamp.models.base import utcnow
from bootcamp.users.services import request_password_reset

from . import factories
from .conftest import csrf_token
from .smtp import free_port


def _messages(app: Flask, *recipients: str) -> list[int]:
    """Waiting messages (written directly, as the other features' tests do), due now: their ids."""
    with app.app_context():
        ids = [factories.outbox_message(recipient).id for recipient in recipients]
        db.session.commit()
        return ids


def _send(app: Flask, limit: int = sender.DEFAULT_LIMIT) -> sender.SendReport:
    with app.app_context():
        return sender.send_due(limit)


def _row(app: Flask, message_id: int) -> OutboxMessage:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        db.session.expunge(message)
        return message


def _make_due(app: Flask, message_id: int) -> None:
    with app.app_context():
        db.session.get(OutboxMessage, message_id).due_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


# Delivery


def test_a_message_is_delivered_in_its_language_with_both_parts_and_its_link_then_forgotten(
    app: Flask, world, smtp_server
) -> None:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "learner@example.org"))
        user.locale = "en"
        assert request_password_reset("learner@example.org")
        db.session.commit()
        message_id = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id)))
        organisation, from_address = app.config["ORGANISATION_NAME"], app.config["MAIL_DEFAULT_SENDER"]

    assert _send(app) == sender.SendReport(sent=2)  # the world's waiting message too, on one connection
    assert smtp_server.connections == 1
    (received,) = [m for m in smtp_server.messages if m["Subject"] != "Compte"]  # not the world's message
    assert received["To"] == "learner@example.org"
    assert received["From"] == from_address and received["Auto-Submitted"] == "auto-generated"
    assert received["Content-Language"] == "en" and received["Subject"] == _row(app, message_id).subject
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert organisation in text and organisation in html and "<img" not in html.lower()
    assert "Message sent by" in text and "Message sent by" in html  # the footer, in the recipient's language
    token = text.split("/password/")[1].split()[0]
    assert len(token) > 20 and f"/password/{token}" in html

    stored = _row(app, message_id)
    assert stored.state == MessageState.SENT and stored.sent_at and stored.attempts == 1 and not stored.last_error
    assert token not in stored.body_text + stored.body_html and "/password/[redacted]" in stored.body_text
    assert "/password/redacted" in stored.body_html  # a link still a valid URL (it opens the dead link's page)


def test_one_connection_for_a_batch_and_the_limit_leaves_the_rest_for_the_next_run(app: Flask, smtp_server) -> None:
    first, second, third = _messages(app, "a@example.org", "b@example.org", "c@example.org")
    assert _send(app, limit=2) == sender.SendReport(sent=2)
    assert smtp_server.recipients() == ["a@example.org", "b@example.org"] and smtp_server.connections == 1
    assert _row(app, third).state == MessageState.QUEUED
    assert _send(app) == sender.SendReport(sent=1) and _send(app) == sender.SendReport()
    assert smtp_server.recipients() == ["a@example.org", "b@example.org", "c@example.org"]


def test_a_refused_recipient_is_given_up_at_once_and_the_others_are_delivered(app: Flask, smtp_server) -> None:
    first, refused, last = _messages(app, "a@example.org", "refused@example.org", "c@example.org")
    smtp_server.refused.add("refused@example.org")
    assert _send(app) == sender.SendReport(sent=2, failed=1)
    assert smtp_server.recipients() == ["a@example.org", "c@example.org"]
    bounced = _row(app, refused)
    assert bounced.state == MessageState.FAILED and bounced.failed_at and bounced.attempts == 1
    assert bounced.last_error == "550 5.1.1 No such user here" and bounced.claimed_until is None
    assert _send(app) == sender.SendReport()  # never tried again


def test_a_temporary_refusal_is_tried_again_later_and_later(app: Flask, smtp_server) -> None:
    (message_id,) = _messages(app, "a@example.org")
    smtp_server.refuse_all_with = 451
    before = utcnow()
    assert _send(app) == sender.SendReport(retrying=1)
    waiting = _row(app, message_id)
    assert waiting.state == MessageState.QUEUED and waiting.attempts == 1 and waiting.last_error.startswith("451 ")
    assert before + timedelta(minutes=1) <= waiting.due_at <= utcnow() + timedelta(minutes=1)
    assert _send(app) == sender.SendReport()  # not due yet

    _make_due(app, message_id)
    assert _send(app) == sender.SendReport(retrying=1)
    assert _row(app, message_id).attempts == 2 and _row(app, message_id).due_at > utcnow() + timedelta(minutes=4)
    smtp_server.refuse_all_with = None
    _make_due(app, message_id)
    assert _send(app) == sender.SendReport(sent=1) and smtp_server.recipients() == ["a@example.org"]
    assert _row(app, message_id).attempts == 3


@pytest.mark.parametrize("mode", ["drop_ehlo", "drop_data"])
def test_a_dropped_connection_is_tried_again(app: Flask, smtp_server, mode: str) -> None:
    first, second = _messages(app, "a@example.org", "b@example.org")
    smtp_server.mode = mode
    assert _send(app) == sender.SendReport(retrying=2)
    dropped = _row(app, first)
    assert dropped.state == MessageState.QUEUED and dropped.attempts == 1
    assert "disconnected" in dropped.last_error.lower()
    assert smtp_server.messages == [] and smtp_server.connections == 2  # a new connection for the second message
    smtp_server.mode = "accept"
    _make_due(app, first)
    _make_due(app, second)
    assert _send(app) == sender.SendReport(sent=2)
    assert sorted(smtp_server.recipients()) == ["a@example.org", "b@example.org"]


def test_a_server_down_keeps_every_message_for_later(app: Flask, smtp_server) -> None:
    ids = _messages(app, "a@example.org", "b@example.org")
    app.config["MAIL_PORT"] = free_port()  # nobody listens there
    assert _send(app) == sender.SendReport(retrying=2)
    for message_id in ids:
        down = _row(app, message_id)
        assert down.state == MessageState.QUEUED and down.attempts == 1 and "ConnectionRefused" in down.last_error


def test_given_up_after_max_attempts(app: Flask, smtp_server) -> None:
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    (message_id,) = _messages(app, "a@example.org")
    smtp_server.refuse_all_with = 421
    assert _send(app) == sender.SendReport(retrying=1)
    _make_due(app, message_id)
    assert _send(app) == sender.SendReport(failed=1)
    given_up = _row(app, message_id)
    assert given_up.state == MessageState.FAILED and given_up.attempts == 2 and given_up.failed_at
    assert given_up.last_error.startswith("421 ")


def test_the_waits_grow_then_stay_at_the_longest() -> None:
    waits = [sender.backoff(attempts) for attempts in range(1, 8)]
    assert waits[0] == timedelta(minutes=1) and waits == sorted(waits) and waits[-1] == waits[-3] == sender.BACKOFF[-1]


def test_a_dead_senders_messages_are_taken_over_after_its_claim_only(app: Flask, smtp_server) -> None:
    dead, alive = _messages(app, "dead@example.org", "alive@example.org")
    with app.app_context():
        now = utcnow()
        db.session.get(OutboxMessage, dead).state = MessageState.SENDING
        db.session.get(OutboxMessage, dead).claimed_until = now - timedelta(seconds=1)
        db.session.get(OutboxMessage, alive).state = MessageState.SENDING
        db.session.get(OutboxMessage, alive).claimed_until = now + timedelta(minutes=5)
        db.session.commit()
    assert _send(app) == sender.SendReport(sent=1)
    assert smtp_server.recipients() == ["dead@example.org"] and _row(app, alive).state == MessageState.SENDING


def test_a_batch_out_of_time_gives_its_unsent_messages_back_untried(app: Flask, smtp_server, monkeypatch) -> None:
    ids = _messages(app, "a@example.org", "b@example.org")
    monkeypatch.setattr(sender, "LEASE", timedelta(0))  # the batch's time is up before its first message
    assert _send(app) == sender.SendReport() and smtp_server.messages == []
    for message_id in ids:
        back = _row(app, message_id)
        assert back.state == MessageState.QUEUED and back.attempts == 0 and back.claimed_until is None


def test_a_result_is_not_written_over_a_claim_taken_over_meanwhile(app: Flask) -> None:
    (message_id,) = _messages(app, "a@example.org")
    with app.app_context():
        claimed, until = sender.claim(10)
        assert [message.id for message in claimed] == [message_id] and sender.claim(10) == ([], None)
        db.session.get(OutboxMessage, message_id).claimed_until = until + timedelta(seconds=1)  # another sender's
        db.session.commit()
        report = sender.record([sender.Result(claimed[0], MessageState.SENT)], [], until)
        assert report.sent == 1 and db.session.get(OutboxMessage, message_id).state == MessageState.SENDING


def test_an_error_is_one_line_without_token_nor_password(app: Flask) -> None:
    app.config["MAIL_PASSWORD"] = "s3cret-pass"
    refused = smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"see /password/abcDEF123\nuser s3cret-pass")})
    with app.test_request_context():
        line = sender.one_line(refused)
        assert line == "550 see /password/[redacted] user ***"
        long = sender.one_line(OSError("x" * 900))
        assert long.startswith("OSError: x") and len(long) == 500
        assert sender.is_permanent(refused) and not sender.is_permanent(smtplib.SMTPSenderRefused(550, b"no", "s"))
        assert sender.is_permanent(smtplib.SMTPDataError(554, b"rejected"))
        assert not sender.is_permanent(smtplib.SMTPDataError(451, b"later"))


# flask mail send


def test_command_without_mail_server_keeps_the_messages(app: Flask, world, runner) -> None:
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0
    assert result.output == "MAIL_SERVER is not set: 1 message kept in the outbox (read them at /admin/outbox)\n"
    assert _row(app, world.message_id).state == MessageState.QUEUED


def test_command_sends_and_counts(app: Flask, world, runner, smtp_server) -> None:
    _messages(app, "refused@example.org")
    smtp_server.refused.add("refused@example.org")
    result = runner.invoke(args=["mail", "send", "--limit", "5"])
    assert result.exit_code == 0 and result.output == "sent 1, to retry 0, given up 1\n"
    assert smtp_server.recipients() == ["learner@example.org"]


@pytest.mark.parametrize("limit", ["0", "-3", "abc", "10001", " "])
def test_command_refuses_a_bad_limit_in_one_line(app: Flask, world, runner, smtp_server, limit: str) -> None:
    result = runner.invoke(args=["mail", "send", "--limit", limit])
    assert result.exit_code == 1 and result.output.startswith("Error: --limit: ") and result.output.count("\n") == 1
    assert smtp_server.messages == [] and _row(app, world.message_id).state == MessageState.QUEUED


# /admin/outbox


@pytest.fixture
def admin(client, auth, world):
    auth.login("admin@example.org")
    return client


@pytest.mark.parametrize("role", ["learner", "trainer", "manager"])
def test_only_admins_reach_the_outbox(app: Flask, client, auth, world, role: str) -> None:
    auth.login(world.emails[role])
    base = f"/admin/outbox/{world.message_id}"
    for path in ("/admin/outbox", base, f"{base}/html"):
        assert client.get(path).status_code == 404, path
    token = csrf_token(client, "/")
    assert client.post(f"{base}/resend", data={"csrf_token": token}).status_code == 404
    assert "/admin/outbox" not in client.get("/", follow_redirects=True).text


def test_anonymous_people_are_sent_to_log_in(client, world) -> None:
    response = client.get(f"/admin/outbox/{world.message_id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def _given_up(app: Flask, recipient: str, kind: MessageKind = MessageKind.ACCOUNT) -> int:
    with app.app_context():
        message = factories.outbox_message(recipient, kind, subject="Abandonné")
        message.state, message.attempts, message.failed_at = MessageState.FAILED, 6, utcnow()
        message.last_error = "550 5.1.1 No such user here"
        db.session.commit()
        return message.id


def test_the_list_shows_every_message_newest_first_and_counts_the_given_up_ones(app: Flask, admin, world) -> None:
    _given_up(app, "bounced@example.org", MessageKind.SURVEY)
    page = admin.get("/admin/outbox").text
    assert '<a href="/admin/outbox" aria-current="page">Messages</a>' in page  # the navigation's link
    assert page.index("bounced@example.org") < page.index("learner@example.org")
    assert "1 message abandonné" in page and "550 5.1.1 No such user here" in page and 'class="watch"' in page

    failed = admin.get("/admin/outbox?state=failed").text
    assert "bounced@example.org" in failed and "learner@example.org" not in failed
    surveys = admin.get("/admin/outbox?kind=survey&state=").text
    assert "bounced@example.org" in surveys and "learner@example.org" not in surveys
    accounts = admin.get("/admin/outbox?kind=account").text
    assert "learner@example.org" in accounts and "bounced@example.org" not in accounts


@pytest.mark.parametrize("query", ["state=lost", "kind=spam", "page=0", "page=abc", "state=QUEUED"])
def test_bad_filters_answer_400(admin, query: str) -> None:
    assert admin.get(f"/admin/outbox?{query}").status_code == 400


def test_the_pages_run_a_fixed_number_of_queries(app: Flask, admin, world, count_queries) -> None:
    def count(path: str) -> int:
        with count_queries() as counter:
            assert admin.get(path).status_code == 200
        return counter.count

    few = count("/admin/outbox"), count(f"/admin/outbox/{world.message_id}")
    _messages(app, *[f"person{n}@example.org" for n in range(30)])
    _given_up(app, "bounced@example.org")
    assert (count("/admin/outbox"), count(f"/admin/outbox/{world.message_id}")) == few
    assert few[0] <= 6 and few[1] <= 4
    assert "person5@example.org" not in admin.get("/admin/outbox").text  # 25 a page, newest first
    assert "person5@example.org" in admin.get("/admin/outbox?page=2").text


def test_a_message_shows_its_headers_text_and_html_in_a_sandbox(app: Flask, admin, world) -> None:
    with app.app_context():
        message = db.session.get(OutboxMessage, world.message_id)
        message.body_text, message.body_html = "Bonjour <b>toi</b>,\nligne 2", '<p style="color:red">Bonjour</p>'
        db.session.commit()
    page = admin.get(f"/admin/outbox/{world.message_id}").text
    assert "learner@example.org" in page and app.config["MAIL_DEFAULT_SENDER"] in page.replace("&lt;", "<").replace(
        "&gt;", ">"
    )
    assert "Bonjour &lt;b&gt;toi&lt;/b&gt;," in page and "Renvoyer" not in page
    html = admin.get(f"/admin/outbox/{world.message_id}/html")
    assert html.status_code == 200 and html.mimetype == "text/html" and html.text == '<p style="color:red">Bonjour</p>'
    policy = html.headers["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "script-src 'none'" in policy and "img-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy and "form-action 'none'" in policy and "connect-src 'none'" in policy
    assert admin.get("/admin/outbox/999999").status_code == 404


def test_a_given_up_message_is_sent_again_once(app: Flask, admin, world, smtp_server) -> None:
    message_id = _given_up(app, "bounced@example.org")
    page = admin.get(f"/admin/outbox/{message_id}").text
    assert "Renvoyer" in page
    token = csrf_token(admin, f"/admin/outbox/{message_id}")
    assert admin.post(f"/admin/outbox/{message_id}/resend").status_code == 400  # no CSRF token
    response = admin.post(f"/admin/outbox/{message_id}/resend", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/outbox/{message_id}"
    again = _row(app, message_id)
    assert again.state == MessageState.QUEUED and again.attempts == 0 and again.failed_at is None
    assert again.due_at <= utcnow()

    late = admin.post(f"/admin/outbox/{message_id}/resend", data={"csrf_token": token})  # a second admin, late
    assert late.status_code == 409 and "plus abandonné" in late.text
    assert admin.post(f"/admin/outbox/{world.message_id}/resend", data={"csrf_token": token}).status_code == 409
    assert _send(app) == sender.SendReport(sent=2) and "bounced@example.org" in smtp_server.recipients()
