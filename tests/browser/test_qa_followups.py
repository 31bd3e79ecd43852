"""What QA found on the follow-up pages at 360 and 1280 px (issue 14, points 10 and 13): the queue is a list of
labelled blocks on a phone, its « Saisir » link on screen; on a wide screen an e-mail is not cut mid-word; the
learner's file keeps a long e-mail inside its box."""

import sqlite3

from .conftest import login

RIGHT = "e => e.getBoundingClientRect().right"


def test_the_due_queue_is_labelled_blocks_on_a_phone_with_saisir_on_screen(page) -> None:
    login(page, "manager@example.org")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/outcomes/due")
    first = page.locator("table.due-list").last.locator("tbody tr").first  # the queue, after « À confirmer »
    assert first.get_by_role("link", name="Saisir").evaluate(RIGHT) <= 360  # was in a column off-screen
    labels = first.locator("td[data-label]").evaluate_all(
        "cells => cells.map(cell => getComputedStyle(cell, '::before').content)"
    )
    assert '"Promotion : "' in labels and '"À faire depuis le : "' in labels
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_an_e_mail_of_the_due_queue_stays_on_one_line_on_a_wide_screen(page) -> None:
    login(page, "manager@example.org")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/outcomes/due")
    mail = page.locator("td.contact a[href^='mailto:']").first
    line = mail.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 24")
    assert mail.evaluate("e => e.getClientRects().length") == 1 and mail.bounding_box()["height"] < 1.5 * line


def test_a_long_e_mail_stays_inside_its_box_on_the_learner_file(page, server) -> None:
    login(page, "manager@example.org")
    page.set_viewport_size({"width": 1280, "height": 800})
    with sqlite3.connect(server.database) as connection:
        [longest] = connection.execute("SELECT id FROM learners ORDER BY length(email) DESC, id LIMIT 1").fetchone()
    page.goto(f"/learners/{longest}")
    overflowing = page.locator("dl.facts dd").evaluate_all(
        "items => items.filter(dd => dd.scrollWidth > dd.clientWidth + 1).map(dd => dd.textContent)"
    )
    assert page.locator("dl.facts dd").count() > 3 and overflowing == []
