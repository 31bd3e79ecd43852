"""What every model module shares: the clock, session tokens and how an enumeration is stored."""

import enum
import secrets
import unicodedata
from datetime import UTC, datetime

import sqlalchemy as sa


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime (SQLite keeps no time zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def str_enum(enum_class: type[enum.StrEnum], name: str) -> sa.Enum:
    """Store a StrEnum as its code in a VARCHAR, with a CHECK constraint listing the codes."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def compare_key(name: str) -> str:
    """How two spellings of a name compare: case, accents and spaces ignored (« Mende », « MENDE  »; « Lozère
    Numérique », « lozere numerique »)."""
    bare = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(char for char in bare if not unicodedata.combining(char))
    return " ".join(bare.split())
