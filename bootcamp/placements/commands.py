"""`flask placements send` (cron, daily): email the company tutors their forms' links, and remind them."""

from datetime import date

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from .. import dates
from ..transactions import write_transaction
from .sending import send_due

placements_cli = AppGroup("placements", help="Company placements: the tutors' forms asked by email.")


def _day(text: str | None) -> date:
    """The --day given (YYYY-MM-DD, within the dates the app accepts), else today; a one-line error otherwise."""
    if text is None:
        return dates.today()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a date written YYYY-MM-DD", param_hint="--day") from None
    with force_locale("en"):
        if problem := dates.date_problem(day):
            raise click.BadParameter(problem, param_hint="--day")
    return day


@placements_cli.command("send")
@click.option("--day", "day_text", help="Send what is due on this day (YYYY-MM-DD; default: today).")
def send(day_text: str | None) -> None:
    """Queue the tutors' emails due (first messages on a form's due day, reminders 7 and 14 days later) in the
    outbox (`flask mail send` delivers them). Safe to run again, and from several machines: nothing is queued twice."""
    today = _day(day_text)
    with write_transaction():
        sent = send_due(today)
    click.echo(f"tuteurs : {sent.asked} sollicités, {sent.reminded} relancés")
