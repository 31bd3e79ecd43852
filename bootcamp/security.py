"""What every request goes through: headers, request ids, session timeouts, write transactions on SQLite.

OWASP ASVS 5.0 level 2 is the reference; the README's "Deploying" section says how to run behind a proxy.
"""

import logging
import time
import uuid
from typing import Any

from flask import Flask, abort, current_app, flash, g, has_request_context, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from .extensions import db
from .transactions import begins_with_write_lock

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
# Set on every response, whatever the view set (the CSP is the exception: a view may narrow it).
HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", PERMISSIONS),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
# The only page another site may show in a frame (its CSP says which sites: PUBLIC_EMBED_FRAME_ANCESTORS).
EMBEDDABLE = frozenset({"public.embed"})
PUBLIC_ASSETS = frozenset({"static", "assets.plotly_js", "assets.plotly_css"})
# What needs neither the session nor the user: public files, and the health check that load balancers call every
# few seconds (never kept by a cache, since whose request it is is not looked at).
SESSIONLESS = PUBLIC_ASSETS | {"auth.health"}
# The only bodies Werkzeug reads into request.form: any other request has an empty form.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class RequestIdFilter(logging.Filter):
    """Put the request id on every log line of a request (and nothing personal)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class BoundedInt(IntegerConverter):
    """URL ids within what the database keys hold: a larger number is a 404, not a database error."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _start_request() -> Response | None:
    g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
    sent = (request.args, request.form) if request.mimetype in FORM_TYPES else (request.args,)
    if any("\x00" in value for values in sent for value in values.values()):
        abort(400, description=_("La demande contient un caractère nul : elle est refusée."))
    if request.endpoint in SESSIONLESS or not current_user.is_authenticated:
        return None
    now = time.time()
    idle, absolute = current_app.config["SESSION_IDLE_SECONDS"], current_app.config["SESSION_ABSOLUTE_SECONDS"]
    if now - session.get("seen", 0) > idle or now - session.get("since", 0) > absolute:
        logout_user()
        session.pop("seen", None)
        session.pop("since", None)
        flash(_("Votre session a expiré : reconnectez-vous."), "info")
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    if now - session.get("seen", 0) > 60:  # refresh at most once a minute: not a new cookie per response
        session["seen"] = now
    return None


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    for name, value in HEADERS:
        headers[name] = value
    if request.endpoint in EMBEDDABLE and response.status_code == 200:
        del headers["X-Frame-Options"]  # the CSP's frame-ancestors, set by the view, says who may frame it
    headers["X-Request-Id"] = g.get("request_id", "")
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    endpoint = request.endpoint
    if endpoint == "static":
        if response.status_code == 200:  # small files: read into memory so that they are compressed
            response.direct_passthrough = False
            response.make_sequence()
        if request.args.get("v"):
            response.cache_control.immutable = True  # the URL changes with the content
            response.cache_control.public = True
    elif endpoint not in PUBLIC_ASSETS and (
        endpoint in SESSIONLESS
        or request.method != "GET"
        or response.status_code >= 400
        or current_user.is_authenticated
    ):
        headers["Cache-Control"] = "no-store"
    return response


def _sqlite_transactions(app: Flask) -> None:
    """On SQLite, a writing transaction starts with BEGIN IMMEDIATE (see transactions.py)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _manual_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" event below issue BEGIN

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if begins_with_write_lock() else "BEGIN")


def init_app(app: Flask) -> None:
    if app.config["PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=app.config["PROXY_HOPS"],
            x_proto=app.config["PROXY_HOPS"],
            x_host=app.config["PROXY_HOPS"],
        )
    if app.config["HTTPS"]:
        app.config.update(
            SESSION_COOKIE_SECURE=True, SESSION_COOKIE_NAME="__Host-session", PREFERRED_URL_SCHEME="https"
        )
    app.before_request(_start_request)
    app.after_request(_headers)
    _sqlite_transactions(app)
    if not any(isinstance(f, RequestIdFilter) for f in app.logger.filters):  # one logger for every app
        app.logger.addFilter(RequestIdFilter())
