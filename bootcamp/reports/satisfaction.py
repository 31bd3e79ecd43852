"""Satisfaction figures by group for managers (Qualiopi indicator 2): invitations and anonymous answers counted in
SQL, both kinds and every group of a breakdown in one query, then the small-group rule; the page /satisfaction, the
dashboard's « Satisfaction » block, /satisfaction/export.csv and `flask export satisfaction` read the rows made here.

For the campaigns of one kind (« à chaud », « à froid ») of the selected cohorts (DOMAIN.md « Satisfaction »):
- invited = their invitations (SurveyInvitation); respondents = their answers (SurveyResponse);
- satisfied = respondents whose `overall` score is in SATISFIED_SCORES (4 or 5);
- response rate = respondents / invited; satisfaction rate = satisfied / respondents.
The groups are the insertion export's codes, in its order (reports/queries.py), for `year` (the cohort's start),
`gender`, `age` and `public`. The answers are anonymous, so the two sides are grouped apart: the invited by their
learner's record (Learner.gender, Enrolment.age_band, the learner's flags), the respondents by the profile stored
with the answer (a person whose record changed since may count in another group on each side). A person counts in
each of their publics. indicators.py `hiding` decides what is hidden from each group's respondents: a group of
fewer than SMALL_GROUP respondents shows nothing (its mark, `<5`, or `*` for secondary suppression, stands in the
`respondents` column), the next smallest too where exactly one group of a non-overlapping breakdown is hidden; and
no rate is shown under SMALL_GROUP respondents (indicators.rate).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..indicators import SMALL_GROUP, Filters, hiding, rate
from ..models import (
    SATISFIED_SCORES,
    Cohort,
    Enrolment,
    Learner,
    PublicFlag,
    SurveyCampaign,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
)
from .export import SECONDARY, SMALL, csv_line
from .queries import _code, count_if, group_column, in_code_order, join_group, selected

# The machine format of /satisfaction/export.csv and `flask export satisfaction`: scripts read it, it never changes.
COLUMNS = ("group", "invited", "respondents", "response_rate", "satisfied", "satisfaction_rate")
BREAKDOWNS = ("year", "gender", "age", "public")  # what the page, the CSV and the command take, in the page's order
KINDS = tuple(kind.value for kind in SurveyKind)  # hot, cold
ALL = "all"


@dataclass(frozen=True)
class SatisfactionRow:
    """One group of one kind of questionnaire as the page, its charts and the CSV show it, unless hidden."""

    group: str
    invited: int = 0
    respondents: int = 0
    satisfied: int = 0
    hidden: bool = False  # only « fewer than 5 » (or `*` when secondary) is shown
    secondary: bool = False  # hidden though SMALL_GROUP or more, so that a small hidden group cannot be derived

    @property
    def response_rate(self) -> float | None:
        """Respondents / invited, in %; None under SMALL_GROUP respondents (or invited)."""
        return rate(self.respondents, self.invited) if self.respondents >= SMALL_GROUP else None

    @property
    def satisfaction_rate(self) -> float | None:
        """Satisfied / respondents, in %; None under SMALL_GROUP respondents."""
        return rate(self.satisfied, self.respondents)


def _selected(query: sa.Select, filters: Filters, gender: sa.ColumnElement) -> sa.Select:
    """`query`, which reads campaigns with their cohort, kept to the cohorts (site, programme, start years) and the
    gender (`gender`: the column that tells it on this side) the filters choose. No follow-up point, no day: an
    answer has no date."""
    return selected(query, filters, gender)


def _sums(by: str, group: sa.ColumnElement, invited: sa.ColumnElement, respondents: sa.ColumnElement,
          satisfied: sa.ColumnElement) -> list[sa.ColumnElement]:
    return [
        sa.cast(sa.literal(by), sa.String).label("breakdown"),
        sa.cast(SurveyCampaign.kind, sa.String).label("kind"),
        sa.cast(group, sa.String).label("grp"),
        invited.label("invited"),
        respondents.label("respondents"),
        satisfied.label("satisfied"),
    ]


def _invited(filters: Filters, by: str) -> sa.Select:
    """The invitations of each kind and group of breakdown `by` (`all`: one group), by the learner's record."""
    column, joined = (sa.null(), None) if by == ALL else group_column(by)
    query = (
        sa.select(*_sums(by, column, sa.func.count(), sa.literal(0), sa.literal(0)))
        .select_from(SurveyInvitation)
        .join(SurveyCampaign, SurveyCampaign.id == SurveyInvitation.campaign_id)
        .join(Cohort, Cohort.id == SurveyCampaign.cohort_id)
        .join(Enrolment, Enrolment.id == SurveyInvitation.enrolment_id)
        .join(Learner, Learner.id == Enrolment.learner_id)
    )
    query = _selected(query, filters, Learner.gender)
    if by == ALL:
        return query.group_by(SurveyCampaign.kind)
    return join_group(query, by, joined).group_by(SurveyCampaign.kind, column)


def _response_flags() -> sa.Subquery:
    """(response_id, flag) for every public flag stored with an answer: it counts in each of them."""
    return sa.union_all(
        *(
            sa.select(SurveyResponse.id.label("response_id"), sa.literal(flag.value).label("flag")).where(
                getattr(SurveyResponse, flag.value)
            )
            for flag in PublicFlag
        )
    ).subquery("response_flags")


def _answered(filters: Filters, by: str) -> sa.Select:
    """The answers of each kind and group of breakdown `by` (`all`: one group), by the profile stored with them."""
    flags = _response_flags() if by == "public" else None
    columns = {
        ALL: sa.null(),
        "year": sa.extract("year", Cohort.start_date),
        "gender": SurveyResponse.gender,
        "age": SurveyResponse.age_band,
        "public": flags.c.flag if flags is not None else None,
    }
    column = columns[by]
    satisfied = count_if(SurveyResponse.overall.in_(SATISFIED_SCORES))
    query = (
        sa.select(*_sums(by, column, sa.literal(0), sa.func.count(), satisfied))
        .select_from(SurveyResponse)
        .join(SurveyCampaign, SurveyCampaign.id == SurveyResponse.campaign_id)
        .join(Cohort, Cohort.id == SurveyCampaign.cohort_id)
    )
    if flags is not None:
        query = query.join(flags, flags.c.response_id == SurveyResponse.id)
    query = _selected(query, filters, SurveyResponse.gender)
    return query.group_by(SurveyCampaign.kind) if by == ALL else query.group_by(SurveyCampaign.kind, column)


def _counts(result: sa.Row) -> dict[str, int]:
    return {name: int(getattr(result, name) or 0) for name in ("invited", "respondents", "satisfied")}


def counted(filters: Filters, breakdowns: Sequence[str]) -> dict[str, dict[str, list[SatisfactionRow]]]:
    """For each kind, `all` (key ALL) and each breakdown's counts (`all` first, then each group in code order),
    before the small-group rule, in ONE query: the invited side and the answered side, summed by kind and group."""
    unknown = set(breakdowns) - set(BREAKDOWNS)
    if unknown:
        raise ValueError(f"no breakdown named {sorted(unknown)[0]!r}")
    parts = [part(filters, by) for by in (ALL, *breakdowns) for part in (_invited, _answered)]
    union = sa.union_all(*parts).subquery()
    keys = (union.c.breakdown, union.c.kind, union.c.grp)
    sums = (sa.func.sum(union.c[name]).label(name) for name in ("invited", "respondents", "satisfied"))
    query = sa.select(*keys, *sums).group_by(*keys).order_by(union.c.grp)
    everyone = {kind: SatisfactionRow(ALL) for kind in KINDS}
    groups: dict[str, dict[str, list[SatisfactionRow]]] = {kind: {by: [] for by in breakdowns} for kind in KINDS}
    for result in db.session.execute(query):
        if result.breakdown == ALL:
            everyone[result.kind] = SatisfactionRow(ALL, **_counts(result))
        else:
            code = _code(result.grp, result.breakdown)
            groups[result.kind][result.breakdown].append(SatisfactionRow(code, **_counts(result)))
    return {
        kind: {ALL: [everyone[kind]]}
        | {by: [everyone[kind], *in_code_order(groups[kind][by], by)] for by in breakdowns}
        for kind in KINDS
    }


def table(groups: Sequence[SatisfactionRow], by: str) -> list[SatisfactionRow]:
    """The rows shown (`all` first): hidden as indicators.hiding decides from each group's respondents."""
    marks = hiding([item.respondents for item in groups], by)
    return [
        SatisfactionRow(item.group, hidden=True, secondary=mark.secondary) if mark.hidden else item
        for item, mark in zip(groups, marks, strict=True)
    ]


def tables(filters: Filters, breakdowns: Sequence[str]) -> dict[str, dict[str, list[SatisfactionRow]]]:
    """For each kind, the rows shown of each breakdown (`all` first, then each group), in one query."""
    return {
        kind: {by: table(rows, by) for by, rows in by_breakdown.items() if by != ALL}
        for kind, by_breakdown in counted(filters, breakdowns).items()
    }


def headline(filters: Filters) -> dict[str, SatisfactionRow]:
    """Each kind's `all` row as shown (hidden under SMALL_GROUP respondents), in one query: the dashboard's block."""
    rows = counted(filters, ())
    # `all` alone: no group to protect by secondary suppression, so any breakdown's rule hides it the same way
    return {kind: table(rows[kind][ALL], "year")[0] for kind in KINDS}


def satisfaction_rows(filters: Filters, by: str, kind: str) -> list[SatisfactionRow]:
    """The `all` row then each group's of breakdown `by`, for questionnaires of `kind`, as shown (one query)."""
    if kind not in KINDS:
        raise ValueError(f"no questionnaire kind named {kind!r}")
    return tables(filters, (by,))[kind][by]


def charted(rows: Iterable[SatisfactionRow]) -> list[SatisfactionRow]:
    """The rows a chart draws: those shown with a satisfaction rate."""
    return [item for item in rows if not item.hidden and item.satisfaction_rate is not None]


def csv_row(item: SatisfactionRow) -> list[object]:
    """One row: counts as integers, rates in % with one decimal (empty under SMALL_GROUP respondents); a hidden group
    shows `<5` (or `*`, hidden by secondary suppression) as its respondents, and nothing else."""
    if item.hidden:
        return [item.group, None, SECONDARY if item.secondary else SMALL, None, None, None]
    rates = (item.response_rate, item.satisfaction_rate)
    response_rate, satisfaction_rate = (None if value is None else round(value, 1) for value in rates)
    return [item.group, item.invited, item.respondents, response_rate, item.satisfied, satisfaction_rate]


def to_csv(rows: Iterable[SatisfactionRow]) -> str:
    """UTF-8 text, comma-separated, the header then one row per group (`all` first), as export.py writes CSV."""
    return csv_line(COLUMNS) + "".join(csv_line(csv_row(item)) for item in rows)
