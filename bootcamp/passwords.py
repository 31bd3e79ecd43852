"""Password hashing with Argon2id; the parameter set is a setting so tests can use a cheap one.

Hashing takes tens of milliseconds and 64 MiB: callers run it with no database transaction open (see
bootcamp/transactions.py), so these functions take and return plain strings, never a model.
"""

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, current_app.config["PASSWORD_HASH_PROFILE"]))


def hash_password(password: str) -> str:
    """Return the Argon2id hash of `password` with the configured parameters."""
    return _hasher().hash(password)


def check_password(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Tell whether `password` matches `stored_hash`, and give a new hash when the parameters changed.

    No hash (an unknown user, an account without a password) still costs one hash, so that timing does not
    tell which emails exist.
    """
    hasher = _hasher()
    if not stored_hash:
        hasher.hash(password)
        return False, None
    try:
        hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, hasher.hash(password) if hasher.check_needs_rehash(stored_hash) else None


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
