"""Login, logout and the root URL."""

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from ..access import home_endpoint
from ..i18n import LANGUAGES, N_
from ..extensions import db, login_manager
from ..models import User, utcnow
from ..passwords import check_password
from . import bp
from ..users.forms import ChangePasswordForm, NewPasswordForm
from ..users.services import set_password, user_from_token
from .forms import LoginForm
from .throttle import is_throttled, note_attempt

login_manager.login_view = "auth.login"
login_manager.login_message = N_("Connectez-vous pour accéder à cette page.")
login_manager.login_message_category = "info"
login_manager.localize_callback = _


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """Reload the logged-in user from the session's token; a rotated token or a deactivated account ends it."""
    user = db.session.scalar(sa.select(User).where(User.session_token == session_token))
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
    """Log in with email and password; one message for every kind of failure."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        email, address, now = form.email.data.strip().lower(), request.remote_addr or "unknown", utcnow()
        if is_throttled(email, address, now):
            current_app.logger.warning("login throttled")
            error = _("Trop de tentatives : pour protéger les comptes, réessayez dans 15 minutes.")
            return render_template("auth/login.html", form=form, error=error), 429
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if check_password(user, form.password.data) and user.active:
            user.last_login_at = now
            note_attempt(email, address, True, now)
            db.session.commit()
            login_user(user)
            session["since"] = session["seen"] = now.timestamp()
            current_app.logger.info("login user=%s", user.id)
            return redirect(_safe_next(request.args.get("next")) or url_for(home_endpoint(user)))
        db.session.rollback()
        note_attempt(email, address, False, now)
        db.session.commit()
        current_app.logger.info("login refused")
        error = _("Adresse e-mail ou mot de passe incorrect.")
        return render_template("auth/login.html", form=form, error=error), 200
    return render_template("auth/login.html", form=form, error=None)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Log out (POST only, with a CSRF token); the session token changes, so a copied cookie stops working."""
    current_user.rotate_session_token()
    db.session.commit()
    logout_user()
    flash(_("Vous êtes déconnecté·e."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/<token>", methods=["GET", "POST"])
def choose_password(token: str) -> Response | str:
    """Choose a password from a one-time link (no login needed)."""
    user = user_from_token(token)
    if user is None:
        abort(
            404,
            description=_(
                "Ce lien n'est plus valable : il a déjà servi, ou il a plus de 24 heures. Demandez-en un nouveau."
            ),
        )
    form = NewPasswordForm()
    if form.validate_on_submit():
        set_password(user, form.password.data)
        db.session.commit()
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
        if not check_password(current_user, form.current.data):
            form.current.errors.append(_("Ce n'est pas votre mot de passe actuel."))
        else:
            user = current_user._get_current_object()
            set_password(user, form.password.data)
            db.session.commit()
            login_user(user)  # this session goes on with the new token
            flash(_("Mot de passe changé. Vos autres sessions sont fermées."), "success")
            return redirect(url_for("auth.index"))
    return render_template("users/password.html", user=current_user, form=form, change=True)
