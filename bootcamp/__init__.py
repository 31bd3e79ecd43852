"""Bootcamp: follow the cohorts of a digital school, from the first day to the job after."""

from typing import Any

from flask import Blueprint, Flask

from . import cache, config, i18n, security
from .extensions import compress, csrf, db, login_manager, mailman, migrate


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, errors and CLI."""
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = security.BoundedInt
    app.config.from_object(config.Config)
    if test_config is None:
        config.load_overrides(app)
    else:
        app.config.from_mapping(test_config)
    config.finalise(app)

    for extension in (db, csrf, i18n, login_manager, compress, mailman):
        extension.init_app(app)
    migrate.init_app(app, db, directory=str(config.MIGRATIONS), render_as_batch=True)
    from . import cli, errors, templating

    for module in (security, cache, templating, errors, cli):
        module.init_app(app)
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    return app


def blueprints() -> list[Blueprint]:
    """Every feature's blueprint. Each feature defines its blueprint in its views.py; importing a feature's services
    never imports its views."""
    from . import assets
    from .absences import views as absences
    from .attendance import views as attendance
    from .auditlog import views as auditlog
    from .auth import views as auth
    from .cohorts import views as cohorts
    from .competencies import views as competencies
    from .dossier import views as dossier
    from .ecf import views as ecf
    from .exams import views as exams
    from .followups import views as followups
    from .handins import views as handins
    from .learners import views as learners
    from .livret import views as livret
    from .mail import views as mail
    from .outcomes import views as outcomes
    from .placements import tutor_views as tutor
    from .placements import views as placements
    from .printouts import views as printouts
    from .projects import views as projects
    from .public import data_views as public_data
    from .public import edit_views as public_pages
    from .public import views as public
    from .readiness import views as readiness
    from .reports import views as reports
    from .rollcall import views as rollcall
    from .satisfaction import views as satisfaction
    from .sites import views as sites
    from .timetable import views as timetable
    from .users import views as users

    modules = [assets, auditlog, auth, cohorts, competencies, projects, learners, outcomes, reports, sites, users]
    modules += [timetable, attendance, rollcall, absences, printouts, ecf, livret, dossier, exams, readiness]
    modules += [mail, followups, satisfaction, handins, placements, tutor, public, public_data, public_pages]
    return [module.bp for module in modules]
