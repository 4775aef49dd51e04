"""Numbered SQL files applied in one transaction; `PRAGMA user_version` records the last one.

Before changing an existing file, a copy is written with SQLite's online backup API.
A file newer than this build, or one that is not a database, is refused and left as it is.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from domain.errors import StoreError
from repositories.migration_files import Migration, bundled_migrations
from repositories.sqlite.local_copies import BACKUPS_FOLDER
from repositories.sqlite.store_health import describe


def schema_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def migrate(path: Path, migrations: list[Migration] | None = None) -> int:
    """Bring the file at `path` to the newest schema; return the version it was at."""
    migrations = bundled_migrations("migrations_sqlite") if migrations is None else migrations
    latest = migrations[-1].version if migrations else 0
    existed = path.exists() and path.stat().st_size > 0
    # A file that exists but is empty was made for this migration (under its lock).
    try:
        connection = sqlite3.connect(path, isolation_level=None, timeout=10)
    except sqlite3.Error as error:
        raise describe(error, path) from None
    try:
        try:
            current = schema_version(connection)
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as error:
            raise describe(error, path) from None
        if current > latest:
            raise StoreError(
                f"The database at {path} was written by a newer version of Primer "
                f"(schema {current}; this version knows up to {latest}). "
                "Update Primer to open it; the file was left untouched."
            )
        pending = [m for m in migrations if m.version > current]
        if not pending:
            return current
        if existed and current > 0:
            _write_backup_copy(connection, path, current)
        script = "".join(f"{m.sql}\n;\n" for m in pending)
        try:
            connection.executescript(
                f"BEGIN IMMEDIATE;\n{script}PRAGMA user_version = {latest};\nCOMMIT;"
            )
        except sqlite3.Error as error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise StoreError(f"Upgrading the database at {path} failed: {error}.") from None
        return current
    finally:
        connection.close()


def _write_backup_copy(connection: sqlite3.Connection, path: Path, version: int) -> Path:
    folder = path.parent / BACKUPS_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # copies of chats: private too
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = folder / f"{path.stem}-schema{version}-{stamp}{path.suffix}"
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o600))
        with sqlite3.connect(target) as copy:
            connection.backup(copy)
        copy.close()
    except sqlite3.Error as error:
        raise StoreError(
            f"Primer could not save a copy of {path} before upgrading it ({error}); "
            "nothing was changed."
        ) from None
    return target
