"""Template helpers: content-hashed static URLs, labels, wording (« d'Étienne »), the navigation of each role."""

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, current_app, url_for
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from .access import PERMISSIONS, Action, can, private_label
from .assets import plotly_css_url, plotly_style_guards, plotly_url
from .labels import label, level_label
from .models import Role
from .wording import of_name

# The links of the navigation, in order, each with the action (access.PERMISSIONS) its page needs; a role sees
# the first link of each endpoint it may follow (« Promotions » for those who manage every cohort).
LINKS = [
    ("learners.me", Action.SEE_OWN_PROGRESS, _l("Ma progression")),
    ("reports.dashboard", Action.SEE_REPORTS, _l("Insertion")),
    ("outcomes.due", Action.FOLLOW_OUTCOMES, _l("Relevés à faire")),
    ("cohorts.index", Action.MANAGE_COHORTS, _l("Promotions")),
    ("cohorts.index", Action.TEACH, _l("Mes promotions")),
    ("timetable.closures", Action.MANAGE_COHORTS, _l("Fermetures")),
    ("exams.index", Action.MANAGE_EXAMS, _l("Sessions d'examen")),
    ("satisfaction.index", Action.MANAGE_SURVEYS, _l("Questionnaires")),
    ("public_pages.index", Action.PUBLISH_PAGES, _l("Pages publiques")),
    ("users.index", Action.MANAGE_ACCOUNTS, _l("Comptes")),
    ("auditlog.index", Action.READ_AUDIT, _l("Journal")),
    ("mail.index", Action.READ_OUTBOX, _l("Messages")),
]


def _links(role: Role) -> list[tuple[str, LazyString]]:
    shown: dict[str, LazyString] = {}
    for endpoint, action, text in LINKS:
        if role in PERMISSIONS[action]:
            shown.setdefault(endpoint, text)
    return list(shown.items())


NAVIGATION = {role: _links(role) for role in Role}


@cache
def _file_hash(path: Path, _mtime: float) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """The URL of a static file with its content hash, so it can be cached for a year."""
    path = Path(current_app.static_folder or "") / filename
    return url_for("static", filename=filename, v=_file_hash(path, path.stat().st_mtime))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        static_url=static_url,
        plotly_url=plotly_url,
        plotly_css_url=plotly_css_url,
        plotly_style_guards=plotly_style_guards,
        label=label,
        private_label=private_label,
        level_label=level_label,
        of_name=of_name,
        navigation=NAVIGATION,
        can=can,
    )
    app.jinja_env.filters.update(
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
        format_percent=format_percent,
    )

    @app.context_processor
    def locale() -> dict[str, str]:
        return {"current_locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])}

    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
