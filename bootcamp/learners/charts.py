"""The learner's figures, from plain numbers: my progress over time, my levels against the target."""

from collections.abc import Callable, Sequence
from datetime import date

from ..charts import COLOURS, Figure, bar, base_layout, figure, scatter


def progress_over_time(
    months: Sequence[date],
    mine: Sequence[int],
    median: Sequence[float | None],
    total: int,
    labels: dict[str, str],
    month_name: Callable[[date], str] = lambda month: month.strftime("%m/%Y"),
) -> Figure:
    """My acquired competencies month by month (`months`: first days), beside the cohort's median when there is
    one (no median series when every month's is None). Months are named on the server (`month_name`, in the
    reader's language): Plotly.js would name them in English."""
    x = [month.isoformat() for month in months]
    traces = [
        scatter(
            x=x,
            y=list(mine),
            name=labels["mine"],
            mode="lines+markers",
            line={"color": COLOURS["blue"], "width": 3},
            marker={"symbol": "circle", "size": 9},
        ),
        scatter(
            x=x,
            y=list(median),
            name=labels["median"],
            mode="lines+markers",
            line={"color": COLOURS["orange"], "width": 2, "dash": "dash"},
            marker={"symbol": "diamond", "size": 8},
        ),
    ]
    if all(value is None for value in median):
        traces.pop()
    layout = base_layout(y_title=labels["y"])
    layout["yaxis"].update(range=[0, total + 0.5], dtick=1)
    layout["xaxis"].update(tickvals=x, ticktext=[month_name(month) for month in months])
    return figure(traces, layout)


def levels_against_target(
    codes: Sequence[str],
    titles: Sequence[str],
    levels: Sequence[int | None],
    target: int,
    labels: dict[str, str],
    level_words: dict,
) -> Figure:
    """My current level on each competency (None: not assessed yet), with the level the programme aims at."""
    traces = [
        bar(
            x=list(codes),
            y=[level or 0 for level in levels],
            name=labels["mine"],
            marker={"color": COLOURS["blue"]},
            text=[str(level_words[level]) for level in levels],
            textposition="outside",
            hovertext=list(titles),
        ),
        scatter(
            x=list(codes),
            y=[target] * len(codes),
            name=labels["target"],
            mode="markers",
            marker={"color": COLOURS["vermilion"], "symbol": "line-ew-open", "size": 28, "line": {"width": 3}},
        ),
    ]
    layout = base_layout(y_title=labels["y"])
    layout["yaxis"].update(range=[0, 3.6], dtick=1)
    layout["hovermode"] = "closest"
    return figure(traces, layout)
