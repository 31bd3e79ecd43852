"""`flask followups send` (cron, daily): ask leavers their follow-up points by email, remind them, and send the
satisfaction questionnaires that are due."""

import click
from flask.cli import AppGroup

from .. import dates
from ..satisfaction import sending
from ..transactions import write_transaction
from .services import send_due

followups_cli = AppGroup("followups", help="Follow-ups and questionnaires asked by email.")


@followups_cli.command("send")
@click.option("--date", "day_text", help="Send what is due on this day (YYYY-MM-DD; default: today).")
def send(day_text: str | None) -> None:
    """Queue the follow-up emails due (first messages and reminders) and the questionnaires' invitations, in the
    outbox (`flask mail send` delivers them). Safe to run again: nothing is queued twice."""
    today = dates.command_day(day_text, "--date")
    with write_transaction():
        sent = send_due(today)
    with write_transaction():
        questionnaires = sending.send_due(today)
    click.echo(f"follow-ups: {sent.asked} asked, {sent.reminded} reminded; questionnaires: {questionnaires}")
