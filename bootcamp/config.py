"""Configuration: defaults here, then instance/config.py, then the file named by BOOTCAMP_SETTINGS, then
DATABASE_URL, SECRET_KEY and BASE_URL from the environment."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask

# The migrations live at the project root; an installed (non-editable) copy does not need them.
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# What `make run` serves: the base of links made while testing or debugging without a BASE_URL.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")  # the server's own checks and tools (health, benchmark)


class ConfigError(click.ClickException):
    """A setting the app cannot start without, with what to do in one line (the flask command prints just that
    line; gunicorn prints it and stops)."""


class Config:
    """Defaults that suit a single school on one small server."""

    SQLALCHEMY_DATABASE_URI: str | None = None  # instance/bootcamp.sqlite when unset
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Name of an argon2.profiles parameter set: RFC_9106_LOW_MEMORY is Argon2id, 64 MiB, t=3.
    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a trainer may keep a grading form open all morning
    SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600  # static URLs carry a content hash
    # Compression for a rural connection. BREACH needs a secret and attacker-chosen text in one compressed
    # response, read by an eavesdropper: our pages echo no free text from the URL (filters are choices),
    # and the SameSite=Lax session cookie is not sent with another site's requests.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_STREAMS = False  # nothing large is streamed; static files are read whole (security.py)
    # Brotli 4 for pages made at each request: half the time of 5 for 5 % more bytes (the grid: 0.3 ms, 3.7 kB
    # instead of 0.5 ms, 3.5 kB); Plotly.js is compressed once per worker (assets.py: quality 9).
    COMPRESS_BR_LEVEL = 4
    COMPRESS_MIN_SIZE = 500  # smaller answers (/healthz, redirects) go as they are: nothing to gain
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/csv", "text/javascript", "application/json", "image/svg+xml"]
    PLOTLY_JS = None  # a Plotly.js bundle to serve instead of the partial one (see bootcamp/assets.py)
    MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # one uploaded file (a proof of absence...): bootcamp/files.py
    # A whole request: a file of MAX_UPLOAD_BYTES and the rest of its form fit; anything larger answers 413.
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 64 * 1024
    # A form field may hold an import's file back from its preview (base64: 2 MB -> 2.7 MB; Flask's default: 500 kB).
    MAX_FORM_MEMORY_SIZE = MAX_CONTENT_LENGTH
    DEMO_PASSWORD = "demo-bootcamp"
    SESSION_IDLE_SECONDS = 2 * 3600  # a session unused for 2 hours ends
    SESSION_ABSOLUTE_SECONDS = 12 * 3600  # and any session ends after 12 hours
    HTTPS = False  # True behind HTTPS: Secure cookies with the __Host- prefix, HSTS
    PROXY_HOPS = 0  # 1 behind exactly one reverse proxy (ProxyFix trusts its X-Forwarded-* headers)
    RETENTION_YEARS = 5  # personal data is erased this long after a learner's last exit (flask purge)
    # The address people use, e.g. "https://bootcamp.example.org": every link handed over or sent is built on
    # it, never on the request's Host header. Required in production; TRUSTED_HOSTS defaults to its host name
    # (plus localhost and 127.0.0.1), and a request for another host gets 400.
    BASE_URL: str | None = None
    TRUSTED_HOSTS: list[str] | None = None
    # The training organisation, as its printed documents name it (the « certificat de réalisation », the sign-in
    # sheets). The defaults are a fictional school for the demo: set the real ones in instance/config.py.
    ORGANISATION_NAME = "École numérique des Causses (démo)"
    ORGANISATION_ADDRESS = "4 place de la Halle\n48000 Mende"  # one line per line of the address
    ORGANISATION_SIRET = "000 000 000 00000"
    ORGANISATION_NDA = "00 48 00000 48"  # « numéro de déclaration d'activité », from the préfet de région
    ORGANISATION_MANAGER = "Claire Aubrac"  # who signs the certificates (a manager who prints one signs instead)
    # Email (Flask-Mailman over SMTP). Every message is first written to the outbox table (bootcamp/mail/); `flask mail
    # send` delivers what is due. Without MAIL_SERVER nothing is sent: admins read the messages at /admin/outbox.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USE_TLS = True  # STARTTLS on MAIL_PORT
    MAIL_USE_SSL = False  # True: SSL from the first byte (port 465) instead of STARTTLS (MAIL_USE_TLS is then off)
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "École numérique des Causses <ne-pas-repondre@example.org>"
    MAIL_TIMEOUT = 20  # seconds for each SMTP exchange: a server that stops answering does not hold the sender
    MAIL_MAX_ATTEMPTS = 6  # then the message is given up and shown to admins as such
    # Which websites may show a programme's figures in an iframe (/p/<slug>/embed only; every other page: none):
    # the CSP frame-ancestors sources, e.g. "https://www.ecole.example https://*.ecole.example".
    PUBLIC_EMBED_FRAME_ANCESTORS = "*"


def load_overrides(app: Flask) -> None:
    """Apply instance/config.py, then DATABASE_URL, SECRET_KEY and BASE_URL from the environment; outside
    debugging, refuse to start without a BASE_URL."""
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_envvar("BOOTCAMP_SETTINGS", silent=True)  # another settings file (tests, deployments)
    if url := os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    if key := os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = key
    if base := os.environ.get("BASE_URL"):
        app.config["BASE_URL"] = base
    if app.config.get("BASE_URL"):
        app.config["BASE_URL"] = _base_url(app.config["BASE_URL"])
    elif not (app.debug or app.testing):
        raise ConfigError(
            "BASE_URL is not set: give the address people use, e.g. BASE_URL=https://bootcamp.example.org "
            "(environment or instance/config.py)"
        )


def finalise(app: Flask) -> None:
    """Fill in what depends on the instance folder (the SQLite path, a generated secret), the base URL of links
    (the development one when debugging or testing without one) and the trusted hosts."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'bootcamp.sqlite'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    base = app.config["BASE_URL"] = _base_url(app.config.get("BASE_URL") or DEVELOPMENT_BASE_URL)
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = sorted({urlsplit(base).hostname or "", *LOOPBACK_HOSTS})


def _base_url(value: str) -> str:
    """The base URL without its trailing slash; anything but http(s)://host[/path] is refused."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"BASE_URL must look like https://bootcamp.example.org, not {value!r}")
    return value.strip().rstrip("/")


def _instance_secret(path: Path) -> str:
    """Read the generated secret key, creating it once (atomic when several workers start)."""
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)  # fails if another process got there first
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()
