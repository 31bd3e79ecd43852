"""The trainer's roster and grid on a phone (QA of issue 14): the caption of a table that scrolls sideways stays
readable on screen; names open the learner overview."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import login, screenshot


@pytest.mark.parametrize("tab", ["", "/competencies"])
def test_a_wide_tables_caption_stays_on_a_phones_screen(page, server, tab: str) -> None:
    login(page, "trainer@example.org")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/cohorts/{server.ids['cohort']}{tab}")
    caption = page.locator(".table-wrap > table > caption").first
    expect(caption).to_be_visible()
    box = caption.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator(".table-wrap").first.evaluate("wrap => wrap.scrollLeft = 400")  # scrolled: still there
    box = caption.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, box


def test_a_name_on_the_roster_opens_the_learner_overview(page, server) -> None:
    login(page, "trainer@example.org")
    page.goto(f"/cohorts/{server.ids['cohort']}")
    row = page.locator("table.roster tbody tr").first
    name = row.locator("th a").inner_text()
    row.locator("th a").click()
    expect(page).to_have_url(re.compile(rf"/cohorts/{server.ids['cohort']}/learners/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name.split()[-1])  # « Last First » → « First Last »
    screenshot(page, "learner-overview")
