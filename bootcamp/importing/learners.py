"""Importing learners into a cohort: check the whole file, show what would change, then apply it all or nothing.

The email identifies a learner: importing the same file twice changes nothing the second time. A cell
left empty in an optional column keeps what the app already holds (or the default, for a new learner).
New learners and their enrolments are written with bulk INSERTs (one statement per few hundred rows), their
audit events too; changed learners go through the ORM, flushed once.

The `certification` column gives a leaver's overall result: it is recorded as per-block results at a whole-title
session held on their exit date (certification.services.record_overall, for many rows at once), and the
enrolment's certification is then what those results derive (certification.results).
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..audit import plain, snapshot
from ..certification import results
from ..certification.services import record_overall
from ..extensions import db
from ..models import (
    AgeBand,
    Certification,
    Cohort,
    Diploma,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    Gender,
    Learner,
    PublicFlag,
    Referrer,
)
from ..transactions import end_transaction
from .reading import FileRefused, Plan, Problem, RowCheck, parse_code, parse_date, parse_yes_no, read_table
from .writing import AuditRow, current_version, record_all

REQUIRED = ("email", "first_name", "last_name", "gender", "birth_date")
OPTIONAL = (
    "postal_code",
    "phone",
    "diploma",
    "flags",
    "referrer",
    "status",
    "exit_date",
    "dropout_reason",
    "certification",
    *(flag.value for flag in PublicFlag),  # a column per flag, yes or no (an empty cell keeps what is known)
)
LEARNER_FIELDS = (
    "first_name",
    "last_name",
    "gender",
    "birth_date",
    "postal_code",
    "phone",
    "diploma",
    "referrer",
    *(f.value for f in PublicFlag),
)
ENROLMENT_FIELDS = ("status", "exit_date", "dropout_reason", "certification")
# The text columns of the file and where they are stored: their length is the column's.
TEXT_COLUMNS = {
    "email": Learner.email,
    "first_name": Learner.first_name,
    "last_name": Learner.last_name,
    "postal_code": Learner.postal_code,
    "phone": Learner.phone,
}
# What a new learner and a new enrolment hold before the file's values (the models' defaults).
NEW_LEARNER: dict[str, Any] = {
    **{name: None for name in LEARNER_FIELDS},
    "referrer": Referrer.NONE.value,
    **{flag.value: False for flag in PublicFlag},
}
NEW_ENROLMENT: dict[str, Any] = {
    "status": EnrolmentStatus.IN_TRAINING.value,
    "exit_date": None,
    "dropout_reason": None,
    "certification": None,
}
TYPES: dict[str, Any] = {
    "gender": Gender,
    "diploma": Diploma,
    "referrer": Referrer,
    "status": EnrolmentStatus,
    "dropout_reason": DropoutReason,
    "certification": Certification,
    "birth_date": date.fromisoformat,
    "exit_date": date.fromisoformat,
}


@dataclass
class LearnerChange:
    line: int
    email: str
    learner: dict[str, Any]  # the learner fields the file gives, as plain values (codes, ISO dates)
    enrolment: dict[str, Any]  # the enrolment fields the file gives, as plain values
    learner_id: int | None = None  # None: a new learner
    learner_before: dict[str, Any] = field(default_factory=dict)
    enrolment_before: dict[str, Any] | None = None  # None: not enrolled in this cohort yet

    @property
    def kind(self) -> str:
        if self.learner_id is None:
            return "create"
        if self.enrolment_before is None or self.learner_diff or self.enrolment_diff:
            return "update"
        return "unchanged"

    @property
    def learner_diff(self) -> dict[str, tuple[Any, Any]]:
        return {k: (self.learner_before.get(k), v) for k, v in self.learner.items() if self.learner_before.get(k) != v}

    @property
    def enrolment_diff(self) -> dict[str, tuple[Any, Any]]:
        before = self.enrolment_before or {}
        return {k: (before.get(k), v) for k, v in self.enrolment.items() if before.get(k) != v}


@dataclass
class LearnerPlan(Plan):
    cohort_id: int = 0
    cohort_start: date = date.min

    def fingerprint(self, change: LearnerChange) -> object:
        return change.email, change.kind, sorted(change.learner_diff.items()), sorted(change.enrolment_diff.items())


def _flags(text: str) -> dict[str, bool]:
    """`qpv|jobseeker` -> every flag with whether the learner holds it."""
    flags = {parse_code(part, PublicFlag) for part in text.split("|") if part.strip()}
    return {flag.value: flag in flags for flag in PublicFlag}


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {name: plain(value) for name, value in values.items()}


def _postal_code(text: str) -> str:
    """Excel drops the leading zero of a postal code it took for a number (01000 -> 1000): put it back."""
    return text.zfill(5) if text.isdigit() and len(text) == 4 else text


def _phone(text: str) -> str:
    """Excel drops the leading zero of a French phone number it took for a number (0612345678 -> 612345678): put
    it back."""
    return "0" + text if text.isdigit() and len(text) == 9 and text[0] != "0" else text


def _row(
    line: int, cells: dict[str, str], problems: list[Problem], start: date, names: dict[str, str] | None = None
) -> LearnerChange | None:
    """Check one row; add its problems; return the change it asks for when it is valid."""
    check = RowCheck(line, cells, names)
    if check.problems:  # too many cells: the columns cannot be trusted
        problems.extend(check.problems)
        return None
    texts = {column: check.text(column, attribute) for column, attribute in TEXT_COLUMNS.items()}
    email = texts["email"]
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            check.refuse("email", _("« %(value)s » n'est pas une adresse e-mail valide", value=email))
    check.require(REQUIRED)
    learner = {
        "first_name": texts["first_name"] or None,
        "last_name": texts["last_name"] or None,
        "gender": check.parse("gender", parse_code, Gender),
        "birth_date": check.parse("birth_date", parse_date),
    }
    if texts["postal_code"]:
        learner["postal_code"] = _postal_code(texts["postal_code"])
    if texts["phone"]:
        learner["phone"] = _phone(texts["phone"])
    optional = {"diploma": (parse_code, Diploma), "referrer": (parse_code, Referrer)}
    learner |= {column: check.parse(column, *how) for column, how in optional.items() if cells.get(column)}
    if cells.get("flags"):
        learner |= check.parse("flags", _flags) or {}
    own_columns = {flag.value: check.parse(flag.value, parse_yes_no) for flag in PublicFlag if cells.get(flag.value)}
    learner |= {flag: value for flag, value in own_columns.items() if value is not None}
    born = learner.get("birth_date")
    if born and not start.year - 80 < born.year <= start.year - 14:
        check.refuse("birth_date", _("date de naissance improbable pour une personne en formation"))
    enrolment = _enrolment(check, cells, start)
    problems.extend(check.problems)
    if check.problems:
        return None
    return LearnerChange(line=line, email=email, learner=_plain(learner), enrolment=_plain(enrolment))


def _enrolment(check: RowCheck, cells: dict[str, str], start: date) -> dict[str, object]:
    """The enrolment's columns of a row (status, exit, reason, certification), checked together."""
    parsers = {
        "status": (parse_code, EnrolmentStatus),
        "exit_date": (parse_date,),
        "dropout_reason": (parse_code, DropoutReason),
        "certification": (parse_code, Certification),
    }
    enrolment = {column: check.parse(column, *how) for column, how in parsers.items() if cells.get(column)}
    status = enrolment.get("status")
    if status in (EnrolmentStatus.DROPPED, EnrolmentStatus.FINISHED) and not cells.get("exit_date"):
        check.refuse("exit_date", _("une sortie (abandon ou fin) demande sa date"))
    if status == EnrolmentStatus.DROPPED and not cells.get("dropout_reason"):
        check.refuse("dropout_reason", _("un abandon demande son motif"))
    if status != EnrolmentStatus.DROPPED and cells.get("dropout_reason"):
        check.refuse("dropout_reason", _("un motif d'abandon ne va qu'avec le statut dropped"))
    if enrolment.get("exit_date") and enrolment["exit_date"] < start:
        check.refuse("exit_date", _("la sortie ne peut pas précéder le début de la promotion"))
    if status in (None, EnrolmentStatus.IN_TRAINING) and cells.get("exit_date"):
        check.refuse("exit_date", _("une date de sortie demande le statut dropped ou finished"))
    if status in (None, EnrolmentStatus.IN_TRAINING) and cells.get("certification"):
        check.refuse("certification", _("un résultat de certification demande le statut dropped ou finished"))
    return enrolment


def check_learners(content: bytes, start: date) -> tuple[list[LearnerChange], list[Problem], str]:
    """Check every row of the file on its own (no database): the valid rows' changes, every problem, and what
    was read (« CSV, Windows-1252 »...)."""
    try:
        table = read_table(content, REQUIRED, OPTIONAL)
    except FileRefused as refused:
        return [], refused.problems, ""
    rows = table.rows
    problems: list[Problem] = []
    changes: list[LearnerChange] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        change = _row(line, cells, problems, start, table.names)
        if change is None:
            continue
        if change.email in seen:
            problems.append(
                Problem(
                    line,
                    table.names["email"],
                    _("%(email)s figure déjà ligne %(line)d", email=change.email, line=seen[change.email]),
                )
            )
            continue
        seen[change.email] = line
        changes.append(change)
    if not rows:
        problems.append(Problem(2, "", _("aucune ligne de données")))
    return changes, problems, table.source


def plan_learners(content: bytes, cohort: Cohort) -> LearnerPlan:
    """Check the whole file against the database; nothing is written.

    The file is read with no transaction open (on SQLite a POST's transaction holds the write lock:
    transactions.py), then the database is read once.
    """
    cohort_id, start = cohort.id, cohort.start_date
    end_transaction()
    changes, problems, source = check_learners(content, start)
    version = current_version()
    existing = {
        learner.email: learner
        for learner in db.session.scalars(
            sa.select(Learner)
            .options(selectinload(Learner.enrolments))
            .where(Learner.email.in_([change.email for change in changes]))
        )
    }
    for change in changes:
        learner = existing.get(change.email)
        if learner is None:
            continue
        change.learner_id = learner.id
        change.learner_before = snapshot(learner, LEARNER_FIELDS)
        enrolment = next((e for e in learner.enrolments if e.cohort_id == cohort_id), None)
        change.enrolment_before = None if enrolment is None else snapshot(enrolment, ENROLMENT_FIELDS)
    return LearnerPlan(
        changes, problems, cohort_id=cohort_id, cohort_start=start, data_version=version, source=source
    )


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    """Plain values (codes, ISO dates) back to what the model's columns hold."""
    return {
        name: value if value is None or name not in TYPES else TYPES[name](value) for name, value in values.items()
    }


def _age_band(birth_date: date | None, start: date) -> AgeBand | None:
    return None if birth_date is None else AgeBand.at(birth_date, start)


def _create(plan: LearnerPlan, changes: list[LearnerChange]) -> list[AuditRow]:
    """Insert the new learners and their enrolments in bulk; return their audit events."""
    if not changes:
        return []
    learners = [{"email": change.email, **_typed(NEW_LEARNER | change.learner)} for change in changes]
    ids = dict(db.session.execute(sa.insert(Learner).returning(Learner.email, Learner.id), learners).all())
    enrolments = [
        {
            "learner_id": ids[change.email],
            "cohort_id": plan.cohort_id,
            "age_band": _age_band(row["birth_date"], plan.cohort_start),
            **_typed(NEW_ENROLMENT | change.enrolment),
            "certification": None,  # derived from the results recorded below
        }
        for change, row in zip(changes, learners)
    ]
    enrolment_ids = dict(
        db.session.execute(sa.insert(Enrolment).returning(Enrolment.learner_id, Enrolment.id), enrolments).all()
    )
    certified = {
        enrolment_ids[ids[c.email]]: c.enrolment["certification"] for c in changes if c.enrolment.get("certification")
    }
    record_overall(certified)
    derived = [{"id_": id_, "certification": value} for id_, value in results.statuses(certified).items()]
    if derived:  # the enrolments are not the ORM's: their derived value written in one statement (refresh's job)
        table = Enrolment.__table__
        db.session.execute(
            table.update().where(table.c.id == sa.bindparam("id_")).values(version=table.c.version + 1), derived
        )
    events = []
    for change in changes:
        learner_id = ids[change.email]
        learner_after = NEW_LEARNER | change.learner
        events.append(AuditRow("learner", learner_id, "import", None, learner_after, learner_id))
        enrolment_after = NEW_ENROLMENT | change.enrolment
        events.append(AuditRow("enrolment", enrolment_ids[learner_id], "import", None, enrolment_after, learner_id))
    return events


def _update(plan: LearnerPlan, changes: list[LearnerChange]) -> list[AuditRow]:
    """Change the known learners through the ORM (versions, age bands), flushed once; return their audit events."""
    if not changes:
        return []
    learners = {
        learner.id: learner
        for learner in db.session.scalars(
            sa.select(Learner)
            .options(selectinload(Learner.enrolments).joinedload(Enrolment.cohort))
            .where(Learner.id.in_([change.learner_id for change in changes]))
        )
    }
    written = []
    for change in changes:
        learner = learners[change.learner_id]
        before = snapshot(learner, LEARNER_FIELDS)
        for name, value in _typed(change.learner).items():
            setattr(learner, name, value)
        enrolment = next((e for e in learner.enrolments if e.cohort_id == plan.cohort_id), None)
        enrolment_before = None if enrolment is None else snapshot(enrolment, ENROLMENT_FIELDS)
        if enrolment is None:
            enrolment = Enrolment(cohort=db.session.get(Cohort, plan.cohort_id), status=EnrolmentStatus.IN_TRAINING)
            learner.enrolments.append(enrolment)
        for name, value in _typed(change.enrolment).items():
            if name != "certification":  # derived from the results recorded below
                setattr(enrolment, name, value)
        written.append((learner, before, enrolment, enrolment_before))
    db.session.flush()  # once, so that ten thousand rows stay quick
    certified = {
        enrolment.id: change.enrolment["certification"]
        for change, (_learner, _before, enrolment, enrolment_before) in zip(changes, written)
        if change.enrolment.get("certification")
        and (enrolment_before or {}).get("certification") != change.enrolment["certification"]
    }
    record_overall(certified)
    results.refresh(certified)
    events = []
    for learner, before, enrolment, enrolment_before in written:
        after = snapshot(learner, LEARNER_FIELDS)
        if before != after:
            events.append(AuditRow("learner", learner.id, "update", before, after, learner.id))
        enrolment_after = snapshot(enrolment, ENROLMENT_FIELDS)
        if enrolment_before != enrolment_after:
            events.append(AuditRow("enrolment", enrolment.id, "import", enrolment_before, enrolment_after, learner.id))
    return events


def apply_learners(plan: LearnerPlan) -> dict[str, int]:
    """Write the plan (the caller commits: one transaction), audited. Return how many of each kind."""
    record_all(_create(plan, plan.of_kind("create")) + _update(plan, plan.of_kind("update")))
    return plan.counts()
