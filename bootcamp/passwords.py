"""Password hashing with Argon2id; the parameter set is a setting so tests can use a cheap one."""

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


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None when it is acceptable (length only, no composition rules)."""
    if len(password) < MIN_LENGTH:
        return f"the password must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"the password must be at most {MAX_LENGTH} characters long"
    return None
