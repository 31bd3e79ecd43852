"""Error pages that say what happened in plain words."""

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: (_l("Requête incorrecte"), _l("La demande n'a pas pu être comprise. Revenez en arrière et réessayez.")),
    403: (_l("Accès refusé"), _l("Votre compte ne permet pas d'ouvrir cette page.")),
    404: (
        _l("Page introuvable"),
        _l("Cette page n'existe pas, ou elle ne fait pas partie de ce que votre compte peut voir."),
    ),
    405: (_l("Action impossible"), _l("Cette page ne permet pas cette action.")),
    413: (_l("Fichier trop gros"), _l("Le fichier envoyé dépasse la taille autorisée (5 Mo).")),
    500: (
        _l("Erreur du serveur"),
        _l("Quelque chose s'est mal passé de notre côté. Rien n'a été enregistré ; réessayez dans un moment."),
    ),
}
CSRF_MESSAGE = _l("Le formulaire a expiré ou ne vient pas de cette application. Rechargez la page et recommencez.")


def _render(code: int, message: object | None = None, fallback: HTTPException | None = None) -> tuple[str, int]:
    if code in MESSAGES or fallback is None:
        title, default = MESSAGES.get(code, MESSAGES[500])
    else:
        title, default = fallback.name, fallback.description
    return render_template("errors.html", code=code, title=title, message=message or default), code


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

    @app.errorhandler(500)
    def server_error(_error: Exception) -> tuple[str, int]:
        return _render(500)
