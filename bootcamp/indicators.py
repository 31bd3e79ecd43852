"""The insertion indicators, from counts to what is shown: filters, rates, shares, small groups. No database, no Flask.

reports/queries.py counts in SQL (one grouped query per breakdown) and hands plain `Counts` here; this module
computes every rate and share and decides what is shown or hidden. The dashboard, its charts, the CSV and XLSX
exports and `flask export indicators` only read the rows it returns (docs: « The rates managers report »).

For the leavers of the selected cohorts and a follow-up point N:
- due: leavers (dropped or finished) whose +N follow-up date (exit date + N months) is on or before the "as of"
  date; known: due with a recorded situation other than « sans nouvelles »;
- employment rate = employed / known; positive exit rate = (employed + training) / known;
  durable employment rate = durable / known; response rate = known / due;
  conservative employment rate = employed / due (unknowns and missing follow-ups count as not employed);
- completion = finished / entrants; dropout = dropped / entrants;
  certification = title obtained / those who sat the exam (obtained + partial + failed).
A group of fewer than SMALL_GROUP entrants shows no figure but « fewer than 5 » (`hiding`, `table`); where a
breakdown splits everyone into groups (all but `public`) and exactly one group is so hidden, the next smallest is
hidden too (secondary suppression, `hiding`; the attendance tables read it too, counting learners), so that no
hidden group can be worked out by subtraction from the `all` row; a rate whose denominator is under SMALL_GROUP
is not shown (`rate`); a share of entrants made of fewer than SMALL_GROUP people, or that would reveal a hidden
group, is not shown (`shares`); a cohort year with fewer than SMALL_GROUP due leavers is left out of the situation
mix (`situation_years`); the path from entry to employment is not drawn when everyone is fewer than SMALL_GROUP
(`funnel`). Every output reads these rows.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date

SMALL_GROUP = 5  # fewer people than this: « moins de 5 », no figure
GROUPINGS = ("gender", "age", "public", "diploma", "referrer", "site", "cohort", "year")
# A person counts in each of their publics, a candidate in each block they sat (the certification's `block`
# breakdown): the groups do not add up to `all`, so no secondary suppression.
OVERLAPPING = frozenset({"public", "block"})

# Every rate: (numerator, denominator), both counts of Counts; in the CSV's column order.
RATES = {
    "employment_rate": ("employed", "known"),
    "positive_rate": ("positive", "known"),
    "durable_rate": ("durable", "known"),
    "response_rate": ("known", "due"),
    "conservative_employment_rate": ("employed", "due"),
    "completion_rate": ("finished", "entrants"),
    "dropout_rate": ("dropped", "entrants"),
    "certification_rate": ("certified", "sat_exam"),
}


@dataclass(frozen=True)
class Target:
    """A share of the entrants the Grande École du Numérique asks for: `share` % in `groups` of breakdown `by`."""

    code: str
    by: str
    groups: frozenset[str]
    share: float


GEN_TARGETS = (
    Target("women", "gender", frozenset({"female"}), 30.0),
    Target("low_qualification", "diploma", frozenset({"below_bac", "bac"}), 80.0),
)


@dataclass(frozen=True)
class Filters:
    """What the dashboard, the CSV and the CLI can filter on; the URL carries them."""

    point: int = 6
    as_of: date = field(default_factory=date.today)
    site_id: int | None = None
    programme_id: int | None = None
    years: tuple[int, ...] = ()
    gender: str | None = None  # a Gender code


@dataclass(frozen=True)
class Counts:
    """The counts of one group, as the database gives them; rates are derived from them (`row`)."""

    group: str
    entrants: int = 0
    dropped: int = 0
    finished: int = 0
    sat_exam: int = 0
    certified: int = 0
    due: int = 0
    known: int = 0
    employed: int = 0
    durable: int = 0
    positive: int = 0


COUNT_FIELDS = tuple(f.name for f in fields(Counts) if f.name != "group")


def rate(numerator: int, denominator: int) -> float | None:
    """A percentage, or None when the denominator is under SMALL_GROUP."""
    if denominator < SMALL_GROUP:
        return None
    return 100.0 * numerator / denominator


@dataclass(frozen=True)
class Row:
    """One group as the tables, the charts and the exports show it: its counts and rates, unless hidden."""

    counts: Counts
    hidden: bool  # only « fewer than 5 » (or `*` when secondary) is shown; its rates are None
    rates: dict[str, float | None]
    secondary: bool = False  # hidden though SMALL_GROUP or more, so that a small hidden group cannot be derived

    @property
    def group(self) -> str:
        return self.counts.group

    def fraction(self, name: str) -> tuple[int, int]:
        """The numerator and the denominator of a rate, to show beside it (« 6 sur 12 »)."""
        numerator, denominator = RATES[name]
        return getattr(self.counts, numerator), getattr(self.counts, denominator)


def row(counts: Counts) -> Row:
    """One group's row: hidden under SMALL_GROUP entrants, its rates otherwise."""
    if counts.entrants < SMALL_GROUP:
        return Row(counts, True, dict.fromkeys(RATES))
    rates = {name: rate(getattr(counts, num), getattr(counts, den)) for name, (num, den) in RATES.items()}
    return Row(counts, False, rates)


@dataclass(frozen=True)
class Hiding:
    """What the small-group rule does to one row of a breakdown: `hidden` shows « fewer than 5 » (or `*` when
    `secondary`) and no figure."""

    hidden: bool
    secondary: bool = False


def hiding(sizes: Sequence[int], by: str) -> list[Hiding]:
    """The small-group rule for a breakdown's rows (`all` first, then each group), from each row's number of people
    (entrants; learners for attendance): every table, page, chart and export of groups reads it.

    A row of fewer than SMALL_GROUP people is hidden. Secondary suppression: where the groups split everyone (`by`
    not in OVERLAPPING) and exactly one group is under SMALL_GROUP, the smallest other group is hidden too (the
    first in table order on a tie); otherwise `all` minus the groups shown would give the small group's size. The
    `all` row is never hidden by the secondary rule.
    """
    if by not in GROUPINGS and by not in OVERLAPPING:
        raise ValueError(f"no breakdown named {by!r}")
    marks = [Hiding(size < SMALL_GROUP) for size in sizes]
    small = [index for index in range(1, len(sizes)) if marks[index].hidden]
    shown = [index for index in range(1, len(sizes)) if not marks[index].hidden]
    if by in OVERLAPPING or len(small) != 1 or not shown:
        return marks
    second = min(shown, key=lambda index: sizes[index])
    marks[second] = Hiding(True, secondary=True)
    return marks


def table(groups: Sequence[Counts], by: str) -> list[Row]:
    """The rows of breakdown `by` (`all` first, then each group), hidden as `hiding` decides from the entrants."""
    marks = hiding([counts.entrants for counts in groups], by)
    return [
        Row(counts, True, dict.fromkeys(RATES), secondary=mark.secondary) if mark.hidden else row(counts)
        for counts, mark in zip(groups, marks, strict=True)
    ]


def funnel(everyone: Row) -> list[int]:
    """Entrants, finished, certified, employed at the point, as the path chart draws them: none when everyone
    selected is fewer than SMALL_GROUP (the small-group rule)."""
    if everyone.hidden:
        return []
    counts = everyone.counts
    return [counts.entrants, counts.finished, counts.certified, counts.employed]


def charted(rows: Sequence[Row]) -> list[Row]:
    """The rows a rates chart draws: those shown with an employment rate."""
    return [item for item in rows if not item.hidden and item.rates["employment_rate"] is not None]


@dataclass(frozen=True)
class Share:
    """A public's part of the entrants: `code` is a target's or a public flag's; share and target in %."""

    code: str
    count: int
    share: float | None  # None: fewer than SMALL_GROUP people, or it would reveal a group its table hides
    target: float | None


def _target_count(target: Target, rows: Sequence[Row]) -> tuple[int, bool]:
    """How many entrants a target's groups hold, and whether telling it would reveal a group the table hides: it
    would when the target holds some of the hidden groups but not all (all of them: `all` minus the shown)."""
    hidden = {item.group for item in rows[1:] if item.hidden}
    count = sum(item.counts.entrants for item in rows[1:] if item.group in target.groups)
    return count, bool(hidden & target.groups) and not hidden <= target.groups


def shares(everyone: Counts, tables: dict[str, Sequence[Row]], publics: Sequence[str]) -> list[Share]:
    """The share of each GEN_TARGETS group and of each public among the entrants (none when everyone is few).

    `tables` holds the rows (`table`) of the breakdowns the targets read (gender, diploma) and of `public`;
    `publics` lists every public's code, in order, so that a public nobody belongs to shows 0.
    """
    if row(everyone).hidden:
        return []
    counted = [(target.code, *_target_count(target, tables[target.by]), target.share) for target in GEN_TARGETS]
    by_public = {item.group: item.counts.entrants for item in tables["public"][1:]}
    counted += [(code, by_public.get(code, 0), False, None) for code in publics]
    return [
        Share(code, count, 100 * count / everyone.entrants if count >= SMALL_GROUP and not revealing else None, target)
        for code, count, revealing, target in counted
    ]


@dataclass(frozen=True)
class SituationMix:
    """How many due leavers of a cohort year are in each situation (key None: no situation recorded yet)."""

    year: int
    due: int
    by_situation: dict[str | None, int]

    @property
    def shares(self) -> dict[str | None, float]:
        """Each situation's part of the due leavers, in %."""
        return {situation: 100 * people / self.due for situation, people in self.by_situation.items()}


def situation_years(mix: Sequence[SituationMix]) -> tuple[list[SituationMix], list[int]]:
    """The years shown (SMALL_GROUP due leavers or more), and those left out."""
    shown = [item for item in mix if item.due >= SMALL_GROUP]
    return shown, [item.year for item in mix if item.due < SMALL_GROUP]
