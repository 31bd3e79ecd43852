"""Calendar arithmetic the domain needs (follow-ups are due N months after the exit), and the dates the app accepts.

Every date typed or imported is between EARLIEST and today + YEARS_AHEAD years. The lower bound leaves room for
any birth date of a person in training; the upper one for what is planned (a cohort's end, a brief's due date, a
planned exit) a few years ahead, while refusing typing slips such as 31/12/9999 or 2206 for 2026, whose
arithmetic (a follow-up 12 months later) would not fit in a date. Rules against today and the cohort come on top.
"""

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import click
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

# The school's clock: half-days start and end at local times (9:00, 12:30...), in France.
LOCAL_ZONE = ZoneInfo("Europe/Paris")
EARLIEST = date(1900, 1, 1)
YEARS_AHEAD = 5


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the end of shorter months (31 Jan + 1 -> 28/29 Feb), and to the
    first and last days a date can hold (a stored 31/12/9999 + 3 months is 31/12/9999, not an error)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_cutoff(as_of: date, point: int) -> date:
    """The latest exit date whose +`point` months follow-up is due on `as_of`.

    Follow-ups fall on exit date + N months (clamped to the month's end, 31 Aug + 6 -> 28 Feb), so
    the set of due exit dates is everything up to this day.
    """
    cutoff = add_months(as_of, -point)
    while add_months(cutoff + timedelta(days=1), point) <= as_of:
        cutoff += timedelta(days=1)
    while add_months(cutoff, point) > as_of:
        cutoff -= timedelta(days=1)
    return cutoff


def latest(today: date | None = None) -> date:
    """The last date the app accepts: today + YEARS_AHEAD years."""
    return add_months(today or date.today(), 12 * YEARS_AHEAD)


def date_problem(day: date, today: date | None = None) -> str | None:
    """Why the date is refused (outside EARLIEST .. latest()), or None."""
    last = latest(today)
    if EARLIEST <= day <= last:
        return None
    return _(
        "date hors limites : entre le %(first)s et le %(last)s",
        first=format_date(EARLIEST, "dd/MM/yyyy"),
        last=format_date(last, "dd/MM/yyyy"),
    )


# Rules against today and the cohort (issue 14). Today comes from today() alone, so that tests can move it.
FINISH_OPENS_DAYS = 14  # the end of a cohort can be recorded from 14 days before its planned end (never before start)


def today() -> date:
    """Today in France, for the date rules below (tests replace it with monkeypatch.setattr(dates, "today", ...)).
    Not the server's date: on a server in UTC, from midnight to 1 or 2 a.m. in France that is still yesterday, and
    a half-day running now (`now`) was refused its roll call as « not yet come »."""
    return now().date()


def now() -> datetime:
    """The local time in France, naive (half-days are planned in it): whether a half-day is running, when a learner
    signed. Tests replace it with monkeypatch.setattr(dates, "now", ...)."""
    return datetime.now(LOCAL_ZONE).replace(tzinfo=None)


def _short(day: date) -> str:
    return format_date(day, "dd/MM/yyyy")


def exit_date_problem(day: date, cohort_start: date) -> str | None:
    """Why an exit (a dropout, the end of the programme) on `day` is refused: it falls between the cohort's start
    and today. None if it does."""
    if day < cohort_start:
        return _(
            "la date de sortie ne peut pas précéder le début de la promotion (%(start)s)", start=_short(cohort_start)
        )
    if day > (now := today()):
        return _("la date de sortie ne peut pas être après aujourd'hui (%(today)s)", today=_short(now))
    return None


def situation_start_problem(day: date, cohort_start: date) -> str | None:
    """Why a follow-up situation (a job, a training) starting on `day` is refused: not before the cohort's start,
    not after today. None if it is accepted."""
    if day < cohort_start:
        return _(
            "la date de début de la situation ne peut pas précéder le début de la promotion (%(start)s)",
            start=_short(cohort_start),
        )
    if day > (now := today()):
        return _("la date de début de la situation ne peut pas être après aujourd'hui (%(today)s)", today=_short(now))
    return None


def finish_opens(cohort_start: date, cohort_end: date) -> date:
    """The first day the end of a cohort may be recorded for all: FINISH_OPENS_DAYS before its planned end, and
    never before its start."""
    return max(cohort_start, cohort_end - timedelta(days=FINISH_OPENS_DAYS))


def may_finish(cohort_start: date, cohort_end: date) -> bool:
    """Whether the end of the cohort may be recorded today."""
    return today() >= finish_opens(cohort_start, cohort_end)


def command_day(text: str | None, option: str) -> date:
    """A daily command's day option (`--day`, `--date`: YYYY-MM-DD, within the dates the app accepts), else today;
    a one-line error (click's usage error) otherwise."""
    if text is None:
        return today()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a date written YYYY-MM-DD", param_hint=option) from None
    with force_locale("en"):
        if problem := date_problem(day):
            raise click.BadParameter(problem, param_hint=option)
    return day
