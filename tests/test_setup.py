"""Migrations, the shipped framework, configuration and the instance folder."""

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import check, downgrade, upgrade

from bootcamp import config, create_app
from bootcamp.extensions import db
from bootcamp.frameworks import DWWM, read_framework
from bootcamp.models import Block, Competency, Programme

from .conftest import BACKENDS, BASE_CONFIG, make_app, postgres_url


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database: a SQLite file, or a new PostgreSQL database when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    url = sa.engine.make_url(postgres_url())
    name = f"bootcamp_empty_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_match_the_models(empty_database: str) -> None:
    """`flask db upgrade` on an empty database, then `flask db check` finds no difference (SQLite and PostgreSQL)."""
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade()
        check()  # raises when the models and the migrations differ; the next test shows it does
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Competency)) == 8
        db.session.remove()
        db.engine.dispose()


def test_db_check_reports_a_model_the_migrations_lack(tmp_path) -> None:
    app = make_app(tmp_path / "empty.sqlite")
    runner = app.test_cli_runner()
    runner.invoke(args=["db", "upgrade"])
    probe = sa.Table("probe_table", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
    try:
        result = runner.invoke(args=["db", "check"])
    finally:
        db.metadata.remove(probe)
    assert result.exit_code != 0


def test_downgrade_to_empty_and_back(tmp_path) -> None:
    app = make_app(tmp_path / "cycle.sqlite")
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Competency)) == 8
        db.engine.dispose()


def test_dwwm_framework_is_present_after_upgrade(app: Flask) -> None:
    expected = read_framework(DWWM)
    with app.app_context():
        programme = db.session.scalars(sa.select(Programme)).one()
        assert (programme.rncp_code, programme.short_name, programme.acquired_level) == ("RNCP37674", "DWWM", 2)
        assert [block.code for block in programme.blocks] == ["RNCP37674BC01", "RNCP37674BC02"]
        titles = [c.title for block in programme.blocks for c in block.competencies]
    assert titles == [c["title"] for block in expected["blocks"] for c in block["competencies"]]
    assert titles[0] == "Installer et configurer son environnement de travail en fonction du projet web ou web mobile"
    assert titles[7] == "Documenter le déploiement d'une application dynamique web ou web mobile"


def test_sqlite_connections_enforce_foreign_keys(sqlite_app: Flask) -> None:
    app = sqlite_app
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path) -> None:
    app = Flask("probe", instance_path=str(tmp_path / "instance"))
    config.finalise(app)
    key = app.config["SECRET_KEY"]
    secret_file = tmp_path / "instance" / "secret_key"
    assert len(key) == 64 and secret_file.read_text() == key
    assert oct(secret_file.stat().st_mode & 0o777) == "0o600"
    again = Flask("probe", instance_path=str(tmp_path / "instance"))
    config.finalise(again)
    assert again.config["SECRET_KEY"] == key
    assert again.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'bootcamp.sqlite'}"


def test_instance_config_then_environment_override_defaults(tmp_path, monkeypatch) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        'SQLALCHEMY_DATABASE_URI = "sqlite:///from-file.sqlite"\nDEMO_PASSWORD = "from the file"\n'
    )
    app = Flask("probe", instance_path=str(instance), instance_relative_config=True)
    app.config.from_object(config.Config)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-env.sqlite")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("BASE_URL", "https://bootcamp.example.org")  # required outside tests and debugging
    config.load_overrides(app)
    config.finalise(app)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///from-env.sqlite"
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["DEMO_PASSWORD"] == "from the file"
    assert not (instance / "secret_key").exists()


def test_blocks_and_competencies_are_ordered(app: Flask) -> None:
    with app.app_context():
        positions = db.session.execute(
            sa.select(Block.position, Competency.position).join(Competency).order_by(Competency.id)
        ).all()
    assert positions == [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 3), (2, 4)]
