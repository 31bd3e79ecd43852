"""`flask followups send` (cron, daily): ask leavers their follow-up points by email, remind them, and send the
satisfaction questionnaires that are due."""

from datetime import date

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from .. import dates
from ..satisfaction import sending
from ..transactions import write_transaction
from .services import send_due

followups_cli = AppGroup("followups", help="Follow-ups and questionnaires asked by email.")


def _day(text: str | None) -> date:
    """The --date given (YYYY-MM-DD, within the dates the app accepts), else today; a one-line error otherwise."""
    if text is None:
        return dates.today()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a date written YYYY-MM-DD", param_hint="--date") from None
    with force_locale("en"):
        if problem := dates.date_problem(day):
            raise click.BadParameter(problem, param_hint="--date")
    return day


@followups_cli.command("send")
@click.option("--date", "day_text", help="Send what is due on this day (YYYY-MM-DD; default: today).")
def send(day_text: str | None) -> None:
    """Queue the follow-up emails due (first messages and reminders) and the questionnaires' invitations, in the
    outbox (`flask mail send` delivers them). Safe to run again: nothing is queued twice."""
    today = _day(day_text)
    with write_transaction():
        sent = send_due(today)
    with write_transaction():
        questionnaires = sending.send_due(today)
    click.echo(f"follow-ups: {sent.asked} asked, {sent.reminded} reminded; questionnaires: {questionnaires}")
