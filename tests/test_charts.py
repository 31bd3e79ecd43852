"""Every figure from plain numbers, checked against Plotly's schema; no app, no database."""

import ast
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import pytest

from bootcamp.charts import SERIES_COLOURS, to_json
from bootcamp.learners import charts as learner_charts
from bootcamp.reports import charts as report_charts

PACKAGE = Path(__file__).resolve().parent.parent / "bootcamp"
CHART_MODULES = ["charts.py", "reports/charts.py", "learners/charts.py"]


def _valid(figure: dict) -> dict:
    go.Figure(figure)  # Plotly's schema: a wrong property raises ValueError
    assert figure["layout"]["template"] is None  # no template kilobytes
    return figure


@pytest.mark.parametrize("path", CHART_MODULES)
def test_chart_code_imports_only_the_base_and_the_standard_library(path: str) -> None:
    imported = set()
    for node in ast.walk(ast.parse((PACKAGE / path).read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    allowed = {"json", "typing", "collections.abc", "datetime", "..charts"}
    assert imported <= allowed, imported - allowed  # no model, query, Flask or database type


def test_learner_competencies_by_month_and_grades_over_time() -> None:
    labels = {"acquired": "a", "under_way": "u", "not_started": "n", "expected": "e", "median": "m", "y": "c"}
    months = [date(2026, 9, 1), date(2026, 10, 1)]
    figure = _valid(learner_charts.competencies_by_month(months, [0, 2], [1, 3], [None, 1.0], [0.5, 1.5], 8, labels))
    assert [trace["name"] for trace in figure["data"]] == ["a", "u", "n", "e", "m"]
    assert figure["data"][2]["y"] == [7, 3]  # not started: what the other two leave of the 8
    assert figure["layout"]["barmode"] == "stack" and figure["layout"]["xaxis"]["ticktext"] == ["09/2026", "10/2026"]
    alone = learner_charts.competencies_by_month(months, [0, 2], [1, 3], [None, None], [0.5, 1.5], 8, labels)
    assert [trace["name"] for trace in _valid(alone)["data"]] == ["a", "u", "n", "e"]  # no median: no series
    words = {"mine": "moi", "median": "m", "y": "note"}
    grades = _valid(learner_charts.grades_over_time(months, ["A", "B"], [12.5, None], [11.0, 13.0], words))
    assert grades["data"][0]["y"] == [12.5, None] and grades["data"][0]["hovertext"] == ["A", "B"]
    text = to_json(grades)
    assert "<" not in text and len(text) < 3000  # safe inside <script>, and small


def test_rates_by_group() -> None:
    labels = {"employment": "emploi", "positive": "positive", "people": "personnes :"}
    figure = _valid(report_charts.rates_by_group(["2024", "2025"], [50.04, 66.666], [75.0, None], [12, 9], labels))
    employment, positive = figure["data"]
    assert employment["y"] == [50.0, 66.7] and positive["y"] == [75.0, 0]
    assert employment["customdata"] == [12, 9] and employment["x"] == ["2024", "2025"]
    assert positive["marker"]["pattern"]["shape"] == "/"  # not told apart by colour alone
    assert figure["layout"]["yaxis"]["range"] == [0, 100]


def test_path_funnel() -> None:
    figure = _valid(report_charts.path_funnel(["in", "done", "title", "job"], [20, 15, 10, 5], lambda x: f"{x:.0%}"))
    assert figure["data"][0]["x"] == [20, 15, 10, 5]
    assert figure["data"][0]["text"] == ["20 (100%)", "15 (75%)", "10 (50%)", "5 (25%)"]
    nobody = _valid(report_charts.path_funnel(["in", "job"], [0, 0], lambda x: f"{x:.0%}"))
    assert nobody["data"][0]["text"] == ["0", "0"]


def test_situation_mix() -> None:
    series = [(f"s{index}", [10.0, 20.0], [1, 2]) for index in range(12)]  # more series than colours
    figure = _valid(report_charts.situation_mix([2024, 2025], series, {"people": "personnes :"}))
    assert len(figure["data"]) == 12 and figure["data"][0]["x"] == ["2024", "2025"]
    assert figure["data"][10]["marker"]["color"] == SERIES_COLOURS[0]
    assert figure["data"][3]["hovertemplate"].endswith("<extra>s3</extra>")
    assert _valid(report_charts.situation_mix([], series, {"people": ""}))["data"] == []  # no year, no series


def test_shares_against_targets() -> None:
    figure = _valid(
        report_charts.shares_against_targets(
            [("femmes", 25.04, 30.0), ("QPV", 21.0, None)], {"share": "part", "target": "objectif"}
        )
    )
    bars, marks = figure["data"]
    assert bars["x"] == [25.0, 21.0] and marks["y"] == ["femmes"] and marks["x"] == [30.0]
    assert figure["layout"]["height"] == 60 + 34 * 2
