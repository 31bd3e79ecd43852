"""Dashboard figures: plain counts -> Plotly figures. Knows nothing of Flask or the database."""

from collections.abc import Callable, Sequence

from ..charts import COLOURS, Figure, bar, base_layout, figure, scatter
from .queries import Counts, SituationMix

SITUATION_COLOURS = [
    "#0072B2", "#56B4E9", "#009E73", "#F0E442", "#E69F00", "#CC79A7", "#D55E00", "#999999", "#595959", "#dddddd",
]  # fmt: skip
PATTERNS = ["", "/", "", "x", "", ".", "", "\\", "-", "+"]


def rates_by_group(rows: Sequence[Counts], names: dict[str, str], labels: dict[str, str]) -> Figure:
    """Employment and positive exit rates per group, with the number of people on hover; small groups left out."""
    shown = [row for row in rows if not row.small and row.employment_rate is not None]
    x = [names.get(row.group, row.group) for row in shown]
    known = [row.known for row in shown]
    traces = [
        bar(
            x=x,
            y=[round(row.employment_rate, 1) for row in shown],
            name=labels["employment"],
            marker={"color": COLOURS["blue"]},
            customdata=known,
            hovertemplate="%{x} : %{y:.1f} % (" + labels["people"] + " %{customdata})<extra></extra>",
        ),
        bar(
            x=x,
            y=[round(row.positive_rate or 0, 1) for row in shown],
            name=labels["positive"],
            marker={"color": COLOURS["orange"], "pattern": {"shape": "/"}},
            customdata=known,
            hovertemplate="%{x} : %{y:.1f} % (" + labels["people"] + " %{customdata})<extra></extra>",
        ),
    ]
    layout = base_layout(y_title="%")
    layout["yaxis"].update(range=[0, 100], ticksuffix=" %")
    layout["xaxis"]["type"] = "category"
    layout.update(barmode="group", hovermode="closest")
    return figure(traces, layout)


def path_funnel(everyone: Counts, labels: dict[str, str], percent: Callable[[float], str]) -> Figure:
    """Entrants -> finished -> certified -> employed at +N, as horizontal bars (the partial Plotly.js
    bundle has no funnel trace), each labelled with its count and its share of the entrants."""
    stages = [labels["entrants"], labels["finished"], labels["certified"], labels["employed"]]
    values = [everyone.entrants, everyone.finished, everyone.certified, everyone.employed]
    entrants = everyone.entrants
    shares = [f"{value} ({percent(value / entrants)})" if entrants else str(value) for value in values]
    traces = [
        bar(
            y=stages,
            x=values,
            orientation="h",
            text=shares,
            textposition="auto",
            marker={"color": COLOURS["blue"]},
        )
    ]
    layout = base_layout()
    layout["margin"]["l"] = 160
    layout["hovermode"] = "closest"
    layout["yaxis"].update(autorange="reversed")
    layout["yaxis"].pop("rangemode", None)
    return figure(traces, layout)


def situation_mix(mix: Sequence[SituationMix], names: dict, labels: dict[str, str]) -> Figure:
    """Share of due leavers in each situation, stacked, for each cohort year (years under 5 left out)."""
    years = [item for item in mix if item.due >= 5]
    situations = list(years[0].by_situation) if years else []
    traces = [
        bar(
            x=[str(item.year) for item in years],
            y=[round(100 * item.by_situation[situation] / item.due, 1) for item in years],
            name=names[situation],
            marker={
                "color": SITUATION_COLOURS[index % len(SITUATION_COLOURS)],
                "pattern": {"shape": PATTERNS[index % len(PATTERNS)]},
            },
            customdata=[item.by_situation[situation] for item in years],
            hovertemplate="%{x} : %{y:.1f} % ("
            + labels["people"]
            + " %{customdata})<extra>"
            + str(names[situation])
            + "</extra>",
        )
        for index, situation in enumerate(situations)
    ]
    layout = base_layout(y_title="%")
    layout["yaxis"].update(range=[0, 100], ticksuffix=" %")
    layout["xaxis"]["type"] = "category"
    layout.update(barmode="stack", hovermode="closest", height=380)
    return figure(traces, layout)


def shares_against_targets(shares: Sequence[tuple[str, float, float | None]], labels: dict[str, str]) -> Figure:
    """The share of each public among entrants (bars), with the GEN target where there is one (marks)."""
    names = [name for name, _share, _target in shares]
    targets = [(name, target) for name, _share, target in shares if target is not None]
    traces = [
        bar(
            y=names,
            x=[round(share, 1) for _name, share, _target in shares],
            orientation="h",
            name=labels["share"],
            marker={"color": COLOURS["blue"]},
            hovertemplate="%{y} : %{x:.1f} %<extra></extra>",
        ),
        scatter(
            y=[name for name, _target in targets],
            x=[target for _name, target in targets],
            mode="markers",
            name=labels["target"],
            marker={"color": COLOURS["vermilion"], "symbol": "line-ns-open", "size": 24, "line": {"width": 3}},
            hovertemplate="%{y} : " + labels["target"] + " %{x:.0f} %<extra></extra>",
        ),
    ]
    layout = base_layout(x_title="%")
    layout["xaxis"].update(range=[0, 100], ticksuffix=" %")
    layout["yaxis"].update(autorange="reversed", rangemode="normal")
    layout["margin"]["l"] = 200
    layout.update(hovermode="closest", height=60 + 34 * len(shares))
    return figure(traces, layout)
