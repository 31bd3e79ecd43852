"""Plain data -> Plotly figures. Knows nothing of Flask or the database; tested with fig.to_dict()."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

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


def to_json(figure: go.Figure) -> str:
    """The figure as JSON for a <script type="application/json"> element (safe inside HTML)."""
    text = json.dumps(figure.to_plotly_json(), cls=PlotlyJSONEncoder, separators=(",", ":"))
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
) -> go.Figure:
    """My acquired competencies month by month, beside the cohort's median. Months are named on the server
    (`month_name`, in the reader's language): Plotly.js would name them in English."""
    months = [point.month.isoformat() for point in points]
    figure = go.Figure(
        [
            go.Scatter(
                x=months,
                y=[point.mine for point in points],
                name=labels["mine"],
                mode="lines+markers",
                line={"color": COLOURS["blue"], "width": 3},
                marker={"symbol": "circle", "size": 9},
            ),
            go.Scatter(
                x=months,
                y=[point.median for point in points],
                name=labels["median"],
                mode="lines+markers",
                line={"color": COLOURS["orange"], "width": 2, "dash": "dash"},
                marker={"symbol": "diamond", "size": 8},
            ),
        ]
    )
    layout = base_layout(y_title=labels["y"])
    layout["yaxis"].update(range=[0, total + 0.5], dtick=1)
    layout["xaxis"].update(tickvals=months, ticktext=[month_name(point.month) for point in points])
    figure.update_layout(layout)
    return figure


@dataclass(frozen=True)
class LevelBar:
    code: str
    title: str
    level: int | None
    target: int


def levels_against_target(bars: Sequence[LevelBar], labels: dict[str, str], level_words: dict) -> go.Figure:
    """My current level on each competency, with the level the programme aims at."""
    codes = [bar.code for bar in bars]
    figure = go.Figure(
        [
            go.Bar(
                x=codes,
                y=[bar.level or 0 for bar in bars],
                name=labels["mine"],
                marker={"color": COLOURS["blue"]},
                text=[str(level_words[bar.level]) for bar in bars],
                textposition="outside",
                hovertext=[bar.title for bar in bars],
            ),
            go.Scatter(
                x=codes,
                y=[bar.target for bar in bars],
                name=labels["target"],
                mode="markers",
                marker={"color": COLOURS["vermilion"], "symbol": "line-ew-open", "size": 28, "line": {"width": 3}},
            ),
        ]
    )
    layout = base_layout(y_title=labels["y"])
    layout["yaxis"].update(range=[0, 3.6], dtick=1)
    layout["hovermode"] = "closest"
    figure.update_layout(layout)
    return figure
