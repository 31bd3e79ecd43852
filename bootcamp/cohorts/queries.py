"""Cohort figures: the cohort list (filtered, a page at a time), the roster, and the « à surveiller » rule."""

import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import joinedload

from .. import dates
from ..access import visible_cohorts
from ..attendance.hours import Hours, counted_records, minute_sums
from ..dates import add_months
from ..extensions import db
from ..handins.status import DEFINITION, statuses
from ..learners.names import by_name
from ..models import (
    AttendanceRecord,
    AttendanceSession,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Grade,
    Justification,
    Presence,
    Project,
    Site,
    SubmissionStatus,
    User,
)
from ..params import Paginated
from ..progress import enrolment_progress

# The cohort list: what it shows unless asked otherwise, and how many a page.
COHORT_PAGE_SIZE = 25
RECENT_MONTHS = 12  # the default list: cohorts to come, in training, and ended in the last 12 months
COHORT_STATES = ("recent", "upcoming", "training", "ended", "all")


@dataclass(frozen=True)
class CohortFilters:
    state: str = "recent"  # one of COHORT_STATES
    site_id: int | None = None
    year: int | None = None  # the year the cohort starts
    page: int = 1


@dataclass(frozen=True)
class CohortSummary:
    cohort: Cohort
    in_training: int
    dropped: int
    finished: int
    average_progress: float | None  # over learners who have not dropped out
    flagged: int  # learners « à surveiller »
    state: str  # "upcoming", "training" or "ended"


@dataclass(frozen=True)
class CohortList(Paginated):
    """One page of the cohorts a person may see, with what the filter form offers (pagination macro's names)."""

    summaries: list[CohortSummary]
    total: int
    page: int
    pages: int
    sites: list[tuple[int, str]]  # (id, name) of the sites of the cohorts one may see
    years: list[int]  # the years cohorts one may see start in, newest first


def _state_condition(state: str, today: date) -> sa.ColumnElement[bool]:
    return {
        "recent": Cohort.end_date >= add_months(today, -RECENT_MONTHS),
        "upcoming": Cohort.start_date > today,
        "training": sa.and_(Cohort.start_date <= today, Cohort.end_date >= today),
        "ended": Cohort.end_date < today,
    }.get(state, sa.true())


def cohort_list(user: User, filters: CohortFilters, today: date | None = None) -> CohortList:
    """A page of the cohorts `user` may see, newest first, filtered, with their figures (four queries)."""
    today = today or dates.today()
    conditions = [_state_condition(filters.state, today)]
    if filters.site_id is not None:
        conditions.append(Cohort.site_id == filters.site_id)
    if filters.year is not None:
        conditions.append(Cohort.start_date.between(date(filters.year, 1, 1), date(filters.year, 12, 31)))
    visible = visible_cohorts(user)
    sites = db.session.execute(
        sa.select(Site.id, Site.name)
        .where(Site.id.in_(visible.with_only_columns(Cohort.site_id)))
        .order_by(Site.name)
    ).all()
    total, first, last = db.session.execute(
        visible.with_only_columns(
            sa.func.count().filter(sa.and_(*conditions)), sa.func.min(Cohort.start_date), sa.func.max(Cohort.start_date)
        )
    ).one()
    pages = max(1, -(-total // COHORT_PAGE_SIZE))
    page = min(filters.page, pages)
    cohorts = db.session.scalars(
        visible.where(*conditions)
        .options(joinedload(Cohort.site), joinedload(Cohort.programme))
        .order_by(Cohort.start_date.desc(), Cohort.name)
        .limit(COHORT_PAGE_SIZE)
        .offset((page - 1) * COHORT_PAGE_SIZE)
    ).all()
    years = list(range(last.year, first.year - 1, -1)) if first and last else []
    return CohortList(_summaries(cohorts, today), total, page, pages, [tuple(site) for site in sites], years)


def _summaries(cohorts: list[Cohort], today: date) -> list[CohortSummary]:
    """Each cohort's counts, average progress and learners « à surveiller »: one query for them all."""
    facts = learner_facts(
        sa.select(Enrolment.id).where(Enrolment.cohort_id.in_([cohort.id for cohort in cohorts])), today
    )
    by_cohort: dict[int, list[LearnerFacts]] = {}
    for fact in facts:
        by_cohort.setdefault(fact.cohort_id, []).append(fact)
    summaries = []
    for cohort in cohorts:
        learners = by_cohort.get(cohort.id, [])
        statuses = Counter(fact.status for fact in learners)
        staying = [fact.progress for fact in learners if fact.status != EnrolmentStatus.DROPPED]
        median = median_progress(learners)
        summaries.append(
            CohortSummary(
                cohort=cohort,
                in_training=statuses[EnrolmentStatus.IN_TRAINING],
                dropped=statuses[EnrolmentStatus.DROPPED],
                finished=statuses[EnrolmentStatus.FINISHED],
                average_progress=sum(staying) / len(staying) if staying else None,
                flagged=sum(1 for fact in learners if watch_reasons(fact, median, cohort, today)),
                state="upcoming" if cohort.start_date > today else ("ended" if cohort.end_date < today else "training"),
            )
        )
    return summaries


# The « à surveiller » rule: its thresholds, here only; the cohort page writes the rule out from them.
WATCH_BEHIND_SHARE = 0.5  # behind the cohort: progress under this share of the cohort's median,
WATCH_BEHIND_POINTS = 0.15  # or this far (15 points) or more under it
WATCH_LATE_BRIEFS = 2  # this many briefs or more handed in late or not handed in
WATCH_LOW_AVERAGE = 10  # an average out of 20 under this,
WATCH_GRADED_BRIEFS = 2  # over this many graded briefs or more
WATCH_QUIET_DAYS = 30  # no assessment for this many days, counted from the cohort's start (and up to its end)
WATCH_ABSENCES = 4  # this many unjustified absent half-days or more over the last WATCH_WINDOW_DAYS,
WATCH_ATTENDANCE = 80  # or an attendance rate (hours.py: present / planned, per cent) under this over them,
WATCH_RATE_HALF_DAYS = 10  # over this many half-days taken or more (a week: one absence alone flags nobody)
WATCH_WINDOW_DAYS = 28  # the last 4 weeks: the 28 days up to today, today included


def watch_rule() -> str:
    """The rule in words, from the thresholds above (shown on the cohort page and the README says the same)."""
    return _(
        "une personne en formation en retard sur la promotion (progression sous %(share)s de la médiane, ou "
        "au moins %(points)d points sous elle), qui a au moins %(late)d briefs en retard ou non rendus, dont la "
        "moyenne est sous %(low)d/20 sur au moins %(graded)d briefs notés, sans évaluation depuis %(days)d jours "
        "(comptés depuis le début de la promotion : personne ne l'est pendant ses %(days)d premiers jours), ou qui, "
        "sur les %(window)d derniers jours, a au moins %(absences)d demi-journées d'absence non justifiée ou un taux "
        "de présence sous %(rate)s (sur au moins %(base)d demi-journées).",
        share=format_percent(WATCH_BEHIND_SHARE),
        points=round(WATCH_BEHIND_POINTS * 100),
        late=WATCH_LATE_BRIEFS,
        low=WATCH_LOW_AVERAGE,
        graded=WATCH_GRADED_BRIEFS,
        days=WATCH_QUIET_DAYS,
        window=WATCH_WINDOW_DAYS,
        absences=WATCH_ABSENCES,
        rate=format_percent(WATCH_ATTENDANCE / 100),
        base=WATCH_RATE_HALF_DAYS,
    )


@dataclass(frozen=True)
class WatchReason:
    """One reason why a learner in training is « à surveiller »."""

    code: str  # "behind", "late", "low_average", "no_assessment" or "absences"
    value: float  # the learner's figure: progress (0-1), briefs, average /20, days without an assessment,
    # unjustified absent half-days over the last WATCH_WINDOW_DAYS
    rate: float | None = None  # "absences": the attendance rate over them (per cent)

    @property
    def text(self) -> str:
        """The reason in words, in the request's language."""
        if self.code == "behind":
            return _("en retard sur la promotion (%(progress)s)", progress=format_percent(self.value))
        if self.code == "late":
            return ngettext(
                "%(num)d brief en retard ou non rendu", "%(num)d briefs en retard ou non rendus", int(self.value)
            )
        if self.code == "low_average":
            return _("moyenne de %(average)s/20", average=format_decimal(self.value, "0.0"))
        if self.code == "absences":
            return self._absences()
        return ngettext(
            "aucune évaluation depuis %(num)d jour", "aucune évaluation depuis %(num)d jours", int(self.value)
        )

    def _absences(self) -> str:
        """« 4 demi-journées d'absence non justifiée, 71,4 % de présence sur 28 jours »."""
        absences = ngettext(
            "%(num)d demi-journée d'absence non justifiée",
            "%(num)d demi-journées d'absence non justifiée",
            int(self.value),
        )
        return _(
            "%(absences)s, %(rate)s de présence sur %(days)d jours",
            absences=absences,
            rate=format_percent((self.rate or 0) / 100, "#,##0.# %"),
            days=WATCH_WINDOW_DAYS,
        )


@dataclass(frozen=True)
class LearnerFacts:
    """What the rule reads of one enrolment (one row of `learner_facts`)."""

    enrolment_id: int
    learner_id: int
    cohort_id: int
    status: EnrolmentStatus
    leaver: bool  # Enrolment.is_leaver
    progress: float
    last_assessed_at: datetime | None
    average_score: float | None  # out of 20, over the graded briefs of the cohort
    graded: int  # briefs with a score
    missing: int
    late: int
    absences: int = 0  # unjustified absent half-days over the last WATCH_WINDOW_DAYS
    half_days: int = 0  # half-days taken over them (held, in the centre)
    attendance: Hours = Hours()  # the hours over them (hours.py): planned, present...


def _graded(enrolments: sa.Select, today: date) -> sa.Subquery:
    """Average score and graded briefs of each enrolment selected, and its briefs « non rendus » and « rendus en
    retard » as handins.status derives them: those due while the learner was there (one who dropped out is not
    counted the briefs due after they left)."""
    status = statuses(enrolments, today)
    there = sa.or_(Enrolment.exit_date.is_(None), status.c.due_date <= Enrolment.exit_date)
    scores = (
        sa.select(
            status.c.enrolment_id,
            (sa.func.avg(Grade.score_hundredths) / 100.0).label("average"),
            sa.func.count(Grade.score_hundredths).label("graded"),
        )
        .join(Grade, sa.and_(Grade.project_id == status.c.project_id, Grade.learner_id == status.c.learner_id))
        .group_by(status.c.enrolment_id)
        .subquery("scores")
    )
    return (
        sa.select(
            status.c.enrolment_id,
            sa.func.max(scores.c.average).label("average"),
            sa.func.coalesce(sa.func.max(scores.c.graded), 0).label("graded"),
            sa.func.count().filter(there, status.c.status == SubmissionStatus.MISSING.value).label("missing"),
            sa.func.count().filter(there, status.c.status == SubmissionStatus.LATE.value).label("late"),
        )
        .select_from(status)
        .join(Enrolment, Enrolment.id == status.c.enrolment_id)
        .outerjoin(scores, scores.c.enrolment_id == status.c.enrolment_id)
        .group_by(status.c.enrolment_id)
        .subquery("graded")
    )


def _attendance(enrolments: sa.Select, today: date) -> sa.Subquery:
    """The hours (hours.py) and the unjustified absent half-days of each enrolment selected, over the last
    WATCH_WINDOW_DAYS up to `today`. Unjustified as in hours.py: absent, and the justification not accepted."""
    unjustified = sa.and_(
        AttendanceRecord.presence == Presence.ABSENT, AttendanceRecord.justification != Justification.ACCEPTED
    )
    # The window's half-days of the enrolments' cohorts first (an index on cohort_id, day), then their records (an
    # index on session_id): a few weeks of records, not every record of each enrolment. The caller's outer join keeps
    # the enrolments selected.
    sessions = sa.select(AttendanceSession.id).where(
        AttendanceSession.cohort_id.in_(sa.select(Enrolment.cohort_id).where(Enrolment.id.in_(enrolments))),
        AttendanceSession.day.between(today - timedelta(days=WATCH_WINDOW_DAYS - 1), today),
    )
    return (
        counted_records(
            AttendanceRecord.enrolment_id.label("enrolment_id"),
            *minute_sums(),
            sa.func.count().filter(unjustified).label("absences"),
            sa.func.count().label("half_days"),
        )
        .where(AttendanceRecord.session_id.in_(sessions))
        .group_by(AttendanceRecord.enrolment_id)
        .subquery("attendance")
    )


def learner_facts(enrolments: sa.Select, today: date | None = None) -> list[LearnerFacts]:
    """Progress, last assessment, grades and the last weeks' attendance (up to `today`) of the enrolments selected
    (Enrolment.id values): one query."""
    progress = enrolment_progress(enrolments).subquery("progress")
    today = today or dates.today()
    graded = _graded(enrolments, today)
    attendance = _attendance(enrolments, today)
    rows = db.session.execute(
        sa.select(
            Enrolment.id,
            Enrolment.learner_id,
            Enrolment.cohort_id,
            Enrolment.status,
            Enrolment.is_leaver.label("leaver"),
            progress.c.progress,
            progress.c.last_assessed_at,
            graded.c.average,
            graded.c.graded,
            graded.c.missing,
            graded.c.late,
            attendance.c.absences,
            attendance.c.half_days,
            *(attendance.c[name] for name in Hours.__dataclass_fields__),
        )
        .outerjoin(progress, progress.c.enrolment_id == Enrolment.id)
        .outerjoin(graded, graded.c.enrolment_id == Enrolment.id)
        .outerjoin(attendance, attendance.c.enrolment_id == Enrolment.id)
        .where(Enrolment.id.in_(enrolments))
    )
    return [
        LearnerFacts(
            enrolment_id=row.id,
            learner_id=row.learner_id,
            cohort_id=row.cohort_id,
            status=row.status,
            leaver=bool(row.leaver),
            progress=float(row.progress or 0),
            last_assessed_at=row.last_assessed_at,
            average_score=None if row.average is None else float(row.average),
            graded=row.graded or 0,
            missing=row.missing or 0,
            late=row.late or 0,
            absences=row.absences or 0,
            half_days=row.half_days or 0,
            attendance=Hours.of(row),
        )
        for row in rows
    ]


def median_progress(facts: list[LearnerFacts]) -> float | None:
    """The cohort's median progress, over the learners who have not dropped out."""
    staying = [fact.progress for fact in facts if fact.status != EnrolmentStatus.DROPPED]
    return statistics.median(staying) if staying else None


def watch_reasons(fact: LearnerFacts, median: float | None, cohort: Cohort, today: date) -> list[WatchReason]:
    """Why a learner in training is « à surveiller » (nothing for those who have left).

    No assessment for WATCH_QUIET_DAYS days counts from the cohort's start (nobody is flagged for it in a
    cohort's first 30 days, nor before it starts) and up to its end."""
    if fact.leaver:
        return []
    reasons = []
    if median is not None and (
        fact.progress < median * WATCH_BEHIND_SHARE or median - fact.progress >= WATCH_BEHIND_POINTS - 1e-9
    ):
        reasons.append(WatchReason("behind", fact.progress))
    if fact.missing + fact.late >= WATCH_LATE_BRIEFS:
        reasons.append(WatchReason("late", fact.missing + fact.late))
    if fact.graded >= WATCH_GRADED_BRIEFS and fact.average_score is not None and fact.average_score < WATCH_LOW_AVERAGE:
        reasons.append(WatchReason("low_average", fact.average_score))
    since = cohort.start_date
    if fact.last_assessed_at is not None:
        since = max(since, fact.last_assessed_at.date())
    quiet = (min(today, cohort.end_date) - since).days
    if quiet >= WATCH_QUIET_DAYS:
        reasons.append(WatchReason("no_assessment", quiet))
    rate = fact.attendance.attendance_rate
    low_rate = fact.half_days >= WATCH_RATE_HALF_DAYS and rate is not None and rate < WATCH_ATTENDANCE
    if fact.absences >= WATCH_ABSENCES or low_rate:
        reasons.append(WatchReason("absences", fact.absences, None if rate is None else float(rate)))
    return reasons


def learner_watch(cohort: Cohort, learner_id: int, today: date | None = None) -> list[WatchReason]:
    """Why the learner `learner_id` of `cohort` is « à surveiller » (empty: not flagged, left, or not in the
    cohort), against the cohort's median: one query."""
    today = today or dates.today()
    facts = learner_facts(sa.select(Enrolment.id).where(Enrolment.cohort_id == cohort.id), today)
    median = median_progress(facts)
    for fact in facts:
        if fact.learner_id == learner_id:
            return watch_reasons(fact, median, cohort, today)
    return []


@dataclass
class RosterRow:
    enrolment: Enrolment
    progress: float
    average_score: float | None  # out of 20, over graded projects with a score
    missing: int
    late: int
    last_assessed_at: datetime | None
    watch: list[WatchReason] = field(default_factory=list)  # why the learner is « à surveiller »


@dataclass(frozen=True)
class Roster:
    rows: list[RosterRow]
    median_progress: float | None
    project_count: int

    @property
    def status_definition(self) -> str:
        """How « non rendus » and « en retard » are derived (handins/status.py), to show beside them."""
        return str(DEFINITION)


def roster(cohort: Cohort, today: date | None = None) -> Roster:
    """Each learner of the cohort with progress, grades and why they are « à surveiller » (three queries)."""
    enrolments = db.session.scalars(
        sa.select(Enrolment).options(joinedload(Enrolment.learner)).where(Enrolment.cohort_id == cohort.id)
    ).all()
    today = today or dates.today()
    in_cohort = sa.select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)
    facts = {fact.enrolment_id: fact for fact in learner_facts(in_cohort, today)}
    project_count = db.session.scalar(sa.select(sa.func.count()).where(Project.cohort_id == cohort.id)) or 0
    median = median_progress(list(facts.values()))
    rows = []
    for enrolment in enrolments:
        fact = facts[enrolment.id]
        rows.append(
            RosterRow(
                enrolment=enrolment,
                progress=fact.progress,
                average_score=fact.average_score,
                missing=fact.missing,
                late=fact.late,
                last_assessed_at=fact.last_assessed_at,
                watch=watch_reasons(fact, median, cohort, today),
            )
        )
    return Roster(rows=rows, median_progress=median, project_count=project_count)


SORT_KEYS: dict[str, Callable[[RosterRow], Any]] = {
    "name": lambda row: by_name(row.enrolment.learner),
    "status": lambda row: (row.enrolment.status.value, by_name(row.enrolment.learner)),
    "progress": lambda row: row.progress,
    "grade": lambda row: row.average_score,  # no grade yet: last, whichever the direction
    "missing": lambda row: (row.missing, row.late),
    "last": lambda row: row.last_assessed_at or datetime.min,  # never assessed: the longest ago
    "watch": lambda row: (len(row.watch), -row.progress),
}
# Columns whose first click sorts the most worrying first: the most reasons, the most briefs missing.
FIRST_DESCENDING = frozenset({"missing", "watch"})


def sort_rows(rows: list[RosterRow], key: str, descending: bool) -> list[RosterRow]:
    """Rows sorted by a column of the cohort page (unknown keys sort by name; ties by name); a row without a
    value for the column (no grade yet) comes last in both directions."""
    value = SORT_KEYS.get(key, SORT_KEYS["name"])
    by_names = sorted(rows, key=SORT_KEYS["name"])
    known = sorted((row for row in by_names if value(row) is not None), key=value, reverse=descending)
    return known + [row for row in by_names if value(row) is None]
