"""Login, logout, « mot de passe oublié », password links, the language and the root URL."""

from typing import NoReturn
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import escape
from werkzeug.exceptions import SecurityError
from werkzeug.wrappers import Response

from ..access import home_endpoint
from ..errors import MESSAGES, PLAIN_PAGE
from ..extensions import db, login_manager
from ..i18n import LANGUAGES, N_
from ..models import User, utcnow
from ..passwords import check_password, hash_password
from ..tokens import digest, redact_werkzeug_log
from ..transactions import end_transaction
from ..users.forms import ChangePasswordForm, NewPasswordForm
from ..users.services import password_from_link, request_password_reset, set_password, user_from_link
from .forms import ForgotPasswordForm, LoginForm
from .throttle import is_throttled, note_success, record_attempt

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = N_("Connectez-vous pour accéder à cette page.")
login_manager.login_message_category = "info"
login_manager.localize_callback = _
PASSWORD_LINK = "password_link"  # the session key holding the opened link's token hash
RESET = "reset"  # the throttle's kind for « mot de passe oublié » requests
bp.record_once(lambda _state: redact_werkzeug_log())  # the development server's request log


def _link_gone() -> NoReturn:
    session.pop(PASSWORD_LINK, None)
    abort(
        404,
        description=_(
            "Ce lien n'est plus valable : il a déjà servi, un lien plus récent l'a remplacé, ou il a expiré (un "
            "lien « mot de passe oublié » vaut une heure ; celui d'un nouveau compte, la durée indiquée avec lui). "
            "Demandez-en un nouveau : « Mot de passe oublié ? » sur la page de connexion."
        ),
    )


def _refused(form: LoginForm) -> str:
    current_app.logger.info("login refused")
    return render_template("auth/login.html", form=form, error=_("Adresse e-mail ou mot de passe incorrect."))


@bp.app_errorhandler(SecurityError)
def untrusted_host(_error: SecurityError) -> tuple[str, int, dict[str, str]]:
    """A Host header outside TRUSTED_HOSTS: a plain 400, since no URL can be built for that host."""
    return PLAIN_PAGE.format(code=400, message=escape(MESSAGES[400][1])), 400, {"Content-Type": "text/html"}


USER_BY_TOKEN = sa.select(User).where(User.session_token == sa.bindparam("token"))  # built once: every request


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """Reload the logged-in user from the session's token; a rotated token or a deactivated account ends it."""
    user = db.session.scalar(USER_BY_TOKEN, {"token": session_token})
    return user if user is not None and user.active else None


def _safe_next(target: str | None) -> str | None:
    """Keep a `next` URL only when it stays on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.post("/language")
def set_language() -> Response:
    """The footer's language switch: remembered in the session, then back to the same page."""
    locale = request.form.get("locale", "")
    if locale not in LANGUAGES:
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated and current_user.locale != locale:
        current_user.locale = locale  # the language of their emails too (mail.outbox.locale_of)
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.index"))


@bp.get("/healthz")
def health() -> tuple[str, int, dict[str, str]]:
    """For load balancers and the benchmark's framework floor: the process answers."""
    return "ok", 200, {"Content-Type": "text/plain"}


@bp.get("/")
def index() -> Response:
    """Send each role to its home page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(home_endpoint(current_user)))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """Log in with email and password; one message for every kind of failure.

    Three short transactions and Argon2 in none of them (see bootcamp/transactions.py): record the attempt;
    count the attempts and read the account as plain values; after the check, record a success.
    """
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form, error=None)
    email, address, now = form.email.data.strip().lower(), request.remote_addr or "unknown", utcnow()
    attempt_id = record_attempt(email, address, now)
    db.session.commit()  # counted only once committed: see throttle.py
    if is_throttled(email, address, now):
        end_transaction()
        current_app.logger.warning("login throttled")
        error = _("Trop de tentatives : pour protéger les comptes, réessayez dans 15 minutes.")
        return render_template("auth/login.html", form=form, error=error), 429
    account = db.session.execute(
        sa.select(User.id, User.password_hash, User.active).where(User.email == email)
    ).one_or_none()
    end_transaction()
    matches, new_hash = check_password(account.password_hash if account else None, form.password.data)
    if not (matches and account.active):
        return _refused(form)
    user = db.session.get(User, account.id)
    if user is None or not user.active:  # deactivated while the password was checked
        return _refused(form)
    user.last_login_at = now
    if new_hash and user.password_hash == account.password_hash:  # the hash parameters changed: upgrade it
        user.password_hash = new_hash
    note_success(attempt_id, email, address)
    db.session.commit()
    login_user(user)
    session["since"] = session["seen"] = now.timestamp()
    current_app.logger.info("login user=%s", account.id)
    return redirect(_safe_next(request.args.get("next")) or url_for(home_endpoint(user)))


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password() -> Response | str | tuple[str, int]:
    """« Mot de passe oublié »: a one-hour link by email. Whatever the address (an account or not, active or not),
    the same answer, the same status and the same work; throttled like logins, and the logs never name it."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/forgot_password.html", form=form, error=None)
    email, address, now = form.email.data.lower(), request.remote_addr or "unknown", utcnow()
    record_attempt(email, address, now, RESET)
    db.session.commit()  # counted only once committed: see throttle.py
    if is_throttled(email, address, now, RESET):
        end_transaction()
        current_app.logger.warning("password reset throttled")
        error = _("Trop de demandes : pour protéger les comptes, réessayez dans 15 minutes.")
        return render_template("auth/forgot_password.html", form=form, error=error), 429
    request_password_reset(email)
    db.session.commit()
    current_app.logger.info("password reset asked")
    message = _(
        "Si un compte correspond à cette adresse, un lien pour choisir un mot de passe vient d'y être envoyé. "
        "Il est valable une heure."
    )
    flash(message, "info")
    return redirect(url_for("auth.login"))


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Log out (POST only, with a CSRF token); the session token changes, so a copied cookie stops working."""
    current_user.rotate_session_token()
    db.session.commit()
    logout_user()
    flash(_("Vous êtes déconnecté·e."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/password/<token>")
def password_link(token: str) -> Response:
    """Open a one-time password link: the token is checked, kept in the session, and leaves the address bar
    (and the next requests' logs and Referer) for the token-less form."""
    token_hash = digest(token)
    if user_from_link(token_hash) is None:
        _link_gone()
    session[PASSWORD_LINK] = token_hash
    return redirect(url_for("auth.choose_password"))


@bp.route("/password", methods=["GET", "POST"])
def choose_password() -> Response | str:
    """Choose a password from the link opened in this session (no login needed); the link then stops working."""
    token_hash = session.get(PASSWORD_LINK)
    user = user_from_link(token_hash) if isinstance(token_hash, str) else None
    if user is None:
        _link_gone()
    form = NewPasswordForm()
    if form.validate_on_submit():
        user_id = user.id
        end_transaction()
        new_hash = hash_password(form.password.data)
        if not password_from_link(token_hash, user_id, new_hash):  # used or voided meanwhile
            db.session.rollback()
            _link_gone()
        db.session.commit()
        session.pop(PASSWORD_LINK, None)
        if current_user.is_authenticated:
            logout_user()
        flash(_("Mot de passe enregistré : vous pouvez vous connecter."), "success")
        return redirect(url_for("auth.login"))
    return render_template("users/password.html", user=user, form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str:
    """Change my password (the current one is asked); my other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user_id, stored = current_user.id, current_user.password_hash
        end_transaction()  # Argon2 twice, with no transaction open
        matches, _upgrade = check_password(stored, form.current.data)
        new_hash = hash_password(form.password.data) if matches else None
        user = db.session.get(User, user_id)
        if new_hash is None or user is None or user.password_hash != stored:  # or changed meanwhile elsewhere
            form.current.errors.append(_("Ce n'est pas votre mot de passe actuel."))
        else:
            set_password(user, new_hash)
            db.session.commit()
            login_user(user)  # this session goes on with the new token
            flash(_("Mot de passe changé. Vos autres sessions sont fermées."), "success")
            return redirect(url_for("auth.index"))
    return render_template("users/password.html", user=current_user, form=form, change=True)
