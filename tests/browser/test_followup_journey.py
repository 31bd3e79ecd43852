"""Issue 17's « Done when », in Chromium, on the demo data: `flask followups send` queues the follow-up emails and
the questionnaires due (no SMTP here: they wait in the outbox, links included); an admin reads a follow-up message
on /admin/outbox, its link is opened by the leaver on a 360 px phone (no account), answered, thanked; a manager sees
the answer « à confirmer » on /outcomes/due and confirms it, and the leaver's page then shows it checked. A
satisfaction questionnaire is answered through its link; the unsubscribe page and the page of a dead link too.
Every public page passes axe-core with no violation at all."""

import os
import re
import sqlite3
import subprocess
import sys

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .conftest import ROOT, Traffic, dom_nodes, ecoindex, screenshot

AXE = Axe()
PHONE = {"width": 360, "height": 800}
EMPLOYER = "Causses Numérique (parcours navigateur)"
JOB = "Intégrateur·rice web"
COMMENT = "Très bonne formation, merci (parcours navigateur)."
# Public pages, light by design: an Ecoindex at least this on a first visit (grade A is 80 and up)
LEAST_SCORE = 80


def _flask(server, *args: str) -> str:
    """A `flask` command on the browser tests' database, as cron would run it next to gunicorn."""
    env = {
        **os.environ,
        "FLASK_APP": "wsgi:app",
        "DATABASE_URL": f"sqlite:///{server.database}",
        "SECRET_KEY": "browser-tests",
        "BASE_URL": "http://127.0.0.1",
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("BOOTCAMP_SETTINGS", None)
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    return done.stdout


@pytest.fixture(scope="module")
def questionnaire(server) -> tuple[int, int]:
    """A questionnaire open on the demo's today (a cohort that ended this week) and one of its invited who has
    not answered, made due for a first message again: today's run writes to them. (campaign id, invitation id)"""
    with sqlite3.connect(server.database) as connection:
        invitation, campaign = connection.execute(
            "SELECT i.id, i.campaign_id FROM survey_invitations i"
            " JOIN survey_campaigns c ON c.id = i.campaign_id"
            " WHERE c.closes_on >= date('now') AND NOT i.answered AND i.recipient IS NOT NULL"
            " AND i.unsubscribed_at IS NULL ORDER BY i.id LIMIT 1"
        ).fetchone()
        connection.execute(
            "UPDATE survey_invitations SET messages = 0, first_sent_at = NULL WHERE id = ?", (invitation,)
        )
    return campaign, invitation


@pytest.fixture(scope="module")
def sent(server, questionnaire) -> str:
    """Today's `flask followups send`, once for the module: what it says it queued."""
    said = _flask(server, "followups", "send")
    asked = re.search(r"follow-ups: (\d+) asked, (\d+) reminded; questionnaires: (\d+)", said)
    assert asked and int(asked[1]) + int(asked[2]) > 0, said
    return said


def _no_violation(page) -> None:
    violations = AXE.run(page, options={"resultTypes": ["violations"]}).response["violations"]
    assert violations == [], "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:5]]}" for v in violations
    )


def _link_from_outbox(page, kind: str, path: str, message: int | None = None) -> tuple[str, str]:
    """The newest queued message of `kind` on /admin/outbox (or the message `message`), opened: its recipient and the
    path of its link to `path` (the message's body holds it until it is sent)."""
    if message is None:
        page.goto(f"/admin/outbox?state=queued&kind={kind}")
        page.locator("table tbody tr th a").first.click()
    else:
        page.goto(f"/admin/outbox/{message}")
    expect(page.get_by_role("heading", name="Texte du message")).to_be_visible()
    recipient = page.locator("xpath=//dl[@class='record']/div[dt='À']/dd").inner_text().strip()
    body = page.locator(".brief-text").inner_text()
    found = re.search(rf"https?://[^/\s]+({re.escape(path)}[A-Za-z0-9_-]+)", body)
    assert found, body
    return recipient, found[1]


def _learner_of(server, address: str) -> tuple[str, int]:
    """The follow-up's learner ("LAST First" as /outcomes/due writes it) and their leaver enrolment's cohort."""
    with sqlite3.connect(server.database) as connection:
        name, cohort = connection.execute(
            "SELECT l.last_name || ' ' || l.first_name, e.cohort_id FROM learners l"
            " JOIN enrolments e ON e.learner_id = l.id WHERE coalesce(l.personal_email, l.email) = ?"
            " ORDER BY e.id DESC LIMIT 1",
            (address,),
        ).fetchone()
    return name, cohort


def _dead_link_seen(watch, path: str) -> None:
    """The 404 of a dead link opened on purpose was watched (the response, Chromium's console line): not a problem."""
    answered = [problem for problem in watch.problems if re.fullmatch(rf"404 http://[^/]+{re.escape(path)}", problem)]
    assert len(answered) == 1, watch.problems
    console = "console: Failed to load resource: the server responded with a status of 404 (NOT FOUND)"
    watch.problems[:] = [problem for problem in watch.problems if problem not in (answered[0], console)]


def _weigh(page, path: str) -> str:
    """Open `path` with an empty cache; its Ecoindex on a first visit, at least LEAST_SCORE."""
    traffic = Traffic.watch(page)
    traffic.clear_cache()
    page.goto(path)
    page.wait_for_load_state("networkidle")
    score = ecoindex(dom_nodes(page), traffic.transferred / 1024, traffic.requests)
    figures = f"{path}: {traffic.requests} requests, {traffic.transferred / 1024:.0f} KB, {score.score:.0f}"
    assert score.score >= LEAST_SCORE, figures
    return figures


def test_a_leaver_answers_on_a_phone_and_a_manager_confirms(browser, server, signed_in, watch, sent) -> None:
    staff = browser.new_context(base_url=server.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    staff.on("page", watch.attach)
    staff.add_cookies(signed_in("admin@example.org"))
    admin = staff.new_page()
    recipient, link = _link_from_outbox(admin, "follow_up", "/followup/")
    staff.close()
    name, cohort = _learner_of(server, recipient)

    phone = browser.new_context(base_url=server.url, locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True)
    phone.on("page", watch.attach)
    leaver = phone.new_page()
    leaver.goto(link)
    assert leaver.url == f"{server.url}/followup"  # the token leaves the address bar
    expect(leaver.locator("p.lead")).to_contain_text("où en êtes-vous")
    _weigh(leaver, "/followup")
    _no_violation(leaver)
    assert leaver.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(leaver, "followup-answer")
    leaver.set_viewport_size(PHONE)

    leaver.get_by_label("J'ai un CDI").check()
    leaver.get_by_label("Employeur, entreprise ou organisme de formation").fill(EMPLOYER)
    leaver.get_by_label("Poste occupé ou formation suivie").fill(JOB)
    leaver.get_by_role("group", name="Est-ce un métier du numérique ?").get_by_label("oui").check()
    leaver.get_by_label("Ville").fill("Mende")
    leaver.get_by_role("button", name="Envoyer ma réponse").click()
    expect(leaver.get_by_role("heading", level=1)).to_contain_text("Merci")
    expect(leaver.locator("dl.record")).to_contain_text(EMPLOYER)
    _no_violation(leaver)
    assert leaver.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(leaver, "followup-thanks")
    leaver.set_viewport_size(PHONE)

    desk = browser.new_context(base_url=server.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    desk.on("page", watch.attach)
    desk.add_cookies(signed_in("manager@example.org"))
    manager = desk.new_page()
    manager.goto(f"/outcomes/due?cohort={cohort}")
    to_confirm = manager.locator("section[aria-labelledby='to-confirm'] tbody tr").filter(
        has=manager.get_by_role("link", name=name, exact=True)
    )
    expect(to_confirm).to_have_count(1)
    expect(to_confirm).to_contain_text(EMPLOYER)
    expect(to_confirm).to_contain_text("à confirmer")
    screenshot(manager, "followup-to-confirm")
    to_confirm.get_by_role("button", name="Confirmer").click()
    expect(manager.locator(".flash").first).to_contain_text("confirmée")
    expect(
        manager.locator("section[aria-labelledby='to-confirm'] tbody tr").filter(
            has=manager.get_by_role("link", name=name, exact=True)
        )
    ).to_have_count(0)
    desk.close()

    leaver.reload()  # checked by the school: read-only now
    expect(leaver.get_by_text("vérifiée par l'école")).to_be_visible()
    expect(leaver.get_by_role("button", name="Envoyer ma réponse")).to_have_count(0)
    phone.close()
    assert watch.problems == [], "\n".join(watch.problems)


def test_a_satisfaction_questionnaire_answered_through_its_link(
    browser, server, signed_in, watch, questionnaire, sent
) -> None:
    """A questionnaire open this week (its cohort just ended): the learner answers through the link of today's
    email; the campaign counts one more answer."""
    campaign_id, invitation = questionnaire
    with sqlite3.connect(server.database) as connection:
        [message] = connection.execute("SELECT last_message_id FROM survey_invitations WHERE id = ?", (invitation,))
    staff = browser.new_context(base_url=server.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    staff.on("page", watch.attach)
    staff.add_cookies(signed_in("manager@example.org"))
    manager = staff.new_page()
    campaign = f"/surveys/{campaign_id}"
    manager.goto(campaign)
    answers = manager.locator("dl.facts div").filter(has_text="Réponses").locator("dd")
    before = int(answers.inner_text())
    staff.add_cookies(signed_in("admin@example.org"))  # the same browser, now as the admin
    _recipient, link = _link_from_outbox(manager, "survey", "/survey/", message=message[0])

    phone = browser.new_context(base_url=server.url, locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True)
    phone.on("page", watch.attach)
    learner = phone.new_page()
    learner.goto(link)
    assert learner.url == f"{server.url}/survey"
    expect(learner.get_by_role("heading", level=1)).to_have_text("Votre avis sur la formation")
    _weigh(learner, "/survey")
    _no_violation(learner)
    assert learner.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(learner, "survey-answer")
    learner.set_viewport_size(PHONE)

    scales = learner.locator("form fieldset")
    assert scales.count() >= 4  # overall, trainers, useful, would recommend
    for index in range(scales.count()):
        scales.nth(index).get_by_role("radio", name=re.compile(r"^4")).check()
    learner.get_by_label("Voulez-vous ajouter quelque chose ? (facultatif)").fill(COMMENT)
    learner.get_by_role("button", name="Envoyer mes réponses").click()
    expect(learner.get_by_role("heading", level=1)).to_have_text("Merci pour vos réponses")
    _no_violation(learner)
    screenshot(learner, "survey-thanks")

    staff.add_cookies(signed_in("manager@example.org"))
    manager.goto(campaign)
    expect(answers).to_have_text(str(before + 1))
    staff.close()

    learner.goto(link)  # answered: the link opens nothing any more
    expect(learner.get_by_text("Ce lien n'est plus valable")).to_be_visible()
    _dead_link_seen(watch, link)
    phone.close()
    assert watch.problems == [], "\n".join(watch.problems)


def test_the_unsubscribe_page_and_a_dead_link(browser, server, signed_in, watch, sent) -> None:
    staff = browser.new_context(base_url=server.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    staff.on("page", watch.attach)
    staff.add_cookies(signed_in("admin@example.org"))
    admin = staff.new_page()
    admin.goto("/admin/outbox?state=queued&kind=follow_up")
    admin.locator("table tbody tr th a").last.click()  # another leaver than the journey's (the newest)
    body = admin.locator(".brief-text").inner_text()
    link = re.search(r"https?://[^/\s]+(/unsubscribe/[A-Za-z0-9_-]+)", body)
    assert link, body
    staff.close()

    phone = browser.new_context(base_url=server.url, locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True)
    phone.on("page", watch.attach)
    leaver = phone.new_page()
    leaver.goto(link[1])
    assert leaver.url == f"{server.url}/unsubscribe"
    expect(leaver.get_by_role("heading", level=1)).to_have_text("Ne plus recevoir de messages")
    _no_violation(leaver)
    assert leaver.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(leaver, "unsubscribe")
    leaver.set_viewport_size(PHONE)
    leaver.get_by_role("button", name="Ne plus recevoir de messages").click()
    expect(leaver.get_by_role("status")).to_contain_text("C'est fait")
    _no_violation(leaver)

    dead = "/followup/not-a-real-token-but-long-enough-to-look-like-one"
    leaver.goto(dead)
    expect(leaver.get_by_role("heading", level=1)).to_have_text("Ce lien n'est plus valable")
    _no_violation(leaver)
    assert leaver.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(leaver, "followup-gone")
    _dead_link_seen(watch, dead)
    phone.close()
    assert watch.problems == [], "\n".join(watch.problems)
