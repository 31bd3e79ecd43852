"""Changes to enrolments, each audited; the caller commits."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit import record, snapshot
from ..dates import date_problem
from ..extensions import db
from ..forms import column_length
from ..importing.reading import fold
from ..models import Cohort, DropoutReason, Enrolment, EnrolmentStatus, Programme, Site
from ..sites.services import find_site
from ..timetable.services import follow_cohort_dates

# The certification is not among them: it is derived from exam results (certification/results.py), which a change
# of situation leaves as they are.
ENROLMENT_FIELDS = ("status", "exit_date", "dropout_reason")
COHORT_FIELDS = ("name", "site_id", "programme_id", "start_date", "end_date")


def change_enrolment(
    enrolment: Enrolment,
    status: EnrolmentStatus,
    exit_date: date | None,
    dropout_reason: DropoutReason | None,
) -> bool:
    """Apply a change of situation; fields that do not fit the status are cleared (exam results are kept). True if
    anything changed."""
    before = snapshot(enrolment, ENROLMENT_FIELDS)
    enrolment.status = status
    enrolment.exit_date = None if status == EnrolmentStatus.IN_TRAINING else exit_date
    enrolment.dropout_reason = dropout_reason if status == EnrolmentStatus.DROPPED else None
    after = snapshot(enrolment, ENROLMENT_FIELDS)
    if after == before:
        return False
    record("enrolment", enrolment.id, "update", before, after, learner_id=enrolment.learner_id)
    return True


@dataclass(frozen=True)
class Finished:
    """What recording the end of a cohort did: who finished, or (nothing saved) who changed since the page."""

    finished: list[Enrolment] = field(default_factory=list)
    conflicts: list[Enrolment] = field(default_factory=list)


def finish_programme(enrolments: list[Enrolment], seen: dict[int, int | None], exit_date: date) -> Finished:
    """Mark the chosen enrolments (id -> the version the person saw) finished on `exit_date`, each audited; or none
    of them when one of them is no longer as the person saw it (left, resumed, changed): the caller rolls back
    and shows them. `enrolments` are the cohort's, read after their rows were locked."""
    chosen = [enrolment for enrolment in enrolments if enrolment.id in seen]
    conflicts = [e for e in chosen if e.is_leaver or e.version != seen[e.id]]
    if conflicts or len(chosen) != len(seen):
        return Finished(conflicts=conflicts)
    for enrolment in chosen:
        change_enrolment(enrolment, EnrolmentStatus.FINISHED, exit_date, None)
    return Finished(finished=chosen)


def resume_training(enrolment: Enrolment) -> None:
    """« Reprendre la formation »: a learner who left back in training; exit date and reason cleared, exam results
    (and so the certification) kept; audited. The caller has checked that no follow-up hangs on the exit."""
    change_enrolment(enrolment, EnrolmentStatus.IN_TRAINING, None, None)


class CohortError(ValueError):
    """A cohort that cannot be saved, with a message for the person who asked."""


def save_cohort(
    name: str, site_name: str, start: date, end: date, programme_code: str, cohort: Cohort | None = None
) -> Cohort:
    """Create a cohort (or change one) at a site of the list, named any case, with its calendar of half-days (or
    the calendar following its new dates: timetable.services.follow_cohort_dates). Audited; the caller commits."""
    name, site_name = name.strip(), site_name.strip()
    if not name or not site_name:
        raise CohortError(_("le nom de la promotion et celui du site sont obligatoires"))
    if end <= start:
        raise CohortError(_("la fin doit venir après le début"))
    for day in (start, end):
        if problem := date_problem(day):
            raise CohortError(problem)
    for value, column in ((name, Cohort.name), (site_name, Site.name)):
        if len(value) > (limit := column_length(column)):
            problem = _("texte trop long : %(length)d caractères, %(max)d au plus", length=len(value), max=limit)
            raise CohortError(problem)
    clash = db.session.scalar(sa.select(Cohort.id).where(sa.func.lower(Cohort.name) == name.lower()))
    if clash is not None and (cohort is None or clash != cohort.id):
        raise CohortError(_("une promotion s'appelle déjà « %(name)s »", name=name))
    programme = db.session.scalar(sa.select(Programme).where(Programme.rncp_code == programme_code.strip().upper()))
    if programme is None:
        raise CohortError(
            _("aucun titre chargé avec le code %(code)s (voir flask frameworks load)", code=programme_code)
        )
    site = find_site(site_name)  # whatever its case, accents and spaces; sites are added on /sites/ only
    if site is None:
        raise CohortError(_("aucun site « %(name)s » dans la liste des sites (/sites/)", name=site_name))
    before = None if cohort is None else snapshot(cohort, COHORT_FIELDS)
    dates_before = None if cohort is None else (cohort.start_date, cohort.end_date)
    if cohort is None:
        cohort = Cohort()
        db.session.add(cohort)
    cohort.name, cohort.site, cohort.programme, cohort.start_date, cohort.end_date = name, site, programme, start, end
    db.session.flush()
    after = snapshot(cohort, COHORT_FIELDS)
    if before != after:
        record("cohort", cohort.id, "create" if before is None else "update", before, after)
    follow_cohort_dates(cohort, dates_before)  # its half-days: generated, or following its new dates
    return cohort


def cohorts_named(name: str) -> list[Cohort]:
    """The cohort of that name, or else those whose name matches whatever its case and accents (« mende 2026
    automne »): the command line's --cohort."""
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name == name))
    if cohort is not None:
        return [cohort]
    return [c for c in db.session.scalars(sa.select(Cohort).order_by(Cohort.name)) if fold(c.name) == fold(name)]
