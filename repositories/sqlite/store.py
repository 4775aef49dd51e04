"""The local store's file, and a connection to it for each thread that uses it (in the
app, one thread does: the window's database lane, or a command's main thread).

Plain `sqlite3`: the store's SQL is Primer's own business, written out in the
repositories, and the module costs nothing to import (SQLAlchemy and SQLModel took a
quarter of a second of every `primer` command, bench.cli_round_trip).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from repositories.sqlite.store_health import describe

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
"""Aware UTC times are stored as this text, which sorts the way it reads."""

Tracer = Callable[[str], None]


def time_text(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class WrongStoreThread(RuntimeError):
    """A bug: the store was used from a thread other than the one that opened it."""


class Store:
    def __init__(self, path: Path, *, one_thread: bool = False) -> None:
        """`one_thread`: using the store from any thread but this one raises (the tests
        run with it on, so that every statement is seen to run on the store's thread)."""
        self.path = path
        self._owner = threading.current_thread() if one_thread else None
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._tracer: Tracer | None = None

    def connection(self) -> sqlite3.Connection:
        """This thread's connection. Python's own transaction handling: a write begins a
        transaction, `commit` or `rollback` ends it."""
        here = threading.current_thread()
        if self._owner is not None and here is not self._owner:
            raise WrongStoreThread(
                f"the store was used from thread {here.name!r}; it belongs to {self._owner.name!r}"
            )
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            try:
                connection = sqlite3.connect(self.path, check_same_thread=False)
                connection.execute("PRAGMA foreign_keys = ON")
                connection.execute("PRAGMA busy_timeout = 10000")
                connection.execute("PRAGMA synchronous = NORMAL")
            except sqlite3.Error as error:
                raise describe(error, self.path) from None
            connection.set_trace_callback(self._tracer)
            self._local.connection = connection
            with self._lock:
                self._opened.append(connection)
        return connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Statements committed together, or not at all; SQLite's failures as a sentence."""
        db = self.connection()
        try:
            yield db
            db.commit()
        except sqlite3.Error as error:
            db.rollback()
            raise describe(error, self.path) from None
        except BaseException:
            db.rollback()
            raise

    def trace(self, tracer: Tracer | None) -> None:
        """Hand every statement the store runs to `tracer` (None: stop); for tests."""
        self._tracer = tracer
        with self._lock:
            for connection in self._opened:
                connection.set_trace_callback(tracer)

    def close(self) -> None:
        """Close every connection (the store's threads have ended)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()
        self._local = threading.local()
