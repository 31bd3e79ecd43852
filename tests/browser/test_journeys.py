"""What people do, with clicks and typing, in Chromium: each test fails on a console error, a failed request
or a Content-Security-Policy violation (the `page` fixture)."""

import csv
import re

from playwright.sync_api import expect

from .conftest import login


def _main_text(page) -> str:
    return page.locator("main").inner_text()


def test_a_trainer_changes_three_levels_and_grades_a_project(page, server) -> None:
    cohort, project = server.ids["cohort"], server.ids["project"]
    login(page, "trainer@example.org")
    expect(page).to_have_url(re.compile(r"/cohorts/$"))
    page.locator(f'a[href="/cohorts/{cohort}"]').first.click()
    before = _main_text(page)

    page.locator(f'a[href="/cohorts/{cohort}/competencies"]').first.click()
    boxes = page.locator("input.level")
    changed = {}
    for index in (0, 9, 18):  # three cells of three learners
        box = boxes.nth(index)
        new = str((int(box.input_value() or 0) + 1) % 4)
        box.fill(new)
        changed[box.get_attribute("name")] = new
    page.get_by_role("button", name="Enregistrer les niveaux").click()
    expect(page.locator(".flash-success")).to_contain_text("3 niveaux enregistrés")
    for name, value in changed.items():
        expect(page.locator(f'input[name="{name}"]')).to_have_value(value)

    page.locator(f'a[href="/cohorts/{cohort}/projects"]').first.click()
    page.locator(f'a[href="/projects/{project}/grades"]').first.click()
    score = page.locator('input[name^="score_"]').first
    score.fill("17,5")
    page.get_by_role("button", name="Enregistrer les notes").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator('input[name^="score_"]').first).to_have_value("17,5")

    page.goto(f"/cohorts/{cohort}")
    assert _main_text(page) != before  # the cohort's numbers moved


def test_a_learner_sees_the_charts_drawn_and_their_tables(page) -> None:
    login(page, "learner@example.org")
    expect(page).to_have_url(re.compile(r"/me$"))
    charts = page.locator(".chart-area")
    assert charts.count() >= 2
    for index in range(charts.count()):
        charts.nth(index).scroll_into_view_if_needed()  # each chart is drawn when it comes into view
        expect(charts.nth(index)).to_have_class(re.compile("chart-drawn"))
        assert charts.nth(index).locator("svg.main-svg").count() >= 1  # Plotly's SVG is in the page
        assert charts.nth(index).get_attribute("aria-label")  # a text alternative
    tables = page.locator("figure.chart table")
    assert tables.count() == charts.count()
    assert tables.first.locator("tbody tr").count() >= 1


def test_a_manager_filters_the_dashboard_and_downloads_the_csv(page) -> None:
    login(page, "manager@example.org")
    expect(page).to_have_url(re.compile(r"/insertion$"))
    year = page.locator('fieldset.years input[type="checkbox"]').nth(1)
    year_value = year.get_attribute("value")
    year.check()
    page.get_by_label("Genre").select_option(label="femme")
    page.get_by_role("button", name="Appliquer").click()
    expect(page).to_have_url(re.compile(rf"year={year_value}.*gender=female|gender=female.*year={year_value}"))
    expect(page.locator("fieldset.years input[type='checkbox']").nth(1)).to_be_checked()
    page.locator(".chart-area").first.scroll_into_view_if_needed()
    expect(page.locator(".chart-area").first).to_have_class(re.compile("chart-drawn"))

    with page.expect_download() as download:
        page.get_by_role("link", name="télécharger en CSV").first.click()
    assert download.value.suggested_filename.endswith(".csv")
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["group", "entrants", "dropped"] and rows[1][0] == "all"


def test_a_wrong_password_shows_the_error(page) -> None:
    login(page, "manager@example.org", "not the password")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("alert")).to_contain_text("incorrect")
    expect(page.get_by_label("Adresse e-mail")).to_have_value("manager@example.org")


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focus is on an element matching the selector."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} not reached with Tab")


def test_the_grid_and_the_grading_form_work_with_the_keyboard_alone(page, server) -> None:
    cohort, project = server.ids["cohort"], server.ids["project"]
    login(page, "trainer@example.org")
    page.goto(f"/cohorts/{cohort}/competencies")
    _tab_to(page, "input.level")
    first = page.evaluate("document.activeElement.name")
    old = page.evaluate("document.activeElement.value")
    new_first = str((int(old or 0) + 2) % 4)
    page.keyboard.press("Backspace")
    page.keyboard.type(new_first)
    _tab_to(page, "input.level")
    second = page.evaluate("document.activeElement.name")
    new_second = str((int(page.evaluate("document.activeElement.value") or 0) + 1) % 4)
    page.keyboard.press("Backspace")
    page.keyboard.type(new_second)
    page.keyboard.press("Enter")  # submits the form
    expect(page.locator(".flash-success")).to_contain_text("2 niveaux enregistrés")
    expect(page.locator(f'input[name="{first}"]')).to_have_value(new_first)
    expect(page.locator(f'input[name="{second}"]')).to_have_value(new_second)

    page.goto(f"/projects/{project}/grades")
    _tab_to(page, 'input[name^="score_"]')
    name = page.evaluate("document.activeElement.name")
    page.keyboard.press("Control+A")
    page.keyboard.type("12")
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(f'input[name="{name}"]')).to_have_value("12")


def test_the_footer_switch_puts_the_interface_in_english_and_keeps_it(page) -> None:
    login(page, "learner@example.org")
    switch = page.get_by_role("button", name="English")
    colours = switch.evaluate("b => [getComputedStyle(b).color, getComputedStyle(b.closest('footer')).backgroundColor]")
    assert colours[0] not in ("rgb(255, 255, 255)", colours[1])  # readable on the footer (it was white on white)
    switch.click()
    expect(page).to_have_url(re.compile(r"/me"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text("My progress")
    page.locator(".chart-area").first.scroll_into_view_if_needed()
    expect(page.locator(".chart-area").first).to_have_class(re.compile("chart-drawn"))
    page.reload()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
