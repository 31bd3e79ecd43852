"""The public pages (/p/): the published programmes, a programme's page and its sites' variants, the fragment other
websites embed, and the page as managers preview it (public/rendering.py render_page)."""

import re
from datetime import date
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask
from markupsafe import Markup

from bootcamp import dates
from bootcamp.extensions import db
from bootcamp.models import DropoutReason, EnrolmentStatus, ProgrammePage, Site
from bootcamp.public import figures
from bootcamp.public.rendering import render_page

from . import factories
from .conftest import AuthActions

TODAY = date(2026, 3, 2)  # the last complete year is 2025
NO_SCRIPT = re.compile(r"<script", re.IGNORECASE)


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    monkeypatch.setattr(dates, "today", lambda: TODAY)
    return TODAY


def _flat(html: str) -> str:
    """The HTML with its spaces as one plain space each (Babel writes narrow no-break spaces in numbers)."""
    return re.sub(r"\s+", " ", html.replace("\u202f", " ").replace("\xa0", " "))


def _words(html: str) -> str:
    """What the page reads as: its text without the tags, spaces flattened."""
    return _flat(unescape(re.sub(r"<[^>]+>", " ", html)))


def _cohort(site_name: str, start: date, end: date, finished: int, dropped: int) -> None:
    """A cohort of `site_name` (made if new) with `finished` learners who finished and `dropped` who dropped out."""
    site = db.session.scalar(sa.select(Site).where(Site.name == site_name))
    cohort = factories.cohort(f"{site_name} {start.year}", at=site or factories.site(site_name), start=start, end=end)
    for number in range(finished + dropped):
        enrolment = factories.learner(cohort).enrolments[0]
        if number < dropped:
            enrolment.status, enrolment.exit_date = EnrolmentStatus.DROPPED, start.replace(month=4)
            enrolment.dropout_reason = DropoutReason.JOB
        else:
            enrolment.status, enrolment.exit_date = EnrolmentStatus.FINISHED, end


@pytest.fixture
def two_sites(app: Flask) -> int:
    """The DWWM page published, cohorts of 2025 at Florac (4 finished, 2 dropped) and Alès (5 finished), and one of
    2024 at Florac (5 finished): the programme's id."""
    with app.app_context():
        programme = factories.dwwm()
        factories.programme_page(programme)
        _cohort("Florac", date(2025, 1, 6), date(2025, 10, 31), finished=4, dropped=2)
        _cohort("Alès", date(2025, 2, 3), date(2025, 11, 28), finished=5, dropped=0)
        _cohort("Florac", date(2024, 1, 8), date(2024, 10, 31), finished=5, dropped=0)
        db.session.commit()
        return programme.id


def test_the_published_page_shows_its_information_and_results(client, world) -> None:
    response = client.get("/p/dwwm")
    assert response.status_code == 200
    page = _flat(response.text)
    assert "<h1>Développeur web et web mobile</h1>" in page and page.count("<h1") == 1
    for text in ("RNCP37674", "Ministère du Travail", "21 juillet 2023", "Devenir développeur·se web en dix mois.",
                 "Concevoir et développer des applications web.", "Locaux accessibles ; référente handicap.",
                 "<h3>Accessibilité aux personnes en situation de handicap</h3>", "Licence Ouverte 2.0 (Etalab)"):
        assert text in page, text
    with client.application.test_request_context("/p/dwwm"):
        names, meanings = figures.names(), figures.meanings()
    for code in figures.CODES:
        assert _flat(str(Markup.escape(names[code]))) in page, code
        assert _flat(str(Markup.escape(meanings[code]))) in page, code
    assert "<h2 id=\"results\">Résultats 2025</h2>" in page
    assert "Promotions entrées en formation en 2025. Chiffres" in page and "calculés le 2 mars 2026" in page
    assert "ne compte que les personnes sorties de formation depuis 6 mois au moins" in page
    assert "moins de 5 personnes n'est pas publié" in page  # the rule, stated once
    assert "non mesuré" in page  # nobody entered in 2025 in the world
    assert 'href="http://127.0.0.1:5000/p/dwwm.json"' in page and 'href="http://127.0.0.1:5000/p/dwwm.csv"' in page
    assert response.headers["Cache-Control"] == "public, max-age=600"


def test_the_small_group_rule_hides_the_world_s_two_learners(client, world, monkeypatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: date(2027, 2, 1))  # the world's cohorts started in 2026
    page = _flat(client.get("/p/dwwm").text)
    assert "Résultats 2026" in page
    assert page.count("moins de 5 personnes : non publié") == len(figures.CODES) + 1  # two blocks
    assert "N = " not in page


def test_texts_are_shown_as_written_escaped_with_their_line_breaks(app: Flask, client, world) -> None:
    with app.app_context():
        page = db.session.scalars(sa.select(ProgrammePage)).one()
        page.objectives = "Première ligne\n<script>alert(1)</script> & <b>gras</b>"
        page.price = ""
        db.session.commit()
    html = client.get("/p/dwwm").text
    escaped = "Première ligne\n&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;gras&lt;/b&gt;"
    assert f'<p class="text">{escaped}</p>' in html  # a line break kept: shown by CSS (white-space: pre-line)
    assert "<h3>Tarif</h3>" not in html  # an empty text has no heading
    assert not NO_SCRIPT.search(html)


@pytest.mark.parametrize(
    "path,status",
    [
        ("/p/nothing", 404),
        ("/p/dwwm/nowhere", 404),
        ("/p/dwwm/embed?site=nowhere", 404),
        ("/p/nothing/embed", 404),
        ("/p/dwwm?year=2019", 404),
        ("/p/dwwm?year=2026", 404),  # not complete yet
        ("/p/dwwm?year=deux-mille", 400),
        ("/p/dwwm?year=99999", 400),
        ("/p/dwwm/mende?year=1", 404),
        ("/p/dwwm/embed?year=x", 400),
        ("/p/dwwm/embed?site=" + "x" * 300, 400),
    ],
)
def test_unknown_pages_sites_and_years_answer_4xx(client, world, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in response.headers[
        "Content-Security-Policy"
    ]


def test_an_unpublished_page_answers_404_everywhere(app: Flask, client, world) -> None:
    with app.app_context():
        db.session.scalars(sa.select(ProgrammePage)).one().published = False
        db.session.commit()
    for path in ("/p/dwwm", "/p/dwwm/mende", "/p/dwwm/embed"):
        assert client.get(path).status_code == 404, path
    page = client.get("/p/").text
    assert "/p/dwwm" not in page and "Aucune formation n'est publiée pour le moment." in page


def test_the_index_lists_the_published_programmes_and_their_sites(client, world, count_queries) -> None:
    with count_queries() as counted:
        response = client.get("/p/")
    page = _flat(response.text)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "public, max-age=600"
    assert '<a href="/p/dwwm">Développeur web et web mobile</a>' in page and "RNCP37674 · niveau 5" in page
    assert '<a href="/p/dwwm/mende">Mende</a>, <a href="/p/dwwm/rodez">Rodez</a>' in page
    assert counted.count == 2, counted.statements  # the pages with their programmes, their sites


def test_the_year_selector_links_every_year_and_marks_this_one(client, two_sites) -> None:
    page = client.get("/p/dwwm").text
    assert '<a href="/p/dwwm" aria-current="page">2025</a>' in page
    assert '<a href="/p/dwwm?year=2024">2024</a>' in page
    earlier = _flat(client.get("/p/dwwm?year=2024").text)
    assert '<a href="/p/dwwm">2025</a>' in earlier and 'aria-current="page">2024</a>' in earlier
    assert "Résultats 2024" in earlier and "Promotions entrées en formation en 2024" in earlier
    site = client.get("/p/dwwm/ales").text
    assert '<a href="/p/dwwm/ales" aria-current="page">2025</a>' not in site  # Alès has one year: no selector
    assert 'aria-label="Résultats des autres années"' not in site
    assert '<a href="/p/dwwm/florac?year=2024">2024</a>' in client.get("/p/dwwm/florac").text
    assert client.get("/p/dwwm/ales?year=2024").status_code == 404  # no cohort of Alès started in 2024


def test_a_site_s_variant_shows_its_own_cohorts(client, two_sites) -> None:
    whole, florac, ales = (client.get(path).text for path in ("/p/dwwm", "/p/dwwm/florac", "/p/dwwm/ales"))
    assert "Personnes entrées en formation 11 Personnes entrées" in _words(whole)
    assert "Taux d'achèvement 81,8 % 9 sur 11 personnes" in _words(whole)
    assert "Taux d'abandon 18,2 % 2 sur 11 personnes" in _words(whole)
    assert "Personnes entrées en formation 6 Personnes entrées" in _words(florac)
    assert "Taux d'achèvement 66,7 % 4 sur 6 personnes" in _words(florac)
    assert "Taux d'abandon 33,3 % 2 sur 6 personnes" in _words(florac)
    assert "Taux d'achèvement 100,0 % 5 sur 5 personnes" in _words(ales)
    assert "Taux d'abandon 0,0 % 0 sur 5 personnes" in _words(ales)
    assert "Site de Florac" in florac and "Résultats 2025 — Florac" in florac
    assert '<a href="/p/dwwm/florac" aria-current="page">Florac</a>' in florac
    assert '<a href="/p/dwwm">Toute la formation</a>' in florac and '<a href="/p/dwwm/ales">Alès</a>' in florac


def test_the_page_s_figures_are_the_computed_ones(app: Flask, client, two_sites) -> None:
    with app.app_context():
        results = figures.results(two_sites, None, 2025, TODAY)
    page = _flat(client.get("/p/dwwm").text)
    completion = results.figure("completion_rate")
    assert (completion.numerator, completion.denominator) == (9, 11)
    assert f"{completion.numerator} sur {completion.denominator} personnes" in page


def test_english_keeps_the_managers_texts_marked_french(client, world) -> None:
    response = client.get("/p/dwwm?lang=en")
    page = _flat(response.text)
    assert '<html lang="en">' in page and "Skip to content" in page
    assert '<h1 lang="fr">Développeur web et web mobile</h1>' in page
    assert '<p class="text" lang="fr">Concevoir et développer des applications web.</p>' in page
    assert '<dd lang="fr">Ministère du Travail</dd>' in page
    assert '<meta property="og:locale" content="en_GB">' in page
    assert '<link rel="canonical" href="http://127.0.0.1:5000/p/dwwm?lang=en">' in page
    assert '<a href="http://127.0.0.1:5000/p/dwwm" lang="fr" hreflang="fr">Français</a>' in page
    assert '<a href="/p/dwwm/mende?lang=en">Mende</a>' in page  # the language is kept from page to page
    french = _flat(client.get("/p/dwwm").text)
    assert ' lang="fr"' not in french.replace('<html lang="fr">', "")
    assert '<a href="http://127.0.0.1:5000/p/dwwm?lang=en" lang="en" hreflang="en">English</a>' in french


def test_the_head_has_title_description_open_graph_and_alternates(client, two_sites) -> None:
    page = _flat(client.get("/p/dwwm/florac?year=2024").text)
    url = "http://127.0.0.1:5000/p/dwwm/florac?year=2024"
    for tag in (
        "<title>Développeur web et web mobile — Florac · résultats 2024 — École numérique des Causses (démo)</title>",
        '<meta name="description" content="Devenir développeur·se web en dix mois.">',
        '<meta property="og:title" content="Développeur web et web mobile — Florac">',
        '<meta property="og:description" content="Devenir développeur·se web en dix mois.">',
        '<meta property="og:type" content="website">',
        f'<meta property="og:url" content="{url}">',
        '<meta property="og:locale" content="fr_FR">',
        '<meta property="og:site_name" content="École numérique des Causses (démo)">',
        f'<link rel="canonical" href="{url}">',
        f'<link rel="alternate" hreflang="fr" href="{url}">',
        f'<link rel="alternate" hreflang="en" href="{url}&amp;lang=en">',
    ):
        assert tag in page, tag
    assert "noindex" not in page  # a published page is for search engines
    for kind in ("json", "csv"):  # the open data of the same site and year
        data = f"http://127.0.0.1:5000/p/dwwm.{kind}?site=florac&amp;year=2024"
        assert f'<a class="printed" href="{data}">{kind.upper()}</a>' in page
        assert client.get(unescape(data)).status_code == 200


def test_an_empty_summary_gives_a_generated_description(app: Flask, client, world) -> None:
    with app.app_context():
        db.session.scalars(sa.select(ProgrammePage)).one().summary = ""
        db.session.commit()
    page = _flat(client.get("/p/dwwm").text)
    assert (
        '<meta name="description" content="Développeur web et web mobile (École numérique des Causses (démo)) : '
        "objectifs, prérequis, durée, accès, tarif, accessibilité et résultats 2025" in page
    )


def test_no_public_page_has_a_script_or_an_outside_resource(client, two_sites) -> None:
    for path in ("/p/", "/p/dwwm", "/p/dwwm/florac", "/p/dwwm?lang=en", "/p/dwwm/embed", "/p/dwwm/embed?site=ales"):
        html = client.get(path).text
        assert not NO_SCRIPT.search(html), path
        assert not re.search(r'(src|rel="stylesheet" href|rel="icon" href)="(https?:)?//', html), path


def test_the_embed_may_be_framed_by_the_configured_sites_only(app: Flask, client, two_sites) -> None:
    app.config["PUBLIC_EMBED_FRAME_ANCESTORS"] = "https://www.ecole.example https://*.ecole.example"
    response = client.get("/p/dwwm/embed?site=florac")
    assert response.status_code == 200 and "X-Frame-Options" not in response.headers
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://www.ecole.example https://*.ecole.example;" in policy
    assert "frame-ancestors 'none'" not in policy and "script-src 'self'" in policy
    page = _flat(response.text)
    assert page.startswith("<!doctype html>") and "Développeur web et web mobile</span> — Florac" in page
    assert "Taux d'achèvement 66,7 % 4 sur 6 personnes" in _words(response.text) and "calculés le 2 mars 2026" in page
    assert (
        '<a href="http://127.0.0.1:5000/p/dwwm/florac" target="_blank" rel="noopener">Voir la page complète</a>'
        in page
    )
    assert "Licence Ouverte 2.0 (Etalab)" in page
    for path in ("/p/", "/p/dwwm", "/p/dwwm/florac", "/login"):
        other = client.get(path)
        assert other.headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in other.headers["Content-Security-Policy"], path


def test_logged_in_people_get_no_store(client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    response = client.get("/p/dwwm")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_a_page_not_saved_yet_is_previewed_with_its_banner_and_not_indexed(app: Flask, world) -> None:
    with app.test_request_context("/"):
        programme = factories.dwwm()
        draft = ProgrammePage(programme=programme, slug="brouillon", summary="", objectives="Objectifs à venir")
        html = render_page(draft, None, 2025, preview=Markup('<p class="preview">Aperçu : non publié</p>'))
        assert draft not in db.session
        by_id = render_page(ProgrammePage(programme_id=programme.id, slug="autre", prerequisites="Aucun"), None, 2025)
    page = _flat(html)
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert '<main id="content" tabindex="-1"> <p class="preview">Aperçu : non publié</p><h1>' in page
    assert "Objectifs à venir" in page and "Licence Ouverte 2.0 (Etalab)" in page and "/p/brouillon.json" in page
    assert "<h3>Prérequis</h3>" not in page
    assert "Aucun" in by_id and "<h1>Développeur web et web mobile</h1>" in by_id and "noindex" not in by_id


def test_the_pages_run_a_fixed_number_of_queries(app: Flask, client, two_sites, count_queries) -> None:
    with app.app_context(), count_queries() as whole:
        figures.results(two_sites, None, 2025, TODAY)
    with app.app_context():
        florac = db.session.scalar(sa.select(Site).where(Site.name == "Florac"))  # loaded, as the view has it
        with count_queries() as one_site:
            figures.results(two_sites, florac.id, 2024, TODAY)
    with count_queries() as first:
        client.get("/p/dwwm")
    with count_queries() as again:
        client.get("/p/dwwm")
    with count_queries() as site:
        client.get("/p/dwwm/florac?year=2024")
    with count_queries() as embedded:
        client.get("/p/dwwm/embed?site=florac&year=2024")
    with app.app_context():
        _cohort("Mende", date(2025, 3, 3), date(2025, 12, 19), finished=8, dropped=3)
        db.session.commit()
    with count_queries() as more:
        client.get("/p/dwwm")
    # the page and its programme, the years, the sites, the data version, then the figures (figures.results)
    assert first.count == more.count == 4 + whole.count, more.statements
    assert again.count == 4, again.statements  # the figures kept until the next write
    assert site.count == 5 + one_site.count, site.statements  # and the site by its slug
    # the page, the site, the years, the data version, the figures
    assert embedded.count == 4 + one_site.count, embedded.statements
    assert whole.count <= 5 and one_site.count <= 5  # figures.results: a few queries whatever the data
