"""Consistent copies of the SQLite database while the app runs (SQLite's online backup API), and restoring one."""

import secrets
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """A backup or restore that cannot be done, with the reason."""


def sqlite_path(database_uri: str) -> Path:
    """The file behind a SQLite URL; other databases have their own tools (pg_dump for PostgreSQL)."""
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("flask backup works on a SQLite database; for PostgreSQL use pg_dump (see README)")
    return Path(url.database)


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    # The backup API copies pages while other connections keep writing; it restarts if the source
    # changes meanwhile, so the copy is always one consistent state of the database.
    source.backup(target, pages=1024)


def backup(database_uri: str, destination: Path) -> int:
    """Write a consistent copy of the live database to `destination`; return its size in bytes."""
    source_path = sqlite_path(database_uri)
    if not source_path.exists():
        raise BackupError(f"no database at {source_path}")
    if destination.exists():
        raise BackupError(f"{destination} already exists: choose a new file name")
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.touch(mode=0o600)  # personal data: readable by the owner only
    with closing(sqlite3.connect(source_path, timeout=30)) as source, closing(sqlite3.connect(destination)) as target:
        _copy(source, target)
    return destination.stat().st_size


def check_backup(path: Path) -> str:
    """Refuse a file that is not a sound Bootcamp backup; return its schema revision."""
    if not path.is_file():
        raise BackupError(f"no file at {path}")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is damaged (integrity check failed)")
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a Bootcamp database ({error})") from None
    if revision is None:
        raise BackupError(f"{path} holds no schema revision")
    return revision[0]


def restore(database_uri: str, source: Path) -> str:
    """Replace the live database's content with the backup's, in one step; return the backup's revision."""
    revision = check_backup(source)
    target_path = sqlite_path(database_uri)
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup_db,
        closing(sqlite3.connect(target_path, timeout=30)) as live,
    ):
        _copy(backup_db, live)
        with live:
            # Running workers may keep pages computed at the backup's data version: move past every number used.
            if _has_table(live, "data_version"):
                live.execute("UPDATE data_version SET value = value + ?", (secrets.randbelow(2**40) + 2**20,))
            _end_sessions_and_links(live)
    return revision


def _has_table(connection: sqlite3.Connection, name: str) -> bool:
    found = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return found.fetchone() is not None


def _end_sessions_and_links(connection: sqlite3.Connection) -> None:
    """Sessions and one-time links ended since the backup would live again: end them all (everybody logs in
    again; links are made anew)."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(users)")}
    if "session_token" in columns:  # older backups get their tokens from the migration that adds them
        ids = [row[0] for row in connection.execute("SELECT id FROM users")]
        connection.executemany(
            "UPDATE users SET session_token = ? WHERE id = ?", [(secrets.token_urlsafe(32), id_) for id_ in ids]
        )
    if _has_table(connection, "one_time_tokens"):
        connection.execute("DELETE FROM one_time_tokens")
