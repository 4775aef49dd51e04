"""Open the local store: migrate it, then hand out one SQLAlchemy engine for it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from domain.errors import StoreError
from repositories.sqlite.migrations import migrate

DATABASE_NAME = "primer.db"


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def open_store(data_dir: Path) -> Engine:
    """Create the data folder if needed, migrate the database and return its engine."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(
            f"Primer cannot create its data folder {data_dir}: {error.strerror}."
        ) from None
    path = data_dir / DATABASE_NAME
    migrate(path)
    try:
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA journal_mode = WAL")
        connection.close()
    except sqlite3.Error as error:
        raise StoreError(f"Primer cannot use its database at {path}: {error}.") from None
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _on_connect)
    return engine
