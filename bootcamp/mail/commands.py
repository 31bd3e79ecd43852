"""`flask mail send`: deliver the outbox's due messages (cron, every minute, on any number of machines)."""

import click
from flask import current_app
from flask.cli import AppGroup

from . import sender

mail_cli = AppGroup("mail", help="The outbox: deliver the messages that are due.")


def limit_given(text: str | None) -> int:
    """--limit as a number of messages, 1 to MAX_LIMIT; a one-line error otherwise."""
    if text is None:
        return sender.DEFAULT_LIMIT
    if not text.strip().isdigit() or not 1 <= int(text) <= sender.MAX_LIMIT:
        raise click.ClickException(f"--limit: '{text}' is not a number of messages from 1 to {sender.MAX_LIMIT}")
    return int(text)


@mail_cli.command("send")
@click.option("--limit", "limit_text", help=f"Messages to send at most in this run (default {sender.DEFAULT_LIMIT}).")
def send(limit_text: str | None) -> None:
    """Send the messages that are due (new ones, and retries whose time has come). Safe to run every minute from
    cron on several machines at once: each message is sent by one of them only."""
    limit = limit_given(limit_text)
    if not current_app.config.get("MAIL_SERVER"):
        kept = sender.waiting()
        messages = "1 message" if kept == 1 else f"{kept} messages"
        click.echo(f"MAIL_SERVER is not set: {messages} kept in the outbox (read them at /admin/outbox)")
        return
    report = sender.send_due(limit)
    click.echo(f"sent {report.sent}, to retry {report.retrying}, given up {report.failed}")
