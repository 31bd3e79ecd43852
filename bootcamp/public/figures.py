"""The results a programme's public page shows for one calendar year, computed by the dashboard's own queries.

The year is the dashboard's « Année d'entrée »: the figures are those of the cohorts of the programme (and site, on
a site's page) that started between 1 January and 31 December of the year, as of the day they are computed — the
dashboard with the filters `filters` gives, figure for figure (tests/test_public_figures.py checks it):
- entrants, completion, dropout, the title's pass rate: reports/queries.py `totals` and indicators.py `row`;
- each block's pass rate: reports/certification.py `counted` (the `block` breakdown), with the same filters;
- employment and positive exit at +POINT months (and the follow-up's response rate): `totals` at that point;
- satisfaction « à chaud » and « à froid » and their response rates: reports/satisfaction.py `headline`.
The small-group rule is indicators.py's: when fewer than SMALL_GROUP people entered, nothing is shown but « fewer
than 5 »; a rate over fewer than SMALL_GROUP people is not shown; a block of fewer than SMALL_GROUP candidates
neither; satisfaction under SMALL_GROUP respondents neither. On a site's page, where exactly one site of the
programme had fewer than SMALL_GROUP entrants that year, the next smallest site's figures are hidden too (secondary
suppression, the dashboard's `site` breakdown). A figure over nobody is « not measured ».
The page, the JSON, the CSV and the embedded fragment all read the `Results` made here.
"""

from dataclasses import dataclass, replace
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..indicators import Filters, hiding, rate, row
from ..models import Block, Cohort, Site
from ..reports import certification, satisfaction
from ..reports.definitions import certification_definitions, definitions, satisfaction_definitions
from ..reports.queries import breakdown, totals

POINT = 6  # the follow-up point of the employment figures: +6 months, as Qualiopi and France Travail ask
# A figure's status, as the JSON and CSV say: shown; hidden as its group has fewer than SMALL_GROUP people; hidden
# though its group has more, so that a smaller one cannot be worked out (secondary suppression); nobody to count.
SHOWN, SMALL, SECONDARY, NOT_MEASURED = "shown", "small_group", "secondary_suppression", "not_measured"
COUNT, PERCENT = "count", "percent"
# Every figure, in the page's order (`block_pass_rate` once per block of the programme).
CODES = (
    "entrants",
    "completion_rate",
    "dropout_rate",
    "pass_rate",
    "block_pass_rate",
    "employment_rate",
    "positive_exit_rate",
    "follow_up_response_rate",
    "satisfaction_hot_rate",
    "satisfaction_hot_response_rate",
    "satisfaction_cold_rate",
    "satisfaction_cold_response_rate",
)


@dataclass(frozen=True)
class Figure:
    """One published figure: its value unless hidden or not measured, and the people it counts."""

    code: str  # one of CODES
    unit: str  # COUNT or PERCENT
    status: str  # SHOWN, SMALL (fewer than SMALL_GROUP people: no figure), SECONDARY or NOT_MEASURED
    value: float | None = None  # a count, or a rate in %
    numerator: int | None = None  # a rate's, when shown
    denominator: int | None = None  # a rate's: the number of people it is about, when shown
    block: str | None = None  # the block's code, for block_pass_rate

    @property
    def people(self) -> int | None:
        """How many people the figure is about (N), when it is shown."""
        if self.status != SHOWN:
            return None
        return int(self.value or 0) if self.unit == COUNT else self.denominator


@dataclass(frozen=True)
class Results:
    """A year's figures for a programme (and a site), as of the day they were computed."""

    year: int
    as_of: date
    figures: tuple[Figure, ...]
    blocks: tuple[tuple[str, str], ...]  # the programme's blocks: (code, title), in order

    @property
    def period_start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def period_end(self) -> date:
        return date(self.year, 12, 31)

    def figure(self, code: str, block: str | None = None) -> Figure:
        return next(item for item in self.figures if item.code == code and item.block == block)


def last_complete_year(today: date) -> int:
    """The last calendar year that has ended: the page's default."""
    return today.year - 1


def filters(programme_id: int, site_id: int | None, year: int, as_of: date) -> Filters:
    """The dashboard's filters that give the same figures: this programme (and site), cohorts started in `year`,
    the follow-up at +POINT months, as of the day."""
    return Filters(point=POINT, as_of=as_of, site_id=site_id, programme_id=programme_id, years=(year,))


def years(programme_id: int, site_id: int | None, today: date) -> list[int]:
    """The complete calendar years in which a cohort of the programme (at the site) started, latest first, with the
    last complete year always first: the page's year selector (one query)."""
    start_year = sa.extract("year", Cohort.start_date)
    query = sa.select(start_year).where(Cohort.programme_id == programme_id).distinct()
    if site_id is not None:
        query = query.where(Cohort.site_id == site_id)
    last = last_complete_year(today)
    found = {int(value) for value in db.session.scalars(query)}
    return sorted({year for year in found if year <= last} | {last}, reverse=True)


def _rate(code: str, numerator: int, denominator: int, mask: str | None = None, block: str | None = None) -> Figure:
    """A rate as published: masked with its group (`mask`: SMALL or SECONDARY), not measured over nobody, hidden
    over fewer than SMALL_GROUP."""
    value = rate(numerator, denominator)
    if mask is not None:
        return Figure(code, PERCENT, mask, block=block)
    if value is None:
        return Figure(code, PERCENT, SMALL if denominator > 0 else NOT_MEASURED, block=block)
    return Figure(code, PERCENT, SHOWN, value, numerator, denominator, block)


def _insertion(selection: Filters, suppressed: bool) -> tuple[list[Figure], str | None]:
    """Entrants, completion, dropout, pass rate, employment and positive exit at the point: the `all` row; and the
    group's mask: SMALL under SMALL_GROUP entrants, SECONDARY when `suppressed`, None when shown (or nobody entered:
    nothing to hide, nothing measured)."""
    counts = totals(selection)
    mask = None
    if counts.entrants > 0 and row(counts).hidden:
        mask = SMALL
    elif counts.entrants > 0 and suppressed:
        mask = SECONDARY
    if counts.entrants == 0:
        entrants = Figure("entrants", COUNT, NOT_MEASURED)
    else:
        entrants = Figure("entrants", COUNT, mask) if mask else Figure("entrants", COUNT, SHOWN, counts.entrants)
    figures = [
        entrants,
        _rate("completion_rate", counts.finished, counts.entrants, mask),
        _rate("dropout_rate", counts.dropped, counts.entrants, mask),
        _rate("pass_rate", counts.certified, counts.sat_exam, mask),
        _rate("employment_rate", counts.employed, counts.known, mask),
        _rate("positive_exit_rate", counts.positive, counts.known, mask),
        _rate("follow_up_response_rate", counts.known, counts.due, mask),
    ]
    return figures, mask


def _suppressed(selection: Filters, site_id: int) -> bool:
    """Whether a site's figures are hidden by secondary suppression: the programme's sites split its entrants (the
    dashboard's `site` breakdown), so where exactly one site of the year has fewer than SMALL_GROUP entrants, the
    next smallest is hidden too (indicators.hiding), else the programme's page minus the other sites' would give the
    small one's figures (one query)."""
    groups = breakdown(replace(selection, site_id=None), "site")
    marks = hiding([sum(group.entrants for group in groups), *(group.entrants for group in groups)], "site")
    site = db.session.get(Site, site_id)
    return any(group.group == site.name and mark.secondary for group, mark in zip(groups, marks[1:], strict=True))


def _blocks(selection: Filters, blocks: tuple[tuple[str, str], ...], mask: str | None) -> list[Figure]:
    """Each block's pass rate (acquired / sat that block), the certification page's `block` rows: masked with the
    group, or hidden under SMALL_GROUP candidates (a hidden row keeps no count: hidden, not « not measured »)."""
    rows = {item.group: item for item in certification.tables(selection.as_of, ("block",), selection)["block"][1:]}
    figures = []
    for code, _title in blocks:
        found = rows.get(code)
        if mask is not None or (found is not None and found.hidden):
            figures.append(Figure("block_pass_rate", PERCENT, mask or SMALL, block=code))
        elif found is None:
            figures.append(Figure("block_pass_rate", PERCENT, NOT_MEASURED, block=code))
        else:
            figures.append(_rate("block_pass_rate", found.obtained, found.sat, block=code))
    return figures


def _satisfaction(selection: Filters, mask: str | None) -> list[Figure]:
    """Each questionnaire's satisfaction rate and response rate: the dashboard's satisfaction block (`headline`:
    hidden under SMALL_GROUP respondents), masked with the group, not measured when nobody was invited."""
    figures = []
    for kind, rows in satisfaction.counted(selection, ()).items():
        everyone = rows[satisfaction.ALL][0]
        few = satisfaction.table([everyone], "year")[0].hidden  # the rule `headline` applies
        names = (f"satisfaction_{kind}_rate", f"satisfaction_{kind}_response_rate")
        if everyone.invited == 0 and mask is None:
            figures += [Figure(name, PERCENT, NOT_MEASURED) for name in names]
            continue
        kind_mask = mask or (SMALL if few else None)
        figures += [
            _rate(names[0], everyone.satisfied, everyone.respondents, kind_mask),
            _rate(names[1], everyone.respondents, everyone.invited, kind_mask),
        ]
    return figures


def programme_blocks(programme_id: int) -> tuple[tuple[str, str], ...]:
    """The programme's blocks, (code, title), in order (one query)."""
    rows = db.session.execute(
        sa.select(Block.code, Block.title).where(Block.programme_id == programme_id).order_by(Block.position)
    )
    return tuple((code, title) for code, title in rows)


def results(programme_id: int, site_id: int | None, year: int, as_of: date) -> Results:
    """The year's figures, as of the day: four queries, five on a site's page (its secondary suppression)."""
    selection = filters(programme_id, site_id, year, as_of)
    blocks = programme_blocks(programme_id)
    insertion, mask = _insertion(selection, site_id is not None and _suppressed(selection, site_id))
    figures = [*insertion[:4], *_blocks(selection, blocks, mask), *insertion[4:], *_satisfaction(selection, mask)]
    return Results(year, as_of, tuple(figures), blocks)


def names() -> dict[str, str]:
    """Each figure's name on the page, in the JSON's `label` and the CSV's."""
    return {
        "entrants": _("Personnes entrées en formation"),
        "completion_rate": _("Taux d'achèvement"),
        "dropout_rate": _("Taux d'abandon"),
        "pass_rate": _("Taux de réussite au titre"),
        "block_pass_rate": _("Taux de réussite du bloc"),
        "employment_rate": _("Taux d'emploi à %(n)d mois", n=POINT),
        "positive_exit_rate": _("Taux de sortie positive à %(n)d mois", n=POINT),
        "follow_up_response_rate": _("Situations connues à %(n)d mois", n=POINT),
        "satisfaction_hot_rate": _("Satisfaction « à chaud »"),
        "satisfaction_hot_response_rate": _("Taux de réponse « à chaud »"),
        "satisfaction_cold_rate": _("Satisfaction « à froid »"),
        "satisfaction_cold_response_rate": _("Taux de réponse « à froid »"),
    }


def meanings() -> dict[str, str]:
    """Each figure's definition: the dashboard's own text (reports/definitions.py), the one definition."""
    insertion, certified, satisfied = definitions(POINT), certification_definitions(), satisfaction_definitions()
    hot = _("Questionnaire « à chaud », la dernière semaine de formation.")
    cold = _("Questionnaire « à froid », six mois après la fin.")
    return {
        "entrants": insertion["entrants"],
        "completion_rate": insertion["completion_rate"],
        "dropout_rate": insertion["dropout_rate"],
        "pass_rate": insertion["certification_rate"],
        "block_pass_rate": certified["block"],
        "employment_rate": insertion["employment_rate"],
        "positive_exit_rate": insertion["positive_rate"],
        "follow_up_response_rate": insertion["response_rate"],
        "satisfaction_hot_rate": f"{hot} {satisfied['satisfaction_rate']}",
        "satisfaction_hot_response_rate": f"{hot} {satisfied['response_rate']}",
        "satisfaction_cold_rate": f"{cold} {satisfied['satisfaction_rate']}",
        "satisfaction_cold_response_rate": f"{cold} {satisfied['response_rate']}",
    }
