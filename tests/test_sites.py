"""Sites come from a list managers keep: one per town whatever the case, accents and spaces; migration 0006
merges the duplicates typed before it."""

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.exc import IntegrityError

from bootcamp import create_app
from bootcamp.extensions import db
from bootcamp.models import AuditEvent, Cohort, Site, site_key
from bootcamp.sites.services import cohort_site_filter, find_site, site_choices

from . import factories
from .conftest import BASE_CONFIG, AuthActions, audit_events, page_form
from .test_setup import empty_database  # noqa: F401 (a fixture: an empty SQLite file or PostgreSQL database)


def test_site_key_ignores_case_accents_and_spaces() -> None:
    assert site_key("Mende") == site_key("  mende ") == site_key("MENDE") == "mende"
    assert site_key("Saint-Génies  de Varensal") == site_key("saint-genies de varensal")
    assert site_key("Rodez") != site_key("Mende")


def test_the_database_refuses_a_second_spelling_of_a_site(app: Flask, world) -> None:
    with app.app_context():
        db.session.add(Site(name=" mendE "))
        with pytest.raises(IntegrityError):
            db.session.flush()


def test_a_site_is_found_and_filtered_by_any_spelling(app: Flask, world) -> None:
    with app.app_context():
        factories.site("Éauze")
        db.session.commit()
        assert find_site("EAUZE").name == "Éauze" and find_site("Millau") is None
        assert [name for _id, name in site_choices()] == ["Éauze", "Mende", "Rodez"]  # accents do not sort last
        for site in ("mende", 1):
            names = db.session.scalars(sa.select(Cohort.name).where(cohort_site_filter(site))).all()
            assert names == ["Mende 2026 automne"]


def test_managers_add_and_rename_sites_once_each(app: Flask, client, auth: AuthActions, world, count_queries) -> None:
    auth.login("manager@example.org")
    form = page_form(client, "/sites/")
    with count_queries() as listing:
        assert client.get("/sites/").status_code == 200
    form["name"] = "  mendé "
    page = client.post("/sites/", data=form).text
    assert 'aria-invalid="true"' in page and "Le site « Mende » existe déjà" in page
    form["name"] = "Saint-Affrique"
    assert client.post("/sites/", data=form).status_code == 302
    with app.app_context():
        site_id = find_site("SAINT-affrique").id
        factories.cohort(at=db.session.get(Site, site_id))
        db.session.commit()
    with count_queries() as more:
        page = client.get("/sites/").text
    assert more.count == listing.count and "Saint-Affrique" in page
    edit = page_form(client, f"/sites/{site_id}/edit")
    edit["name"] = "rodez"
    assert "Le site « Rodez » existe déjà" in client.post(f"/sites/{site_id}/edit", data=edit).text
    edit["name"] = "Saint-Affrique (Aveyron)"
    assert client.post(f"/sites/{site_id}/edit", data=edit).status_code == 302
    assert [(e.action, e.after["name"]) for e in audit_events(app, "site")] == [
        ("create", "Saint-Affrique"),
        ("update", "Saint-Affrique (Aveyron)"),
    ]
    assert client.get("/sites/999/edit").status_code == 404


def test_the_cohort_form_chooses_its_site_from_the_list(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    page = client.get("/cohorts/new").text
    options = '<option value="">—</option><option value="Mende">Mende</option><option value="Rodez">Rodez</option>'
    assert f'name="site" required>{options}</select>' in page
    form = page_form(client, "/cohorts/new")
    form.update(name="Millau 2027", site="Millau", start_date="2027-02-01", end_date="2027-11-19")
    assert client.post("/cohorts/new", data=form).status_code == 200  # refused: not a choice of the list
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Site)) == 2  # no site typed into being
        assert db.session.scalar(sa.select(Cohort.id).where(Cohort.name == "Millau 2027")) is None


def test_cohorts_create_takes_a_site_whatever_its_spelling(app: Flask, runner, world) -> None:
    dates = ["--start", "2027-02-01", "--end", "2027-11-19"]
    ok = runner.invoke(args=["cohorts", "create", "Mende 2027", "--site", " MENDÉ", *dates])
    assert ok.exit_code == 0, ok.output
    unknown = runner.invoke(args=["cohorts", "create", "Millau 2027", "--site", "Millau", *dates])
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
    assert unknown.output.strip().count("\n") == 0 and "aucun site « Millau »" in unknown.output
    with app.app_context():
        sites = db.session.scalars(sa.select(Site.name).join(Cohort).where(Cohort.name.like("%2027"))).all()
        assert sites == ["Mende"] and db.session.scalar(sa.select(sa.func.count()).select_from(Site)) == 2


def _insert_0005_rows(connection: sa.Connection) -> None:
    """Sites as typed before 0006: « Mende » twice used, « mende » once, « MENDE  » never, and Rodez."""
    programme = connection.execute(sa.text("SELECT id FROM programmes")).scalar_one()
    connection.execute(
        sa.text("INSERT INTO sites (id, name) VALUES (1, 'mende'), (2, 'Mende'), (3, 'Rodez'), (4, 'MENDE  ')")
    )
    for cohort_id, site_id in ((1, 2), (2, 1), (3, 2), (4, 3)):
        connection.execute(
            sa.text(
                "INSERT INTO cohorts (id, name, site_id, programme_id, start_date, end_date) "
                "VALUES (:id, :name, :site, :programme, '2025-01-06', '2025-07-04')"
            ),
            {"id": cohort_id, "name": f"Promo {cohort_id}", "site": site_id, "programme": programme},
        )


def test_migration_0006_merges_the_spellings_of_a_site(empty_database: str) -> None:  # noqa: F811
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade(revision="0005_one_time_tokens")
        with db.engine.begin() as connection:
            _insert_0005_rows(connection)
        upgrade()
        sites = db.session.execute(sa.select(Site.id, Site.name, Site.key).order_by(Site.id)).all()
        assert sites == [(2, "Mende", "mende"), (3, "Rodez", "rodez")]  # the most used spelling stays
        cohorts = db.session.execute(sa.select(Cohort.id, Cohort.site_id).order_by(Cohort.id)).all()
        assert cohorts == [(1, 2), (2, 2), (3, 2), (4, 3)]
        events = db.session.execute(
            sa.select(AuditEvent.entity, AuditEvent.entity_id, AuditEvent.action).order_by(AuditEvent.id)
        ).all()
        assert events == [("cohort", 2, "update"), ("site", 1, "delete"), ("site", 4, "delete")]
        db.session.add(Site(name="rodez"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def test_the_page_says_a_rename_keeps_the_cohorts_names(app: Flask, client, auth: AuthActions, world) -> None:
    """It said « renommer un site renomme aussi ses promotions », but a cohort's name is its own: it stays."""
    auth.login("manager@example.org")
    with app.app_context():
        site = find_site("Mende")
        site_id, names = site.id, sorted(cohort.name for cohort in site.cohorts)
    edit = page_form(client, f"/sites/{site_id}/edit")
    edit["name"] = "Mende (Lozère)"
    assert client.post(f"/sites/{site_id}/edit", data=edit).status_code == 302
    with app.app_context():
        assert sorted(cohort.name for cohort in find_site("MENDE (lozere)").cohorts) == names and names
    page = client.get("/sites/").text
    assert "renomme aussi ses promotions" not in page and "le nom des promotions, lui, ne change pas" in page
