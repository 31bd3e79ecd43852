"""`flask placements send` (cron, daily): email the company tutors their forms' links, and remind them."""


import click
from flask.cli import AppGroup

from .. import dates
from ..transactions import write_transaction
from .sending import send_due

placements_cli = AppGroup("placements", help="Company placements: the tutors' forms asked by email.")


@placements_cli.command("send")
@click.option("--day", "day_text", help="Send what is due on this day (YYYY-MM-DD; default: today).")
def send(day_text: str | None) -> None:
    """Queue the tutors' emails due (first messages on a form's due day, reminders 7 and 14 days later) in the
    outbox (`flask mail send` delivers them). Safe to run again, and from several machines: nothing is queued twice."""
    today = dates.command_day(day_text, "--day")
    with write_transaction():
        sent = send_due(today)
    click.echo(f"tutors: {sent.asked} asked, {sent.reminded} reminded")
