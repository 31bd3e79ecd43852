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
A group of fewer than SMALL_GROUP entrants shows no figure but « fewer than 5 » (`table`); a rate whose
denominator is under SMALL_GROUP is not shown (`rate`); a share of entrants made of fewer than SMALL_GROUP people
is not shown (`shares`); a cohort year with fewer than SMALL_GROUP due leavers is left out of the situation mix
(`situation_years`). Whatever hides more (e.g. a second group, so that a hidden one cannot be derived from the
total) belongs in `table`: every output reads its rows.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date

SMALL_GROUP = 5  # fewer people than this: « moins de 5 », no figure
GROUPINGS = ("gender", "age", "public", "diploma", "referrer", "site", "cohort", "year")

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
    hidden: bool  # only « fewer than 5 » is shown; its rates are None
    rates: dict[str, float | None]

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


def table(groups: Sequence[Counts]) -> list[Row]:
    """The rows of one table (`all` first, then each group): what is hidden is decided here, for every output."""
    return [row(counts) for counts in groups]


def charted(rows: Sequence[Row]) -> list[Row]:
    """The rows a rates chart draws: those shown with an employment rate."""
    return [item for item in rows if not item.hidden and item.rates["employment_rate"] is not None]


@dataclass(frozen=True)
class Share:
    """A public's part of the entrants: `code` is a target's or a public flag's; share and target in %."""

    code: str
    count: int
    share: float | None  # None: fewer than SMALL_GROUP people
    target: float | None


def shares(everyone: Counts, tables: dict[str, Sequence[Counts]], publics: Sequence[str]) -> list[Share]:
    """The share of each GEN_TARGETS group and of each public among the entrants (none when everyone is few).

    `tables` holds the breakdowns the targets read (gender, diploma) and `public`; `publics` lists every public's
    code, in order, so that a public nobody belongs to shows 0.
    """
    if row(everyone).hidden:
        return []
    counted = [
        (target.code, sum(item.entrants for item in tables[target.by] if item.group in target.groups), target.share)
        for target in GEN_TARGETS
    ]
    by_public = {item.group: item.entrants for item in tables["public"]}
    counted += [(code, by_public.get(code, 0), None) for code in publics]
    return [
        Share(code, count, 100 * count / everyone.entrants if count >= SMALL_GROUP else None, target)
        for code, count, target in counted
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
