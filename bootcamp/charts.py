"""Plain data -> Plotly figures, as the plain dicts Plotly.js draws ({"data": [...], "layout": {...}}).

Not plotly.graph_objects: its validation cost 14–37 ms a figure, a third to a half of a page's time. Every
figure is checked against Plotly's schema in the tests instead (plotly refuses a wrong property there).
Knows nothing of Flask or the database.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any


# Okabe-Ito: told apart by colour-blind readers; markers and dashes carry the meaning as well.
COLOURS = {"blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "grey": "#595959", "vermilion": "#D55E00"}
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"


def base_layout(x_title: str = "", y_title: str = "") -> dict:
    """A lean layout (no Plotly template: it would add kilobytes to every figure; the page's
    <figcaption> titles the chart)."""
    return {
        "template": None,
        "font": {"family": FONT, "size": 13, "color": "#1b1b1b"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "height": 320,
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": {"title": {"text": x_title}, "gridcolor": "#e5e5e5", "linecolor": "#595959", "automargin": True},
        "yaxis": {"title": {"text": y_title}, "gridcolor": "#e5e5e5", "linecolor": "#595959", "rangemode": "tozero"},
        "hovermode": "x unified",
    }


Figure = dict[str, Any]


def figure(traces: list[dict], layout: dict) -> Figure:
    return {"data": traces, "layout": layout}


def bar(**properties: Any) -> dict:
    return {"type": "bar", **properties}


def scatter(**properties: Any) -> dict:
    return {"type": "scatter", **properties}


def to_json(figure: Figure) -> str:
    """The figure as JSON for a <script type="application/json"> element (safe inside HTML); lazy
    translated strings become text."""
    text = json.dumps(figure, separators=(",", ":"), ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass(frozen=True)
class MonthPoint:
    month: date  # first day of the month
    mine: int  # competencies at the acquired level or above at the end of the month
    median: float | None  # the cohort's median for the same month


def progress_over_time(
    points: Sequence[MonthPoint],
    total: int,
    labels: dict[str, str],
    month_name: Callable[[date], str] = lambda month: month.strftime("%m/%Y"),
) -> Figure:
    """My acquired competencies month by month, beside the cohort's median when there is one (no median
    series when every point's is None). Months are named on the server (`month_name`, in the reader's
    language): Plotly.js would name them in English."""
    months = [point.month.isoformat() for point in points]
    traces = [
        scatter(
            x=months,
            y=[point.mine for point in points],
            name=labels["mine"],
            mode="lines+markers",
            line={"color": COLOURS["blue"], "width": 3},
            marker={"symbol": "circle", "size": 9},
        ),
        scatter(
            x=months,
            y=[point.median for point in points],
            name=labels["median"],
            mode="lines+markers",
            line={"color": COLOURS["orange"], "width": 2, "dash": "dash"},
            marker={"symbol": "diamond", "size": 8},
        ),
    ]
    if all(point.median is None for point in points):
        traces.pop()
    layout = base_layout(y_title=labels["y"])
    layout["yaxis"].update(range=[0, total + 0.5], dtick=1)
    layout["xaxis"].update(tickvals=months, ticktext=[month_name(point.month) for point in points])
    return figure(traces, layout)


@dataclass(frozen=True)
class LevelBar:
    code: str
    title: str
    level: int | None
    target: int


def levels_against_target(bars: Sequence[LevelBar], labels: dict[str, str], level_words: dict) -> Figure:
    """My current level on each competency, with the level the programme aims at."""
    codes = [item.code for item in bars]
    traces = [
        bar(
            x=codes,
            y=[item.level or 0 for item in bars],
            name=labels["mine"],
            marker={"color": COLOURS["blue"]},
            text=[str(level_words[item.level]) for item in bars],
            textposition="outside",
            hovertext=[item.title for item in bars],
        ),
        scatter(
            x=codes,
            y=[item.target for item in bars],
            name=labels["target"],
            mode="markers",
            marker={"color": COLOURS["vermilion"], "symbol": "line-ew-open", "size": 28, "line": {"width": 3}},
        ),
    ]
    layout = base_layout(y_title=labels["y"])
    layout["yaxis"].update(range=[0, 3.6], dtick=1)
    layout["hovermode"] = "closest"
    return figure(traces, layout)
