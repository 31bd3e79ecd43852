"""A learner's year in Chromium: where they stand against the calendar, a brief read from /me, their data in
words; nothing scrolls sideways on a 360 px phone and the wide tables read as labelled blocks there."""

import re

from playwright.sync_api import expect

from .conftest import login


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_learner_reads_a_brief_and_their_data_on_a_phone(page, server) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    login(page, "learner@example.org")
    expect(page).to_have_url(re.compile(r"/me$"))
    main = page.locator("main")
    expect(main).to_contain_text("Attendu à cette date")
    expect(main).to_contain_text("en cours (imiter)")
    assert _width(page) <= 360, f"/me is {_width(page)} px wide at 360 px"
    returned = page.locator("section[aria-labelledby=projects] td[data-label='Retour']").first
    expect(returned).to_be_visible()  # the « Retour » column, once cut off, reads in its block
    box = returned.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    label = returned.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert "Retour" in label  # each value says what it is

    page.locator("section[aria-labelledby=projects] table a").first.click()
    expect(page).to_have_url(re.compile(r"/me/projects/\d+$"))
    expect(page.get_by_role("heading", name="Livrables attendus")).to_be_visible()
    expect(main.locator("form")).to_have_count(1)  # the brief is read only; the one form hands my work in
    expect(main.locator("form")).to_have_attribute("action", re.compile(r"/me/projects/\d+/hand-in$"))
    assert _width(page) <= 360, f"the brief is {_width(page)} px wide at 360 px"

    page.locator(".breadcrumb a").click()
    page.get_by_role("link", name="Lire et imprimer toutes mes données").click()
    expect(page).to_have_url(re.compile(r"/me/data$"))
    expect(page.get_by_role("heading", name="Mon dossier")).to_be_visible()
    assert _width(page) <= 360, f"/me/data is {_width(page)} px wide at 360 px"
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()  # printed without the navigation


def test_the_learner_s_charts_are_drawn_with_their_tables(page, server) -> None:
    login(page, "learner@example.org")
    for chart in ("chart-progress", "chart-grades"):
        area = page.locator(f"#{chart}")
        area.scroll_into_view_if_needed()
        area.locator("svg.main-svg").first.wait_for(state="attached")
        expect(area.locator("xpath=..").locator("table")).to_have_count(1)  # every chart has its table
    assert page.locator("#chart-progress .legendtext").filter(has_text="rythme attendu").count() == 1
