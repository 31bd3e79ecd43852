"""The dashboard's figures, from plain numbers (bootcamp/indicators.py decides what is shown)."""

from collections.abc import Callable, Sequence

from ..charts import COLOURS, SERIES_COLOURS, SERIES_PATTERNS, Figure, bar, base_layout, figure, scatter


def _two_rates(
    groups: Sequence[str],
    rates: tuple[Sequence[float | None], Sequence[float | None]],
    names: tuple[str, str],
    second_marker: dict,
    people: Sequence[int],
    people_label: str,
) -> Figure:
    """Two rates (%) per group as grouped bars, told apart by colour and by pattern, with the number of people on
    hover: the one drawing of the insertion and attendance breakdowns."""
    x, counts = list(groups), list(people)
    hover = "%{x} : %{y:.1f} % (" + people_label + " %{customdata})<extra></extra>"
    markers = ({"color": COLOURS["blue"]}, second_marker)
    traces = [
        bar(x=x, y=[round(value or 0, 1) for value in values], name=name, marker=marker, customdata=counts,
            hovertemplate=hover)
        for values, name, marker in zip(rates, names, markers)
    ]
    layout = base_layout(y_title="%")
    layout["yaxis"].update(range=[0, 100], ticksuffix=" %")
    layout["xaxis"]["type"] = "category"
    layout.update(barmode="group", hovermode="closest")
    return figure(traces, layout)


def rates_by_group(
    groups: Sequence[str],
    employment: Sequence[float],
    positive: Sequence[float | None],
    people: Sequence[int],
    labels: dict[str, str],
) -> Figure:
    """Employment and positive exit rates (%) per group, with the number of people (situation known) on hover."""
    names = (labels["employment"], labels["positive"])
    marker = {"color": COLOURS["orange"], "pattern": {"shape": "/"}}
    return _two_rates(groups, (employment, positive), names, marker, people, labels["people"])


def path_funnel(stages: Sequence[str], values: Sequence[int], percent: Callable[[float], str]) -> Figure:
    """Stages (entrants first) as horizontal bars (the partial Plotly.js bundle has no funnel trace), each
    labelled with its count and its share of the first stage."""
    entrants = values[0]
    shares = [f"{value} ({percent(value / entrants)})" if entrants else str(value) for value in values]
    traces = [
        bar(
            y=list(stages),
            x=list(values),
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


def situation_mix(
    years: Sequence[int], series: Sequence[tuple[str, Sequence[float], Sequence[int]]], labels: dict[str, str]
) -> Figure:
    """Share of due leavers in each situation, stacked, for each cohort year: one (name, % per year, people per
    year) series per situation; no series without a year."""
    x = [str(year) for year in years]
    traces = [
        bar(
            x=x,
            y=[round(share, 1) for share in shares],
            name=name,
            marker={
                "color": SERIES_COLOURS[index % len(SERIES_COLOURS)],
                "pattern": {"shape": SERIES_PATTERNS[index % len(SERIES_PATTERNS)]},
            },
            customdata=list(people),
            hovertemplate="%{x} : %{y:.1f} % (" + labels["people"] + " %{customdata})<extra>" + str(name) + "</extra>",
        )
        for index, (name, shares, people) in enumerate(series if years else ())
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


def attendance_by_group(
    groups: Sequence[str],
    attendance: Sequence[float],
    unjustified: Sequence[float | None],
    people: Sequence[int],
    labels: dict[str, str],
) -> Figure:
    """Attendance and unjustified-absence rates (%) per group, with the number of learners on hover."""
    names = (labels["attendance"], labels["unjustified"])
    marker = {"color": COLOURS["vermilion"], "pattern": {"shape": "x"}}
    return _two_rates(groups, (attendance, unjustified), names, marker, people, labels["people"])


def pass_rates_by_group(
    groups: Sequence[str],
    after_resits: Sequence[float | None],
    first_attempt: Sequence[float | None],
    people: Sequence[int],
    labels: dict[str, str],
) -> Figure:
    """The certification pass rate (%) per group, after resits and at the first attempt, with the number of people
    who sat on hover."""
    names = (labels["pass"], labels["first"])
    marker = {"color": COLOURS["green"], "pattern": {"shape": "."}}
    return _two_rates(groups, (after_resits, first_attempt), names, marker, people, labels["people"])


def satisfaction_by_group(
    groups: Sequence[str],
    response: Sequence[float | None],
    satisfaction: Sequence[float | None],
    people: Sequence[int],
    labels: dict[str, str],
) -> Figure:
    """The response rate and the satisfaction rate (%) per group of one questionnaire, with the number of
    respondents on hover."""
    names = (labels["response"], labels["satisfaction"])
    marker = {"color": COLOURS["green"], "pattern": {"shape": "\\"}}
    return _two_rates(groups, (response, satisfaction), names, marker, people, labels["people"])


# issue 18: figures (placements)
def placement_rate_by_group(
    groups: Sequence[str],
    rates: Sequence[float],
    people: Sequence[int],
    labels: dict[str, str],
    colour: str = "blue",
    pattern: str = "",
) -> Figure:
    """One rate (%) per group as bars (the placement rate, or the hired-by-host rate; `colour` a COLOURS name), with
    its denominator on hover: each of the placement figures has its own chart and table."""
    hover = "%{x} : %{y:.1f} % (" + labels["people"] + " %{customdata})<extra></extra>"
    marker = {"color": COLOURS[colour], "pattern": {"shape": pattern}}
    traces = [
        bar(x=list(groups), y=[round(value, 1) for value in rates], name=labels["rate"], marker=marker,
            customdata=list(people), hovertemplate=hover)
    ]
    layout = base_layout(y_title="%")
    layout["yaxis"].update(range=[0, 100], ticksuffix=" %")
    layout["xaxis"]["type"] = "category"
    layout.update(hovermode="closest")
    return figure(traces, layout)
