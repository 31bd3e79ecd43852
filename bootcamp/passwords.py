"""Password hashing with Argon2id; the parameter set is a setting so tests can use a cheap one."""

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from .models import User


def _hasher() -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, current_app.config["PASSWORD_HASH_PROFILE"]))


def hash_password(password: str) -> str:
    """Return the Argon2id hash of `password` with the configured parameters."""
    return _hasher().hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Tell whether `password` is the user's; upgrade the hash when the parameters changed.

    An unknown user still costs one hash, so that timing does not tell which emails exist.
    """
    hasher = _hasher()
    if user is None or not user.password_hash:
        hasher.hash(password)
        return False
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


MIN_LENGTH = 12
MAX_LENGTH = 128


@cache
def common_passwords() -> frozenset[str]:
    """The most common passwords long enough to pass the length rule (shipped with the app)."""
    text = (Path(__file__).parent / "common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None (OWASP ASVS 5.0: length and a common-password list,
    no composition rules)."""
    if len(password) < MIN_LENGTH:
        return f"le mot de passe doit compter au moins {MIN_LENGTH} caractères"
    if len(password) > MAX_LENGTH:
        return f"le mot de passe doit compter au plus {MAX_LENGTH} caractères"
    if password.lower() in common_passwords() or len(set(password)) < 3:
        return "ce mot de passe fait partie des plus courants : choisissez-en un autre"
    return None
