"""Error pages that say what happened in plain words."""

import logging

from flask import Flask, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .extensions import db

MESSAGES = {
    400: (_l("Requête incorrecte"), _l("La demande n'a pas pu être comprise. Revenez en arrière et réessayez.")),
    403: (_l("Accès refusé"), _l("Votre compte ne permet pas d'ouvrir cette page.")),
    404: (
        _l("Page introuvable"),
        _l("Cette page n'existe pas, ou elle ne fait pas partie de ce que votre compte peut voir."),
    ),
    405: (_l("Action impossible"), _l("Cette page ne permet pas cette action.")),
    409: (
        _l("Modification simultanée"),
        _l(
            "Quelqu'un a enregistré une modification au même instant que vous. Rien n'a été enregistré de votre "
            "côté : rechargez la page pour voir la version actuelle, puis recommencez."
        ),
    ),
    413: (_l("Fichier trop gros"), _l("Le fichier envoyé dépasse la taille autorisée (5 Mo).")),
    500: (
        _l("Erreur du serveur"),
        _l("Quelque chose s'est mal passé de notre côté. Rien n'a été enregistré ; réessayez dans un moment."),
    ),
    503: (
        _l("Service très sollicité"),
        _l("Trop de demandes arrivent en même temps. Rien n'a été enregistré ; réessayez dans quelques secondes."),
    ),
}
# What PostgreSQL says when two transactions could not both go on: serialization failure, deadlock, lock timeout.
RACE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
PLAIN_PAGE = (
    '<!doctype html><html lang="fr"><meta charset="utf-8"><title>{code}</title>'
    "<main><h1>{code}</h1><p>{message}</p></main></html>"
)
CSRF_MESSAGE = _l("Le formulaire a expiré ou ne vient pas de cette application. Rechargez la page et recommencez.")


def _reset_session() -> None:
    """An error can leave the request's transaction broken (a failed flush, a full disk): roll it back so that
    the error page can still read the logged-in user; a dead connection is thrown away instead."""
    try:
        db.session.rollback()
    except Exception:  # the connection itself is gone: start again with a new one
        current_app.logger.warning("session could not be rolled back", exc_info=True)
        db.session.remove()


def _render(code: int, message: object | None = None, fallback: HTTPException | None = None) -> tuple[str, int]:
    if code in MESSAGES or fallback is None:
        title, default = MESSAGES.get(code, MESSAGES[500])
    else:
        title, default = fallback.name, fallback.description
    if code >= 500:
        _reset_session()
    try:
        return render_template("errors.html", code=code, title=title, message=message or default), code
    except Exception:  # the page itself failed (database unreachable...): a plain page still says it
        logging.getLogger(__name__).exception("error page failed")
        _reset_session()
        return PLAIN_PAGE.format(code=code, message=escape(str(message or default))), code


def _sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)


def is_contention(error: OperationalError) -> bool:
    """Whether the database refused a write because of another writer (a PostgreSQL deadlock or serialisation
    failure, SQLite still locked after its busy timeout): worth trying again, not a fault."""
    return _sqlstate(error) in RACE_SQLSTATES or "database is locked" in str(error.orig)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
        return _render(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        custom = error.description if error.description != type(error).description else None
        return _render(error.code, custom, fallback=error)

    @app.errorhandler(IntegrityError)
    @app.errorhandler(StaleDataError)
    def write_conflict(error: IntegrityError | StaleDataError) -> tuple[str, int]:
        """A unique or foreign-key rule broken by a write that raced with another, or a versioned UPDATE that
        found its row changed between the form's check and the write: the same answer as a version conflict.
        Nothing was saved (the transaction is rolled back)."""
        _reset_session()
        current_app.logger.warning("write conflict: %s", type(getattr(error, "orig", error)).__name__)
        return _render(409)

    @app.errorhandler(OperationalError)
    def busy(error: OperationalError) -> tuple[str, int, dict[str, str]] | tuple[str, int]:
        """Two writers that could not both go on (PostgreSQL) is a conflict; SQLite still locked after its busy
        timeout is a 503 to retry. Anything else (a full disk, a lost server) is a server error."""
        _reset_session()
        if _sqlstate(error) in RACE_SQLSTATES:
            current_app.logger.warning("write conflict (%s)", _sqlstate(error))
            return _render(409)
        if "database is locked" in str(error.orig):
            current_app.logger.warning("database busy")
            page, code = _render(503)
            return page, code, {"Retry-After": "5"}
        current_app.logger.error("database error", exc_info=error)
        return _render(500)

    @app.errorhandler(500)
    def server_error(_error: Exception) -> tuple[str, int]:
        return _render(500)
