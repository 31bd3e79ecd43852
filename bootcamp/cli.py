"""Command-line tools: `flask users create`, `flask frameworks load`, `flask demo`."""

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError, OperationalError

from . import dates
from .attendance.commands import attendance_cli
from .backup import BackupError, backup, check_backup, restore, sqlite_path
from .certification.commands import certification_cli
from .cohorts.services import CohortError, cohorts_named, save_cohort
from .demo import DEMO_ACCOUNTS, SITE_TRAINER_PREFIX, SITES, DemoError, DemoOptions, database_is_empty, load_demo
from .errors import is_contention
from .extensions import db
from .followups.commands import followups_cli
from .forms import column_length
from .frameworks import FrameworkError, insert_framework, read_framework
from .importing.attendance import apply_attendance, plan_attendance
from .importing.learners import apply_learners, plan_learners
from .importing.outcomes import apply_outcomes, plan_outcomes
from .importing.reading import XLSX_SIGNATURE, Plan
from .importing.writing import StalePlan, plan_then_write
from .indicators import GROUPINGS, Filters, table
from .mail.commands import mail_cli
from .models import Cohort, Gender, Programme, Role, Site, User
from .passwords import hash_password, password_problem
from .personal_data import PROOF_RETENTION_YEARS, count_due_proofs, delete_due_proofs, due_for_erasure, erase_learner
from .placements.commands import placements_cli
from .public.commands import export_public
from .reports import attendance as attendance_report
from .reports import certification as certification_report
from .reports import placements as placements_report
from .reports import satisfaction as satisfaction_report
from .reports.export import to_csv
from .reports.queries import indicator_rows
from .transactions import end_transaction, write_transaction


def counted(count: int, noun: str) -> str:
    """« 1 problem », « 2 problems », « 0 learners »: the command line speaks English."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


users_cli = AppGroup("users", help="Manage accounts.")
export_cli = AppGroup("export", help="Export figures.")
export_cli.add_command(export_public)  # `flask export public`: the open data of a programme page (/p/<slug>.csv)
cohorts_cli = AppGroup("cohorts", help="Manage cohorts.")
import_cli = AppGroup("import", help="Import spreadsheets (CSV or XLSX), all or nothing.")


@cohorts_cli.command("create")
@click.argument("name")
@click.option("--site", required=True, help="A site of the list (/sites/), whatever its case and accents.")
@click.option("--start", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--end", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option("--programme", default="RNCP37674", show_default=True, help="The RNCP code of the programme.")
def create_cohort(name: str, site: str, start: datetime, end: datetime, programme: str) -> None:
    """Create a cohort."""
    try:
        cohort = save_cohort(name, site, start.date(), end.date(), programme)
    except CohortError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created cohort {cohort.name} ({cohort.site.name}, {cohort.start_date} to {cohort.end_date}).")


def _import(plan: Callable[[], Plan], apply: Callable[[Any], dict[str, int]], what: str) -> None:
    """Plan with no lock, write in one short transaction (importing/writing.py); report in one line. The command
    line speaks English, as its other commands do: the problems found in the file too."""
    with force_locale("en"):
        _import_in_english(plan, apply, what)


def _import_in_english(plan: Callable[[], Plan], apply: Callable[[Any], dict[str, int]], what: str) -> None:
    try:
        planned, counts = plan_then_write(plan, apply)
    except StalePlan as error:
        raise click.ClickException(str(error)) from None
    except IntegrityError:  # PostgreSQL: another import wrote the same rows at the same moment
        message = "another process wrote the same rows meanwhile: nothing imported; try again"
        raise click.ClickException(message) from None
    except OperationalError as error:  # a deadlock with a roll call saved at the same moment, a locked SQLite
        if not is_contention(error):
            raise
        db.session.rollback()
        raise click.ClickException("another process was writing the same rows: nothing imported; try again") from None
    if planned.problems:
        for problem in planned.problems:
            click.echo(str(problem), err=True)
        if planned.more_problems:
            click.echo(f"... and {counted(planned.more_problems, 'more problem')}", err=True)
        raise click.ClickException(f"file refused, nothing imported: {counted(planned.problem_count, 'problem')}")
    click.echo(
        f"Imported {what}: {counts['create']} created, {counts['update']} updated, {counts['unchanged']} unchanged."
    )


@import_cli.command("learners")
@click.argument("file", type=click.File("rb"))
@click.option("--cohort", "cohort_name", required=True, help="The cohort's name.")
def import_learners(file: IO[bytes], cohort_name: str) -> None:
    """Import learners into a cohort from a CSV or XLSX file: Nom, Prénom, E-mail, Date de naissance, Genre...
    (or email, first_name, last_name, birth_date, gender...; the import page lists every accepted header)."""
    cohort = _cohort_named(cohort_name)
    content = file.read()
    _import(lambda: plan_learners(content, cohort), apply_learners, "learners")


def _cohort_named(name: str) -> Cohort:
    """The cohort of that name, whatever its case and accents (« mende 2026 automne »)."""
    matches = cohorts_named(name)
    if len(matches) > 1:
        names = ", ".join(f"'{c.name}'" for c in matches)
        raise click.BadParameter(f"several cohorts are named '{name}': {names}", param_hint="--cohort")
    if not matches:
        raise click.BadParameter(f"no cohort named '{name}'", param_hint="--cohort")
    return matches[0]


@import_cli.command("outcomes")
@click.argument("file", type=click.File("rb"))
def import_outcomes(file: IO[bytes]) -> None:
    """Import follow-ups: email,point,situation,employer,job_title,digital,start_date."""
    content = file.read()
    _import(lambda: plan_outcomes(content), apply_outcomes, "outcomes")


@attendance_cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--cohort", "cohort_name", required=True, help="The cohort's name, whatever its case and accents.")
def import_attendance(file: Path, cohort_name: str) -> None:
    """Import a cohort's attendance from another sign-in tool (CSV or XLSX), all or nothing:
    email,date,half_day,status,minutes,reason,justified (or Courriel, Date, Demi-journée, Statut, Minutes, Motif,
    Justifié; French values too: matin, après-midi, présent, en retard, maladie, oui...)."""
    try:
        cohort = _cohort_named(cohort_name)
    except click.BadParameter as error:
        raise click.ClickException(error.format_message()) from None
    content = _sheet_bytes(file)
    _import(lambda: plan_attendance(content, cohort), apply_attendance, f"attendance for {cohort.name}")


def _sheet_bytes(path: Path) -> bytes:
    """A spreadsheet's bytes, or a one-line error when it cannot be read, is empty, or is neither text nor XLSX."""
    try:
        content = path.read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {path}: {error.strerror or error}") from None
    if not content.strip(b" \t\r\n\xef\xbb\xbf"):
        raise click.ClickException(f"{path} is empty: its first line must name the columns")
    if b"\x00" in content and not content.startswith(XLSX_SIGNATURE):
        raise click.ClickException(f"{path} is neither a CSV file (UTF-8 or Windows-1252) nor an XLSX file")
    return content


frameworks_cli = AppGroup("frameworks", help="Manage competency frameworks.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]), help="The account's role.")
@click.option("--name", default="", help="Display name (defaults to the part of the email before @).")
@click.option("--password", help="The password; asked for (hidden) when omitted.")
def create_user(email: str, role: str, name: str, password: str | None) -> None:
    """Create an account with a role."""
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise click.UsageError(f"'{email}' is not an email address")
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise click.ClickException(f"an account with the email {email} already exists")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if problem := password_problem(password):
        raise click.ClickException(problem)
    name = name.strip() or email.split("@")[0]
    for value, column in ((email, User.email), (name, User.name)):
        if len(value) > column_length(column):
            raise click.UsageError(f"'{value[:40]}…' is too long: {column_length(column)} characters at most")
    end_transaction()  # no transaction open while the password is hashed (transactions.py)
    hashed = hash_password(password)
    try:
        with write_transaction():
            db.session.add(User(email=email, role=Role(role), name=name, password_hash=hashed))
    except IntegrityError as error:  # created by someone else meanwhile
        raise click.ClickException(f"an account with the email {email} already exists") from error
    click.echo(f"Created {role} account {email}.")


@frameworks_cli.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def load_framework(file: str) -> None:
    """Load a competency framework from a JSON file (format: bootcamp/frameworks/*.json)."""
    try:
        data = read_framework(file)
        insert_framework(db.session.connection(), data)
    except FrameworkError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    count = sum(len(block["competencies"]) for block in data["blocks"])
    click.echo(
        f"Loaded {data['short_name']} ({data['rncp_code']}): {len(data['blocks'])} blocks, {count} competencies."
    )


def print_demo_logins() -> None:
    """Print the demo accounts that exist, one per role, then each other site's trainer (`flask demo`)."""
    emails = [email for email, _role, _name in DEMO_ACCOUNTS]
    present = set(db.session.scalars(sa.select(User.email).where(User.email.in_(emails))))
    if not present:
        return
    click.echo("Demo logins (password: %s):" % current_app.config["DEMO_PASSWORD"])
    for email, role, _name in DEMO_ACCOUNTS:
        if email in present:
            click.echo(f"  {role.value:<8} {email}")
    site_trainers = db.session.scalars(
        sa.select(User.email)
        .where(User.role == Role.TRAINER, User.active, User.email.like(f"{SITE_TRAINER_PREFIX}%@example.org"))
        .order_by(User.email)
    ).all()
    for email in site_trainers:
        click.echo(f"  {Role.TRAINER.value:<8} {email}")


@click.command("demo")
@with_appcontext
@click.option("--seed", default=2024, show_default=True, help="Random seed: the same seed gives the same data.")
@click.option("--sites", default=3, show_default=True, type=click.IntRange(1, len(SITES)), help="Number of sites.")
@click.option(
    "--years", default=6, show_default=True, type=click.IntRange(1, 30), help="Years of cohorts, up to this one."
)
@click.option("--learners-per-cohort", default=15, show_default=True, type=click.IntRange(1, 200))
@click.option("--reset", is_flag=True, help="Delete the existing data first (the frameworks stay).")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already holds data (used by `make run`).")
def demo(seed: int, sites: int, years: int, learners_per_cohort: int, reset: bool, if_empty: bool) -> None:
    """Load realistic demo data: sites, cohorts, learners, grades, competencies, outcomes."""
    if if_empty and not database_is_empty():
        click.echo("The database already holds data: demo data not loaded.")
        print_demo_logins()
        return
    options = DemoOptions(seed=seed, sites=sites, years=years, learners_per_cohort=learners_per_cohort)
    try:
        click.echo(f"Loading the demo data: {sites * years * 2} cohorts...")
        counts = load_demo(options, reset=reset)
    except DemoError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo("Loaded: " + ", ".join(f"{count} {table}" for table, count in counts.items()) + ".")
    print_demo_logins()


@export_cli.command("indicators")
@click.option("--by", "by", required=True, type=click.Choice(GROUPINGS), help="The breakdown: one row per group.")
@click.option(
    "--point",
    default=6,
    show_default=True,
    type=click.Choice(["0", "3", "6", "12"]),
    help="Follow-up point, in months.",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Follow-ups due on this day count (default: today).",
)
@click.option("--site", "site_name", help="Only this site (its name).")
@click.option(
    "--year", "years", multiple=True, type=int, help="Only cohorts that started this year (repeat for several)."
)
def export_indicators(
    by: str, point: str, as_of: datetime | None, site_name: str | None, years: tuple[int, ...]
) -> None:
    """Print the insertion indicators as CSV: the same numbers as /insertion/export.csv."""
    site_id = site_named(site_name)
    filters = Filters(point=int(point), as_of=as_of.date() if as_of else dates.today(), site_id=site_id, years=years)
    click.echo(to_csv(table(indicator_rows(filters, by), by)), nl=False)


def site_named(name: str | None) -> int | None:
    """The id of the site named `name` (None: every site); an unknown name is a bad --site."""
    if name is None:
        return None
    site_id = db.session.scalar(sa.select(Site.id).where(Site.name == name))
    if site_id is None:
        raise click.BadParameter(f"no site named '{name}'", param_hint="--site")
    return site_id


@export_cli.command("attendance")
@click.option("--by", "by", required=True, type=click.Choice(GROUPINGS), help="The breakdown: one row per group.")
@click.option("--from", "first", type=click.DateTime(formats=["%Y-%m-%d"]), help="First day counted (YYYY-MM-DD).")
@click.option("--to", "last", type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day counted (default: today).")
def export_attendance(by: str, first: datetime | None, last: datetime | None) -> None:
    """Print attendance by group as CSV, the same bytes as /attendance/export.csv: half-days held in the centre
    whose roll call is taken, between --from and --to (default: the 12 months up to --to)."""
    days = {"--from": first.date() if first else None, "--to": last.date() if last else None}
    with force_locale("en"):
        for option, day in days.items():
            if day is not None and (problem := dates.date_problem(day)):
                raise click.BadParameter(problem, param_hint=option)
    try:
        within = attendance_report.period(days["--from"], days["--to"], dates.today())
    except ValueError:
        message = "the period ends before it starts (--to: today when left out)"
        raise click.BadParameter(message, param_hint="--from") from None
    click.echo(attendance_report.to_csv(attendance_report.attendance_rows(within, by)), nl=False)


@export_cli.command("certification")
@click.option(
    "--by",
    "by",
    required=True,
    type=click.Choice(certification_report.BREAKDOWNS),
    help="The breakdown: one row per group (block: one per block code).",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Sessions started by this day count (YYYY-MM-DD; default: today).",
)
@click.option("--site", "site_name", help="Only cohorts of this site (its name).")
@click.option("--programme", "programme_name", help="Only cohorts of this programme (its short name or RNCP code).")
@click.option(
    "--year", "years", multiple=True, type=int, help="Only cohorts that started this year (repeat for several)."
)
@click.option("--gender", type=click.Choice([gender.value for gender in Gender]), help="Only learners of this gender.")
def export_certification(
    by: str,
    as_of: datetime | None,
    site_name: str | None,
    programme_name: str | None,
    years: tuple[int, ...],
    gender: str | None,
) -> None:
    """Print certification results by group as CSV, the same bytes as /certification/export.csv: candidates by
    derived certification, pass rate and first-attempt pass rate, as of --as-of; only the candidates of the cohorts
    (--site, --programme, --year) and --gender chosen, as the dashboard's filters choose them."""
    day = as_of.date() if as_of else dates.today()
    with force_locale("en"):
        if problem := dates.date_problem(day):
            raise click.BadParameter(problem, param_hint="--as-of")
    programme_id = None
    if programme_name is not None:  # a short name (DWWM) may be two programmes' (an old and a new RNCP code)
        named = sa.or_(Programme.short_name == programme_name, Programme.rncp_code == programme_name)
        ids = db.session.scalars(sa.select(Programme.id).where(named)).all()
        if len(ids) != 1:
            problem = f"several programmes are named '{programme_name}': give its RNCP code"
            problem = problem if ids else f"no programme named '{programme_name}'"
            raise click.BadParameter(problem, param_hint="--programme")
        programme_id = ids[0]
    filters = Filters(
        as_of=day,
        site_id=site_named(site_name),
        programme_id=programme_id,
        years=tuple(sorted(years)),
        gender=Gender(gender) if gender else None,
    )
    click.echo(certification_report.to_csv(certification_report.certification_rows(day, by, filters)), nl=False)


@export_cli.command("satisfaction")
@click.option(
    "--by", required=True, type=click.Choice(satisfaction_report.BREAKDOWNS), help="The breakdown: one row per group."
)
@click.option(
    "--kind", required=True, type=click.Choice(satisfaction_report.KINDS), help="The questionnaire: hot or cold."
)
@click.option("--site", "site_name", help="Only cohorts of this site (its name).")
@click.option(
    "--year", "years", multiple=True, type=int, help="Only cohorts that started this year (repeat for several)."
)
def export_satisfaction(by: str, kind: str, site_name: str | None, years: tuple[int, ...]) -> None:
    """Print satisfaction by group as CSV, the same bytes as /satisfaction/export.csv: invited, respondents,
    response rate, satisfied (4 or 5 overall) and satisfaction rate of the questionnaires of --kind."""
    filters = Filters(site_id=site_named(site_name), years=tuple(sorted(years)))
    click.echo(satisfaction_report.to_csv(satisfaction_report.satisfaction_rows(filters, by, kind)), nl=False)


# issue 18: figures (placements)
@export_cli.command("placements")
@click.option(
    "--by", required=True, type=click.Choice(placements_report.BREAKDOWNS), help="The breakdown: one row per group."
)
@click.option("--site", "site_name", help="Only cohorts of this site (its name).")
@click.option(
    "--year", "years", multiple=True, type=int, help="Only cohorts that started this year (repeat for several)."
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Placement periods started and exits made by this day count (YYYY-MM-DD; default: today).",
)
def export_placements(by: str, site_name: str | None, years: tuple[int, ...], as_of: datetime | None) -> None:
    """Print the placement figures by group as CSV, the same bytes as /placements/export.csv: learners placed by
    the start of their cohort's placement period, and leavers hired by their host company at exit."""
    day = as_of.date() if as_of else dates.today()
    with force_locale("en"):
        if problem := dates.date_problem(day):
            raise click.BadParameter(problem, param_hint="--as-of")
    filters = Filters(as_of=day, site_id=site_named(site_name), years=tuple(sorted(years)))
    click.echo(placements_report.to_csv(placements_report.placement_rows(filters, by)), nl=False)


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only say who would be anonymised and how many proofs deleted.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def purge(dry_run: bool, yes: bool) -> None:
    """Apply the keeping periods: anonymise learners whose last exit is older than RETENTION_YEARS (default 5;
    their attendance records stay, anonymous), delete proofs of absence 6 years after their cohort's end."""
    years, today = current_app.config["RETENTION_YEARS"], dates.today()
    learners = due_for_erasure(today, years)
    click.echo(f"{counted(len(learners), 'learner')} left more than {years} years ago and would be anonymised.")
    for learner in learners:
        last_exit = max(e.exit_date for e in learner.enrolments if e.exit_date)
        click.echo(f"  #{learner.id} {learner.full_name} (last exit {last_exit})")
    proofs = count_due_proofs(today)
    click.echo(
        f"{counted(proofs, 'proof file')} of cohorts ended more than {PROOF_RETENTION_YEARS} years ago "
        "would be deleted (the absences and their justification stay)."
    )
    if dry_run or not (learners or proofs):
        return
    if not yes and not click.confirm("Anonymise them and delete the proofs now? This cannot be undone."):
        raise click.ClickException("nothing anonymised, nothing deleted")
    for learner in learners:
        erase_learner(learner)
    deleted = delete_due_proofs(today)
    db.session.commit()
    click.echo(f"Anonymised {counted(len(learners), 'learner')}; deleted {counted(deleted, 'proof file')}.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write a consistent copy of the SQLite database to PATH, even while the app runs."""
    try:
        size = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up to {path} ({size // 1024} KiB).")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database's content with a backup made by `flask backup`."""
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        check_backup(path)
        sqlite_path(uri)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    if not yes and not click.confirm(f"Replace everything in the database with {path}?"):
        raise click.ClickException("nothing restored")
    db.session.remove()
    db.engine.dispose()
    try:
        revision = restore(uri, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {path} (schema {revision}); run `flask db upgrade` if the app is newer.")
    click.echo("Every session has ended (everybody logs in again) and unused password links are void.")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(purge)
    app.cli.add_command(cohorts_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(export_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(frameworks_cli)
    app.cli.add_command(demo)
    app.cli.add_command(attendance_cli)
    app.cli.add_command(certification_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(followups_cli)
    app.cli.add_command(placements_cli)
