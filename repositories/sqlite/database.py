"""Open the local store: migrate it, then hand out one SQLAlchemy engine for it.

Two Primers may start on a new folder at once (the window and a `primer ask`): the
migration runs under an OS file lock, so one migrates and the other then finds it done.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from sqlalchemy import Engine, create_engine, event

from domain.errors import StoreError
from repositories.sqlite.migrations import migrate
from repositories.sqlite.store_health import check_if_suspect, damaged, describe

DATABASE_NAME = "primer.db"
STRICT_THREAD_VARIABLE = "PRIMER_STRICT_STORE_THREAD"
MIGRATION_LOCK_NAME = "primer.db.lock"
MIGRATION_WAIT_SECONDS = 120


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


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


def open_store(data_dir: Path, *, unclean: bool = False) -> Engine:
    """Migrate the database (creating it if needed) and return its engine.

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
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _on_connect)
    if os.environ.get(STRICT_THREAD_VARIABLE):
        _keep_to_this_thread(engine)
    return engine


class WrongStoreThread(RuntimeError):
    """A bug: the store was used from a thread other than the one that opened it."""


def _keep_to_this_thread(engine: Engine) -> None:
    """Every SQLite statement runs on one thread (the window's database lane, a command's
    main thread): from any other, taking a connection raises. The tests run with it on."""
    owner = threading.current_thread()

    def check(*_args: Any) -> None:
        here = threading.current_thread()
        if here is not owner:
            raise WrongStoreThread(
                f"the store was used from thread {here.name!r}; it belongs to {owner.name!r}"
            )

    event.listen(engine, "checkout", check)


def _create_private(path: Path) -> None:
    """A new store is created readable by its user only; an empty one is damage."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_size == 0:
            raise damaged(path, "the file is empty, 0 bytes") from None
        return
    os.close(descriptor)
