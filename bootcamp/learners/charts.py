"""The learner's figures, from plain numbers: my competencies month by month against the calendar, my grades."""

from collections.abc import Callable, Sequence
from datetime import date

from ..charts import COLOURS, Figure, bar, base_layout, figure, scatter


def competencies_by_month(
    months: Sequence[date],
    acquired: Sequence[int],
    under_way: Sequence[int],
    median: Sequence[float | None],
    expected: Sequence[float],
    total: int,
    labels: dict[str, str],
    month_name: Callable[[date], str] = lambda month: month.strftime("%m/%Y"),
) -> Figure:
    """My competencies at each month's end as stacked bars (acquired, under way, not started: they add up to
    `total`), with the pace the calendar expects and the cohort's median of acquired competencies (no median
    series when every month's is None). Patterns as well as colours tell the bars apart."""
    x = [month.isoformat() for month in months]
    not_started = [total - done - started for done, started in zip(acquired, under_way)]
    stacks = (
        (labels["acquired"], acquired, COLOURS["blue"], ""),
        (labels["under_way"], under_way, "#56B4E9", "/"),
        (labels["not_started"], not_started, "#dddddd", "."),
    )
    traces = [
        bar(x=x, y=list(values), name=name, marker={"color": colour, "pattern": {"shape": shape}})
        for name, values, colour, shape in stacks
    ]
    traces.append(_line(x, expected, labels["expected"], COLOURS["grey"], "dot", "square"))
    if any(value is not None for value in median):
        traces.append(_median(x, median, labels["median"]))
    layout = base_layout(y_title=labels["y"])
    layout["barmode"] = "stack"
    layout["yaxis"].update(range=[0, total + 0.5], dtick=max(1, total // 8))
    layout["xaxis"].update(tickvals=x, ticktext=[month_name(month) for month in months])
    return figure(traces, layout)


def grades_over_time(
    due_dates: Sequence[date],
    titles: Sequence[str],
    mine: Sequence[float | None],
    median: Sequence[float | None],
    labels: dict[str, str],
    day_name: Callable[[date], str] = lambda day: day.strftime("%d/%m"),
) -> Figure:
    """My score on each graded brief by its due date (its title on hover), beside the cohort's median score, out
    of 20 (no median series when every brief's is None; a brief I have no score on leaves a gap in my line).
    Days are named on the server (`day_name`, in the reader's language)."""
    x = [day.isoformat() for day in due_dates]
    traces = [
        scatter(
            x=x,
            y=list(mine),
            hovertext=list(titles),
            name=labels["mine"],
            mode="lines+markers",
            line={"color": COLOURS["blue"], "width": 3},
            marker={"symbol": "circle", "size": 9},
        )
    ]
    if any(value is not None for value in median):
        traces.append(_median(x, median, labels["median"]))
    layout = base_layout(y_title=labels["y"])
    layout["yaxis"].update(range=[0, 20.5], dtick=5)
    layout["xaxis"].update(tickvals=x, ticktext=[day_name(day) for day in due_dates])
    return figure(traces, layout)


def _line(x: list[str], y: Sequence[float | None], name: str, colour: str, dash: str, symbol: str) -> dict:
    """A thin dashed or dotted line with markers: a reference beside my own series."""
    return scatter(
        x=x,
        y=list(y),
        name=name,
        mode="lines+markers",
        line={"color": colour, "width": 2, "dash": dash},
        marker={"symbol": symbol, "size": 8},
    )


def _median(x: list[str], median: Sequence[float | None], name: str) -> dict:
    """The cohort's median, drawn the same way on every chart of the learner."""
    return _line(x, median, name, COLOURS["orange"], "dash", "diamond")
