"""Messages' vectors for search by meaning, beside the store in vectors.db: not in the
store (they can be made again from it) and not in the backup. Each vector is kept as
DIMENSIONS signed bytes (a unit vector's values times 127). In memory are only their signs,
a bit each (16 MB for a million): a query first takes the few thousand vectors whose signs
agree with its own most (Hamming distance, with NumPy), then reads those from the file and
ranks them by their true similarity. A damaged or missing file is made anew, empty: the
index is rebuilt, never an error."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from domain.meaning import DIMENSIONS, Passage

log = logging.getLogger(__name__)
FILE_NAME = "vectors.db"
_BLOCK = 65_536
"""Rows read at a time when the signs are first read."""
CANDIDATES = 3000
"""Vectors a query reads from the file and ranks exactly (those its signs match most)."""


class NumpyVectorIndex:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE_NAME
        self._lock = threading.Lock()
        self._codes: Any = None  # the vectors' signs, read on the first search
        self._rowids: Any = None  # each one's row in the file
        self._opened: sqlite3.Connection | None = None

    @property
    def _db(self) -> sqlite3.Connection:
        """Opened when first used: no file until search by meaning is turned on."""
        if self._opened is None:
            self._opened = self._open()
        return self._opened

    def _open(self) -> sqlite3.Connection:
        try:
            db = self._connect()
            db.execute("SELECT count(*) FROM vectors").fetchone()
            return db
        except sqlite3.DatabaseError as error:
            log.warning("vectors: %s is unreadable (%s); it is made anew", self.path, error)
            for leftover in (self.path, self.path.with_name(FILE_NAME + "-wal"),
                             self.path.with_name(FILE_NAME + "-shm")):  # fmt: skip
                leftover.unlink(missing_ok=True)
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.executescript(
            "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS vectors (message_id TEXT NOT NULL,"
            " chat_id TEXT NOT NULL, vector BLOB NOT NULL);"
        )
        return db

    def _meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def key(self) -> str | None:
        with self._lock:
            return self._meta("key")

    def reset(self, key: str) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM vectors")
            self._db.execute("DELETE FROM meta")
            self._db.execute("INSERT INTO meta VALUES ('key', ?), ('upto', '0')", (key,))
            self._db.execute("COMMIT")
            self._codes, self._rowids = None, None

    def done_upto(self) -> int:
        with self._lock:
            return int(self._meta("upto") or 0)

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM vectors").fetchone()[0])

    def add(self, passages: Sequence[Passage], vectors: Sequence[Sequence[float]],
            upto: int) -> None:  # fmt: skip
        import numpy as np

        packed = np.clip(np.rint(np.asarray(vectors, dtype=np.float32) * 127), -127, 127)
        rows = packed.astype(np.int8).reshape(len(passages), DIMENSIONS) if passages else None
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            last = int(
                self._db.execute("SELECT coalesce(max(rowid), 0) FROM vectors").fetchone()[0]
            )
            if rows is not None:  # (rows take the numbers after the last, in order)
                values = [
                    (p.message_id, p.chat_id, row.tobytes())
                    for p, row in zip(passages, rows, strict=True)
                ]
                self._db.executemany(
                    "INSERT INTO vectors (message_id, chat_id, vector) VALUES (?, ?, ?)", values
                )
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('upto', ?)", (str(upto),))
            self._db.execute("COMMIT")
            if self._codes is not None and rows is not None:
                self._codes = np.concatenate([self._codes, _signs(rows)])
                numbers = np.arange(last + 1, last + 1 + len(rows), dtype=np.int64)
                self._rowids = np.concatenate([self._rowids, numbers])

    def nearest(self, vector: Sequence[float], limit: int) -> list[tuple[str, float]]:
        import numpy as np

        with self._lock:
            if self._codes is None:
                self._load()
            codes, rowids = self._codes, self._rowids
        if not len(rowids):
            return []
        query = np.asarray(vector, dtype=np.float32)
        signs = _signs(query[None, :])[0]
        apart = np.zeros(len(rowids), dtype=np.uint16)
        for word in range(codes.shape[1]):  # (a column at a time: faster than sum(axis=1))
            apart += np.bitwise_count(codes[:, word] ^ signs[word])
        wanted = min(len(rowids), max(CANDIDATES, limit * 20))
        closest = rowids[np.argpartition(apart, wanted - 1)[:wanted]]
        scored: list[tuple[float, str]] = []
        with self._lock:
            for start in range(0, len(closest), 500):
                part = [int(rowid) for rowid in closest[start : start + 500]]
                marks = ", ".join("?" for _ in part)
                rows = self._db.execute(
                    f"SELECT message_id, vector FROM vectors WHERE rowid IN ({marks})", part
                ).fetchall()
                matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.int8).reshape(
                    len(rows), DIMENSIONS)  # fmt: skip
                scores = matrix.astype(np.float32) @ query / 127.0
                scored += zip(scores.tolist(), (r[0] for r in rows), strict=True)
        found: dict[str, float] = {}
        for score, message_id in sorted(scored, reverse=True):
            found.setdefault(message_id, score)
            if len(found) == limit:
                break
        return list(found.items())

    def _load(self) -> None:
        """The signs of every vector, read a block at a time."""
        import numpy as np

        total = int(self._db.execute("SELECT count(*) FROM vectors").fetchone()[0])
        self._codes = np.empty((total, DIMENSIONS // 64), dtype=np.uint64)
        self._rowids = np.empty(total, dtype=np.int64)
        cursor = self._db.execute("SELECT rowid, vector FROM vectors ORDER BY rowid")
        done = 0
        while rows := cursor.fetchmany(_BLOCK):
            block = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.int8).reshape(
                len(rows), DIMENSIONS)  # fmt: skip
            self._codes[done : done + len(rows)] = _signs(block)
            self._rowids[done : done + len(rows)] = [r[0] for r in rows]
            done += len(rows)
        self._codes, self._rowids = self._codes[:done], self._rowids[:done]

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()


def _signs(vectors: Any) -> Any:
    """Each vector's signs, a bit a value, as 64-bit words (DIMENSIONS // 64 a vector)."""
    import numpy as np

    bits = np.packbits(vectors > 0, axis=1)
    return np.ascontiguousarray(bits).view(np.uint64)
