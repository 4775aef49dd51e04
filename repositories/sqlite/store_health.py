"""A damaged store is never written to, and a failure of SQLite becomes a sentence.

SQLite's own result codes decide (SQLITE_CORRUPT, SQLITE_FULL, ...), never its wording.
Damage found once is remembered in a marker file beside the store, so every later start
checks again (`PRAGMA quick_check`) instead of writing into a damaged file, until the
file is whole again.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from domain.errors import StoreError
from repositories.sqlite.local_copies import local_copies

DAMAGE_MARKER_SUFFIX = ".damaged"

_CORRUPT, _NOTADB = sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB
_FULL, _IOERR = sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR
_BUSY, _LOCKED = sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED
_READONLY, _CANTOPEN, _PERM = sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM


class StoreDamaged(StoreError):
    """The database file is damaged: Primer refuses to write to it."""


def damaged(path: Path, what: str) -> StoreDamaged:
    """Remember the damage and say what a person can do about it."""
    marker = path.with_name(path.name + DAMAGE_MARKER_SUFFIX)
    with contextlib.suppress(OSError):  # the message below still stops every write
        marker.write_text(what + "\n", "utf-8")
    copies = local_copies(path)
    if copies:
        copy = copies[0]
        way_back = (
            f"The newest copy Primer saved is {copy.name}: to use it, quit Primer and run "
            f"`primer local-backups restore {copy.name}` (the damaged file is kept aside)."
        )
    else:
        way_back = (
            "There is no earlier copy in the 'backups' folder. If you back up to a database, "
            f"move {path.name} aside (keep it) and restore from your backup."
        )
    return StoreDamaged(
        f"Primer's database at {path} is damaged ({what}), so Primer will not write to it; "
        f"the file was left untouched. {way_back}"
    )


def check_if_suspect(path: Path, connection: sqlite3.Connection, *, unclean: bool) -> None:
    """After an unclean shutdown, or once damage was seen, check the file before use."""
    marker = path.with_name(path.name + DAMAGE_MARKER_SUFFIX)
    if not unclean and not marker.exists():
        return
    try:
        rows = connection.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as error:
        raise damaged(path, str(error)) from None
    if [row[0] for row in rows] != ["ok"]:
        raise damaged(path, f"{len(rows)} problem(s), first: {rows[0][0]}")
    marker.unlink(missing_ok=True)


def describe(error: sqlite3.Error, path: Path) -> StoreError:
    """What a person can do about an SQLite failure, from its result code."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in (_CORRUPT, _NOTADB):
        return damaged(path, str(error))
    if primary == _FULL:
        return StoreError(
            "The disk is full, so Primer could not save. Free some space and try again; "
            "what was saved before is safe."
        )
    if primary == _IOERR:
        return StoreError(
            f"The disk could not be read or written at {path} ({error}). "
            "Check the disk and try again."
        )
    if primary in (_BUSY, _LOCKED):
        return StoreError("The database is busy in another program. Try again in a moment.")
    if primary in (_READONLY, _CANTOPEN, _PERM):
        return StoreError(
            f"Primer cannot write its database at {path}; check the data folder's "
            "permissions and that the disk is not read-only."
        )
    return StoreError(f"The local database failed: {error}.")
