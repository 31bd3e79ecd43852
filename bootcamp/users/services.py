"""Account changes, audited, and one-time password links (there is no mail server: an admin hands them over)."""

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..audit import record
from ..extensions import db
from ..models import Cohort, Learner, Role, User
from ..passwords import hash_password

LINK_VALIDITY = 24 * 3600  # seconds
USER_FIELDS = ("email", "name", "role", "active", "learner_id")


def _state(user: User) -> dict:
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "active": user.active,
        "learner_id": user.learner_id,
        "cohorts": sorted(cohort.id for cohort in user.cohorts),
    }


def create_user(email: str, name: str, role: Role) -> User:
    """A new account without a password: its first password is set through a one-time link."""
    user = User(email=email, name=name, role=role, password_hash=None)
    db.session.add(user)
    db.session.flush()
    record("user", user.id, "create", None, _state(user))
    return user


def update_user(
    user: User, name: str, role: Role, active: bool, cohorts: list[Cohort], learner: Learner | None
) -> bool:
    """Apply the admin's changes; a trainer keeps cohorts only while a trainer. True if anything changed."""
    before = _state(user)
    if user.active and not active:
        user.rotate_session_token()
    user.name, user.role, user.active = name, role, active
    user.cohorts = cohorts if role == Role.TRAINER else []
    user.learner = learner if role == Role.LEARNER else None
    after = _state(user)
    if after == before:
        return False
    record("user", user.id, "update", before, after, learner_id=user.learner_id)
    return True


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-link")


def password_token(user: User) -> str:
    """A signed token for the user, valid 24 hours and only until the password changes (so, once)."""
    return _serializer().dumps({"user": user.id, "hash": (user.password_hash or "")[-16:]})


def user_from_token(token: str) -> User | None:
    """The user a link was made for, if it is genuine, less than 24 hours old and not used yet."""
    try:
        data = _serializer().loads(token, max_age=LINK_VALIDITY)
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or not user.active or (user.password_hash or "")[-16:] != data.get("hash"):
        return None
    return user


def set_password(user: User, password: str) -> None:
    """Set a new password; every open session of the account ends."""
    user.password_hash = hash_password(password)
    user.rotate_session_token()
    record("user", user.id, "password", None, {"password": "changed"})
