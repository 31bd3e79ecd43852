"""Certification figures by group for managers: candidates counted by their derived certification in SQL, all the
groups in one query, then the small-group rule; the dashboard's certification page, /certification/export.csv and
`flask export certification` read the rows made here.

What an enrolment's certification is, as of a day: bootcamp/certification/results.py, the one definition (`standing`
per enrolment, `block_standing` per block); this module only counts its rows (GROUP BY), it never recomputes them.
- candidates = enrolments registered at a session started by the day; absent / obtained / partial / failed /
  pending = candidates by derived status; sat = obtained + partial + failed (the insertion export's `sat_exam`,
  and obtained its `certified`: both read the same `standing`);
- pass rate = obtained / sat; first-attempt pass rate = obtained at the first session / sat at the first session;
- `block`: one row per block code: candidates = registered for that block, obtained = acquired, failed = not
  acquired, partial = 0, the first attempt = the first session that examined the block. Its `all` row is the
  title's, as in every breakdown.
The groups are the insertion export's (reports/queries.py `group_column`, same codes, same order), plus `block`;
indicators.py `hiding` hides a group of fewer than SMALL_GROUP candidates, and the next smallest where it must
(secondary suppression; not for `public` nor `block`, whose groups overlap), with the marks of the insertion export
(`<5`, `*`); a rate whose denominator is under SMALL_GROUP is empty (indicators.rate).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..certification.results import block_standing, standing
from ..extensions import db
from ..indicators import GROUPINGS, Filters, hiding, rate
from ..models import Block, BlockResult, Certification, Cohort, Enrolment, Learner
from .export import SECONDARY, SMALL, csv_line
from .queries import _code, count_if, group_column, in_code_order, join_group, selected

# The machine format of /certification/export.csv and `flask export certification`: scripts read it, it never
# changes.
COLUMNS = (
    "group",
    "candidates",
    "absent",
    "sat",
    "obtained",
    "partial",
    "failed",
    "pending",
    "pass_rate",
    "first_attempt_pass_rate",
)
BLOCK = "block"
BREAKDOWNS = (*GROUPINGS, BLOCK)  # what the CSV and the command take
# The breakdowns the dashboard's certification page draws, in its order.
PAGE_BREAKDOWNS = ("year", "gender", "age", "public", "diploma", BLOCK)
STATUSES = ("absent", "obtained", "partial", "failed", "pending")


@dataclass(frozen=True)
class CertificationRow:
    """One group as the page, its charts and the CSV show it: its candidates by status, unless hidden."""

    group: str
    candidates: int = 0
    absent: int = 0
    obtained: int = 0
    partial: int = 0
    failed: int = 0
    pending: int = 0
    first_sat: int = 0
    first_obtained: int = 0
    hidden: bool = False  # only « fewer than 5 » (or `*` when secondary) is shown
    secondary: bool = False  # hidden though SMALL_GROUP or more, so that a small hidden group cannot be derived

    @property
    def sat(self) -> int:
        """Candidates with a result other than absent or pending."""
        return self.obtained + self.partial + self.failed

    @property
    def pass_rate(self) -> float | None:
        """Obtained / sat, in %; None when fewer than SMALL_GROUP sat."""
        return rate(self.obtained, self.sat)

    @property
    def first_attempt_pass_rate(self) -> float | None:
        """Obtained at the first session / sat at the first session, in %; None under SMALL_GROUP."""
        return rate(self.first_obtained, self.first_sat)


def _title_sums(candidates: sa.CTE, by: str, group: sa.ColumnElement) -> sa.Select:
    """SELECT the breakdown's name, the group, its candidates by status and at their first session."""
    status = candidates.c.status
    return (
        sa.select(
            sa.cast(sa.literal(by), sa.String).label("breakdown"),
            sa.cast(group, sa.String).label("grp"),
            sa.func.count().label("candidates"),
            *(count_if(status == getattr(Certification, name.upper()).value).label(name) for name in STATUSES),
            sa.func.coalesce(sa.func.sum(candidates.c.first_sat), 0).label("first_sat"),
            sa.func.coalesce(sa.func.sum(candidates.c.first_obtained), 0).label("first_obtained"),
        )
        .select_from(candidates)
        .join(Enrolment, Enrolment.id == candidates.c.enrolment_id)
    )


def _grouped(candidates: sa.CTE, by: str) -> sa.Select:
    """The counts of each group of breakdown `by` (the insertion export's group column, reports/queries.py)."""
    column, joined = group_column(by)
    query = (
        _title_sums(candidates, by, column)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
    )
    return join_group(query, by, joined).group_by(column)


def _enrolments(filters: Filters) -> sa.Select:
    """The ids of the enrolments of the cohorts (site, programme, start years) and the gender the filters choose:
    the dashboard's filters (reports/queries.py `selected`), applied to candidates."""
    query = (
        sa.select(Enrolment.id)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
    )
    return selected(query, filters)


def _blocks(as_of: date, filters: Filters | None = None) -> sa.Select:
    """The counts of each block code: registered for it, by block status (acquired counts as obtained, not acquired
    as failed), and at the first session that examined it."""
    blocks = block_standing(as_of)
    status = blocks.c.status
    by_status = {
        "absent": BlockResult.ABSENT.value,
        "obtained": BlockResult.ACQUIRED.value,
        "failed": BlockResult.NOT_ACQUIRED.value,
        "pending": Certification.PENDING.value,
    }
    counts = {name: count_if(status == value) for name, value in by_status.items()}
    query = (
        sa.select(
            sa.cast(sa.literal(BLOCK), sa.String).label("breakdown"),
            sa.cast(Block.code, sa.String).label("grp"),
            sa.func.count().label("candidates"),
            *(counts.get(name, sa.literal(0)).label(name) for name in STATUSES),
            sa.func.coalesce(sa.func.sum(blocks.c.first_sat), 0).label("first_sat"),
            sa.func.coalesce(sa.func.sum(blocks.c.first_acquired), 0).label("first_obtained"),
        )
        .select_from(blocks)
        .join(Block, Block.id == blocks.c.block_id)
        .group_by(Block.code)
    )
    return query if filters is None else query.where(blocks.c.enrolment_id.in_(_enrolments(filters)))


def _row(result: sa.Row, group: str) -> CertificationRow:
    counts = ("candidates", *STATUSES, "first_sat", "first_obtained")
    return CertificationRow(group, **{name: int(getattr(result, name) or 0) for name in counts})


def tables(
    as_of: date, breakdowns: Sequence[str], filters: Filters | None = None
) -> dict[str, list[CertificationRow]]:
    """The rows shown of each breakdown (`all` first, then each group with candidates), in ONE query: the candidates
    as of the day (results.standing) counted for everyone and per group of each breakdown; only those of the cohorts
    and gender `filters` choose, when given (the dashboard's filters; their point and day are not read)."""
    return {by: table(rows, by) for by, rows in counted(as_of, breakdowns, filters).items()}


def counted(
    as_of: date, breakdowns: Sequence[str], filters: Filters | None = None
) -> dict[str, list[CertificationRow]]:
    """The counts of `all` then each group of each breakdown, before the small-group rule (`tables` applies it)."""
    unknown = set(breakdowns) - set(BREAKDOWNS)
    if unknown:
        raise ValueError(f"no breakdown named {sorted(unknown)[0]!r}")
    everyone_standing = standing(as_of)
    candidates_query = sa.select(everyone_standing)
    if filters is not None:
        candidates_query = candidates_query.where(everyone_standing.c.enrolment_id.in_(_enrolments(filters)))
    candidates = candidates_query.cte("candidates")
    parts = [_title_sums(candidates, "all", sa.null())]
    parts += [_blocks(as_of, filters) if by == BLOCK else _grouped(candidates, by) for by in breakdowns]
    union = sa.union_all(*parts).subquery()
    everyone, groups = CertificationRow("all"), {by: [] for by in breakdowns}
    for result in db.session.execute(sa.select(union).order_by(union.c.grp)):
        if result.breakdown == "all":
            everyone = _row(result, "all")
        else:
            code = result.grp if result.breakdown == BLOCK else _code(result.grp, result.breakdown)
            groups[result.breakdown].append(_row(result, code))
    return {by: [everyone, *in_code_order(groups[by], by)] for by in breakdowns}


def table(groups: Sequence[CertificationRow], by: str) -> list[CertificationRow]:
    """The rows shown (`all` first): hidden as indicators.hiding decides from each group's candidates."""
    marks = hiding([item.candidates for item in groups], by)
    return [
        CertificationRow(item.group, hidden=True, secondary=mark.secondary) if mark.hidden else item
        for item, mark in zip(groups, marks, strict=True)
    ]


def certification_rows(as_of: date, by: str, filters: Filters | None = None) -> list[CertificationRow]:
    """The `all` row then each group's of breakdown `by` (one of BREAKDOWNS), as shown (one query)."""
    return tables(as_of, (by,), filters)[by]


def block_titles() -> dict[str, str]:
    """Each block code's title, to show beside it (one query)."""
    return {code: title for code, title in db.session.execute(sa.select(Block.code, Block.title))}


def charted(rows: Iterable[CertificationRow]) -> list[CertificationRow]:
    """The rows a chart draws: those shown with a pass rate."""
    return [item for item in rows if not item.hidden and item.pass_rate is not None]


def csv_row(item: CertificationRow) -> list[object]:
    """One row: counts as integers, rates in % with one decimal (empty under SMALL_GROUP sat); a hidden group shows
    `<5` (or `*`, hidden by secondary suppression) and nothing else."""
    if item.hidden:
        return [item.group, SECONDARY if item.secondary else SMALL, *([None] * (len(COLUMNS) - 2))]
    rates = (item.pass_rate, item.first_attempt_pass_rate)
    return [
        item.group,
        item.candidates,
        item.absent,
        item.sat,
        item.obtained,
        item.partial,
        item.failed,
        item.pending,
        *(None if value is None else round(value, 1) for value in rates),
    ]


def to_csv(rows: Iterable[CertificationRow]) -> str:
    """UTF-8 text, comma-separated, the header then one row per group (`all` first), as export.py writes CSV."""
    return csv_line(COLUMNS) + "".join(csv_line(csv_row(item)) for item in rows)
