"""The interface's languages: French (the msgids) and English (bootcamp/translations/en).

The language is the one chosen with the footer's switch (kept in the session), else the browser's first
language we have, else French. The public pages (/p/) are French unless their address asks (`?lang=en`): a page
anyone can link to says the same to everyone, and sets no cookie. Dates and numbers follow it (flask_babel's
format_* filters).
"""

from flask import Flask, current_app, has_request_context, request, session

from . import params, wording
from .extensions import babel

LANGUAGES = {"fr": "Français", "en": "English"}
PUBLIC_BLUEPRINTS = frozenset({"public", "public_data"})  # their language is in the address


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here (it is translated where it is shown)."""
    return message


def select_locale() -> str:
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # the command line: French, like the data it reads and writes
        return default
    if request.blueprint in PUBLIC_BLUEPRINTS:
        asked = params.args().get("lang")
        return asked if asked in LANGUAGES else default
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=default)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    wording.init_app(app)  # untranslated messages take the French plural (0 and 1: singular)
    app.jinja_env.globals["languages"] = LANGUAGES
