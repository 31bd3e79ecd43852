"""`flask attendance ...`: the attendance commands (export, import, calendars). The command line speaks English."""

import re
from datetime import date

import click
from flask.cli import AppGroup

from ..cohorts.services import cohorts_named
from ..dates import EARLIEST, latest
from ..models import Cohort
from ..timetable.services import fill_calendars
from ..transactions import write_transaction
from .export import export_rows, to_csv

attendance_cli = AppGroup("attendance", help="Attendance: calendars, exports and imports.")


# A cohort's month for funders: the same bytes as /cohorts/<id>/attendance/export.csv.


def cohort_named(name: str) -> Cohort:
    """The cohort of that name, whatever its case and accents; a one-line error when none or several match."""
    matches = cohorts_named(name)
    if len(matches) > 1:
        names = ", ".join(f"'{c.name}'" for c in matches)
        raise click.ClickException(f"--cohort: several cohorts are named '{name}': {names}")
    if not matches:
        raise click.ClickException(f"--cohort: no cohort named '{name}'")
    return matches[0]


def month_given(text: str) -> date:
    """The first day of a month written YYYY-MM, within the dates the app accepts; a one-line error otherwise."""
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", text):
        raise click.ClickException(f"--month: '{text}' is not a month written YYYY-MM, e.g. 2026-11")
    month = date(int(text[:4]), int(text[5:]), 1)
    if not EARLIEST <= month <= (last := latest()):
        raise click.ClickException(
            f"--month: '{text}' is outside the months the app accepts ({EARLIEST:%Y-%m} to {last:%Y-%m})"
        )
    return month


@attendance_cli.command("export")
@click.option("--cohort", "cohort_name", required=True, help="The cohort's name, whatever its case and accents.")
@click.option("--month", "month_text", required=True, help="The month, YYYY-MM.")
def export_attendance(cohort_name: str, month_text: str) -> None:
    """Print a cohort's attendance for a month as CSV, one row per learner: the same bytes as the page's export."""
    month = month_given(month_text)
    click.echo(to_csv(export_rows(cohort_named(cohort_name), month)), nl=False)


@attendance_cli.command("calendars")
def calendars() -> None:
    """Give every cohort its calendar of half-days: the whole of it to a cohort that has none, the missing future
    half-days (from tomorrow) to the others. Safe to run again: nothing is made twice."""
    with write_transaction():
        cohorts, created = fill_calendars()
    half_days = f"{created} half-day" + ("s" if created != 1 else "")
    click.echo(f"Calendars: {half_days} created for {cohorts} cohort" + ("s." if cohorts != 1 else "."))
