"""Open the local store: migrate it, then hand out its `Store`.

Two Primers may start on a new folder at once (the window and a `primer ask`): the
migration runs under an OS file lock, so one migrates and the other then finds it done.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from filelock import FileLock, Timeout

from domain.errors import StoreError
from repositories.sqlite.migrations import migrate
from repositories.sqlite.store import Store
from repositories.sqlite.store_health import check_if_suspect, damaged, describe

DATABASE_NAME = "primer.db"
STRICT_THREAD_VARIABLE = "PRIMER_STRICT_STORE_THREAD"
MIGRATION_LOCK_NAME = "primer.db.lock"
MIGRATION_WAIT_SECONDS = 120


def prepare_data_dir(data_dir: Path) -> None:
    """Create the data folder, private to the user (a person's chats are theirs alone)."""
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not os.access(data_dir, os.R_OK | os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as error:
        raise StoreError(
            f"Primer cannot use its data folder {data_dir}: {error.strerror}. "
            "Check that it exists and that you may read and write it."
        ) from None


def open_store(data_dir: Path, *, unclean: bool = False) -> Store:
    """Migrate the database (creating it if needed) and return it.

    `unclean`: a Primer before this one did not close (a crash, a kill), so the file is
    checked before anything is written to it.
    """
    prepare_data_dir(data_dir)
    path = data_dir / DATABASE_NAME
    try:
        with FileLock(data_dir / MIGRATION_LOCK_NAME, timeout=MIGRATION_WAIT_SECONDS):
            _create_private(path)
            migrate(path)
            with sqlite3.connect(path) as connection:
                connection.execute("PRAGMA journal_mode = WAL")
                check_if_suspect(path, connection, unclean=unclean)
            connection.close()
    except Timeout:
        raise StoreError(
            f"Another Primer has been upgrading the database at {path} for over "
            f"{MIGRATION_WAIT_SECONDS // 60} minutes. Try again when it has finished."
        ) from None
    except sqlite3.Error as error:
        raise describe(error, path) from None
    except OSError as error:
        raise StoreError(f"Primer cannot use its database at {path}: {error.strerror}.") from None
    return Store(path, one_thread=bool(os.environ.get(STRICT_THREAD_VARIABLE)))


def _create_private(path: Path) -> None:
    """A new store is created readable by its user only; an empty one is damage."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_size == 0:
            raise damaged(path, "the file is empty, 0 bytes") from None
        return
    os.close(descriptor)
