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
