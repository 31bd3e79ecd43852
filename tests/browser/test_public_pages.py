"""The programmes' public pages in Chromium on the demo data (issue 19): no script, axe-core finds nothing of any
impact at 1280 and 360 px, nothing scrolls sideways on a phone, the print stylesheet applies; and the demo's DWWM
page shows the last complete year's figures, each equal to the dashboard's for the same year and filters."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from bootcamp import dates
from bootcamp.public import figures

from ..conftest import AuthActions, make_app
from ..test_public_figures import assert_demo_equals_dashboard
from .conftest import screenshot

AXE = Axe()
PATHS = ["/p/", "/p/dwwm", "/p/dwwm?lang=en", "/p/dwwm/{site}", "/p/dwwm/embed"]


def _site(page) -> str:
    """The slug of the first site the programme's page links to."""
    page.goto("/p/dwwm")
    href = page.locator("a[href^='/p/dwwm/']:not([href*='embed'])").first.get_attribute("href")
    return href.split("?")[0].rsplit("/", 1)[1]


@pytest.mark.parametrize("path", PATHS)
def test_a_public_page_needs_no_script_and_axe_finds_nothing(page, path: str) -> None:
    url = path.format(site=_site(page)) if "{site}" in path else path
    name = "public" + re.sub(r"[/?=]", "_", url).rstrip("_")
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(url)
        assert page.locator("script").count() == 0
        violations = AXE.run(page, options={"resultTypes": ["violations"]}).response["violations"]
        assert violations == [], "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:5]]}" for v in violations
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, name)
    page.emulate_media(media="print")  # the print stylesheet: no header, no year or site choices, black on white
    if page.locator(".public-header").count():
        assert page.locator(".public-header").evaluate("e => getComputedStyle(e).display") == "none"
    screenshot(page, f"{name}-print")


def test_the_demo_page_shows_the_dashboards_figures_of_the_last_complete_year(page, server) -> None:
    """The page's figures (read off the page) are the JSON's, and those equal the dashboard's exports for the
    programme, each site and each complete year (the manager's own CSVs, another code path)."""
    year = figures.last_complete_year(dates.today())
    document = page.request.get("/p/dwwm.json").json()
    assert document["year"] == year
    page.goto("/p/dwwm")
    values = [re.sub(r"\s", "", text) for text in page.locator("dl.figures dd.value").all_inner_texts()]
    assert len(values) == len(document["figures"])
    for shown, figure in zip(values, document["figures"], strict=True):
        if figure["status"] == "shown" and figure["unit"] == "percent":
            assert shown == f"{figure['value']:.1f}%".replace(".", ","), figure
        elif figure["status"] == "shown":
            assert shown == str(figure["value"]), figure
    assert sum(figure["status"] == "shown" for figure in document["figures"]) >= 10  # the demo's year is full

    app = make_app(server.database)
    client = app.test_client()
    assert AuthActions(client).login("manager@example.org", "demo-bootcamp").status_code == 302
    assert assert_demo_equals_dashboard(app, client, dates.today()) >= 4  # the programme and its three sites
