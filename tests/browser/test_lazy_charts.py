"""Charts are drawn when they come into view, one at a time, and Plotly.js is fetched only then (issue 14.19:
on a slow phone, drawing every chart at load blocked the page for seconds)."""

import re

from playwright.sync_api import expect

from .conftest import login

IN_VIEW = "e => { const r = e.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; }"


def test_plotly_waits_for_a_chart_in_view_and_only_charts_in_view_are_drawn(page) -> None:
    login(page, "manager@example.org")
    page.set_viewport_size({"width": 360, "height": 640})
    fetched: list[str] = []
    page.on("request", lambda request: "/vendor/plotly.min.js" in request.url and fetched.append(request.url))
    page.goto("/insertion")
    page.wait_for_load_state("networkidle")
    charts = page.locator(".chart-area")
    assert charts.count() >= 3
    assert not any(charts.nth(index).evaluate(IN_VIEW) for index in range(charts.count()))  # rates come first
    assert fetched == [] and page.locator(".chart-drawn").count() == 0

    last = charts.nth(charts.count() - 1)
    last.scroll_into_view_if_needed()
    expect(last).to_have_class(re.compile("chart-drawn"))
    assert len(fetched) == 1
    assert charts.first.get_attribute("class") == "chart-area"  # never in view: not drawn
    charts.first.scroll_into_view_if_needed()
    expect(charts.first).to_have_class(re.compile("chart-drawn"))
    assert len(fetched) == 1  # fetched once for the page


def test_on_a_phone_every_legend_stays_inside_its_chart(page) -> None:
    """A ten-entry legend (situations by year) took a line per entry at 360 px and ran over the table under it."""
    login(page, "manager@example.org")
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto("/insertion")
    charts, legends = page.locator(".chart-area"), 0
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        expect(chart).to_have_class(re.compile("chart-drawn"))
        if chart.locator("g.legend").count() == 0:  # a single series: no legend
            continue
        box, legend = chart.bounding_box(), chart.locator("g.legend").bounding_box()
        assert legend["y"] + legend["height"] <= box["y"] + box["height"] + 1, index
        assert legend["x"] >= box["x"] - 1
        legends += 1
    assert legends >= 2
