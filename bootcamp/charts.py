"""The base of every chart: palette, layout, traces and JSON, as the plain dicts Plotly.js draws
({"data": [...], "layout": {...}}). Each feature's figures live beside it (reports/charts.py, learners/charts.py)
and are built from plain numbers.

Not plotly.graph_objects: its validation cost 14–37 ms a figure, a third to a half of a page's time. Every
figure is checked against Plotly's schema in the tests instead (plotly refuses a wrong property there).
Knows nothing of Flask or the database.
"""

import json
from typing import Any

# Okabe-Ito: told apart by colour-blind readers; markers and dashes carry the meaning as well.
COLOURS = {"blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "grey": "#595959", "vermilion": "#D55E00"}
# One colour and one pattern per series when there are many (the situations): Okabe-Ito, then greys.
SERIES_COLOURS = [
    "#0072B2", "#56B4E9", "#009E73", "#F0E442", "#E69F00", "#CC79A7", "#D55E00", "#999999", "#595959", "#dddddd",
]  # fmt: skip
SERIES_PATTERNS = ["", "/", "", "x", "", ".", "", "\\", "-", "+"]
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
        # at the foot of the figure, under the axis labels whatever their length (Plotly makes room for it)
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "yref": "container", "y": 0, "yanchor": "bottom"},
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
