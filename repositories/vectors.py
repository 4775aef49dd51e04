"""Vectors for search by meaning, beside the store in vectors.db: not in the store (they
can be made again from it) and not in the backup. A row is a passage of one source (a
message, a chat's title, a note, an attached file's text; `domain.meaning.Source`), its
vector kept as DIMENSIONS signed bytes (a unit vector's values times 127); a source with
nothing to embed has a row without a vector, so that it counts as done.

In memory are only the vectors' signs, a bit each (16 MB for a million): a query first takes
the few thousand vectors whose signs agree with its own most (Hamming distance, with NumPy),
then reads those from the file and ranks them by their true similarity. A damaged or
missing file, or one of an older layout, is made anew, empty: the index is rebuilt, never
an error."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from domain.meaning import DIMENSIONS, MESSAGE, Near, Passage, Source

log = logging.getLogger(__name__)
FILE_NAME = "vectors.db"
LAYOUT = "3"
"""Layout 1 kept messages only, by id; layout 2 did not say which chunk of a long message
a vector is. A file of another layout is made anew."""
_BLOCK = 65_536
"""Rows read at a time when the signs are first read."""
CANDIDATES = 3000
"""Vectors a query reads from the file and ranks exactly (those its signs match most)."""
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS vectors (kind TEXT NOT NULL, item TEXT NOT NULL,"
    " part INTEGER NOT NULL DEFAULT 0, vector BLOB);"
    "CREATE INDEX IF NOT EXISTS vectors_source ON vectors (kind, item);"
    "CREATE TABLE IF NOT EXISTS marks (kind TEXT NOT NULL, item TEXT NOT NULL,"
    " mark TEXT NOT NULL, PRIMARY KEY (kind, item)) WITHOUT ROWID;"
)


class NumpyVectorIndex:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE_NAME
        self._lock = threading.Lock()
        self._codes: Any = None  # the vectors' signs, read on the first search
        self._rowids: Any = None  # each one's row in the file
        self._generation: str | None = None
        """The file's count of changes the signs in memory are of: another process (the
        command line while the window runs) changing the file changes it."""
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
            layout = db.execute("SELECT value FROM meta WHERE name = 'layout'").fetchone()
            if layout is None or layout[0] != LAYOUT:
                db.close()
                raise sqlite3.DatabaseError(f"layout {layout[0] if layout else 1}, not {LAYOUT}")
            return db
        except sqlite3.DatabaseError as error:
            log.warning("vectors: %s is unreadable (%s); it is made anew", self.path, error)
            for leftover in (self.path, self.path.with_name(FILE_NAME + "-wal"),
                             self.path.with_name(FILE_NAME + "-shm")):  # fmt: skip
                leftover.unlink(missing_ok=True)
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        fresh = not self.path.exists()
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.executescript(_SCHEMA)
        if fresh:
            db.execute("INSERT INTO meta VALUES ('layout', ?)", (LAYOUT,))
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
            self._db.execute("DELETE FROM marks")
            self._db.execute("DELETE FROM meta WHERE name NOT IN ('layout', 'generation')")
            self._db.execute("INSERT INTO meta VALUES ('key', ?), ('upto', '0')", (key,))
            self._changed()
            self._db.execute("COMMIT")
            self._codes, self._rowids = None, None

    def done_upto(self) -> int:
        with self._lock:
            return int(self._meta("upto") or 0)

    def count(self) -> int:
        """Messages done (embedded, or with nothing to embed)."""
        with self._lock:
            return int(self._db.execute(
                "SELECT count(DISTINCT item) FROM vectors WHERE kind = ?", (MESSAGE,)
            ).fetchone()[0])  # fmt: skip

    def marks(self, kind: str) -> dict[str, str]:
        with self._lock:
            rows = self._db.execute("SELECT item, mark FROM marks WHERE kind = ?", (kind,))
            return dict(rows.fetchall())

    def missing(self, numbers: Sequence[int]) -> list[int]:
        """Of these message numbers (all the store's), those not done, in order; the
        vectors of messages no longer among them are dropped."""
        import numpy as np

        with self._lock:
            done = np.array([row[0] for row in self._db.execute(
                "SELECT DISTINCT CAST(item AS INTEGER) FROM vectors WHERE kind = ?", (MESSAGE,)
            )], dtype=np.int64)  # fmt: skip
        wanted = np.asarray(numbers, dtype=np.int64)
        gone = np.setdiff1d(done, wanted)
        if len(gone):
            self.forget([Source(MESSAGE, str(number)) for number in gone.tolist()])
        return np.setdiff1d(wanted, done).tolist()  # type: ignore[no-any-return]

    def add(
        self,
        done: Sequence[tuple[Source, str]],
        passages: Sequence[Passage],
        vectors: Sequence[Sequence[float]],
        upto: int | None = None,
    ) -> None:
        """Record `done` sources (each with its mark: what its vectors stand for) with their
        passages' vectors, in place of any they had; `upto`: messages are done up to it."""
        import numpy as np

        packed = np.clip(np.rint(np.asarray(vectors, dtype=np.float32) * 127), -127, 127)
        rows = packed.astype(np.int8).reshape(len(passages), DIMENSIONS) if passages else None
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            gone = self._drop([source for source, _ in done if source.kind != MESSAGE])
            last = int(
                self._db.execute("SELECT coalesce(max(rowid), 0) FROM vectors").fetchone()[0]
            )
            if rows is not None:  # (rows take the numbers after the last, in order)
                self._db.executemany(
                    "INSERT INTO vectors (kind, item, part, vector) VALUES (?, ?, ?, ?)",
                    [(p.source.kind, p.source.item, p.part, row.tobytes())
                     for p, row in zip(passages, rows, strict=True)],
                )  # fmt: skip
            embedded = {p.source for p in passages}
            self._db.executemany(
                "INSERT INTO vectors (kind, item) VALUES (?, ?)",
                [(s.kind, s.item) for s, _ in done if s not in embedded],
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO marks VALUES (?, ?, ?)",
                [(s.kind, s.item, mark) for s, mark in done if s.kind != MESSAGE],
            )
            if upto is not None:
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('upto', ?)", (str(upto),))
            current = self._changed()
            self._db.execute("COMMIT")
            if current:
                self._unload(gone)
                if rows is not None:
                    self._codes = np.concatenate([self._codes, _signs(rows)])
                    numbers = np.arange(last + 1, last + 1 + len(rows), dtype=np.int64)
                    self._rowids = np.concatenate([self._rowids, numbers])

    def forget(self, sources: Sequence[Source]) -> None:
        """Drop these sources' vectors (a deleted note, a chat gone)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            gone = self._drop(sources)
            self._db.executemany("DELETE FROM marks WHERE kind = ? AND item = ?",
                                 [(s.kind, s.item) for s in sources])  # fmt: skip
            current = self._changed()
            self._db.execute("COMMIT")
            if current:
                self._unload(gone)

    def _changed(self) -> bool:
        """Count a change of the file (in its transaction); whether the signs in memory
        were of the file as it was just before (they are kept up to date then; else they
        are read again by the next search)."""
        before = self._meta("generation")
        after = str(int(before or 0) + 1)
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (after,))
        current = self._codes is not None and before == self._generation
        if current:
            self._generation = after
        else:
            self._codes, self._rowids = None, None
        return current

    def _drop(self, sources: Iterable[Source]) -> list[int]:
        """Delete the sources' rows; their row numbers."""
        gone: list[int] = []
        for source in sources:
            found = self._db.execute("SELECT rowid FROM vectors WHERE kind = ? AND item = ?",
                                     (source.kind, source.item)).fetchall()  # fmt: skip
            gone += [row[0] for row in found]
        for start in range(0, len(gone), 500):
            part = gone[start : start + 500]
            self._db.execute(f"DELETE FROM vectors WHERE rowid IN ({', '.join('?' * len(part))})",
                             part)  # fmt: skip
        return gone

    def _unload(self, rowids: Sequence[int]) -> None:
        import numpy as np

        if rowids:
            keep = ~np.isin(self._rowids, np.asarray(rowids, dtype=np.int64))
            self._codes, self._rowids = self._codes[keep], self._rowids[keep]

    def vectors_of(self, source: Source) -> list[list[float]]:
        """The source's vectors (a long message has one a chunk)."""
        import numpy as np

        with self._lock:
            rows = self._db.execute(
                "SELECT vector FROM vectors WHERE kind = ? AND item = ? AND vector IS NOT NULL",
                (source.kind, source.item),
            ).fetchall()
        return [(np.frombuffer(row[0], dtype=np.int8) / 127.0).tolist() for row in rows]

    def nearest(self, vector: Sequence[float], limit: int) -> list[Near]:
        import numpy as np

        with self._lock:
            if self._codes is None or self._meta("generation") != self._generation:
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
        scored: list[tuple[float, str, str, int]] = []
        with self._lock:
            for start in range(0, len(closest), 500):
                part = [int(rowid) for rowid in closest[start : start + 500]]
                marks = ", ".join("?" for _ in part)
                rows = self._db.execute(
                    f"SELECT kind, item, part, vector FROM vectors WHERE rowid IN ({marks})"
                    " AND vector IS NOT NULL",
                    part,
                ).fetchall()
                if not rows:
                    continue
                matrix = np.frombuffer(b"".join(r[3] for r in rows), dtype=np.int8).reshape(
                    len(rows), DIMENSIONS)  # fmt: skip
                scores = matrix.astype(np.float32) @ query / 127.0
                scored += [
                    (score, r[0], r[1], r[2])
                    for score, r in zip(scores.tolist(), rows, strict=True)
                ]
        found: dict[Source, Near] = {}
        for score, kind, item, part in sorted(scored, reverse=True):
            source = Source(kind, item)
            found.setdefault(source, Near(source, score, part))
            if len(found) == limit:
                break
        return list(found.values())

    def _load(self) -> None:
        """The signs of every vector, read a block at a time."""
        import numpy as np

        self._generation = self._meta("generation")  # (read first: a later change reloads)
        total = int(self._db.execute("SELECT count(*) FROM vectors").fetchone()[0])
        self._codes = np.empty((total, DIMENSIONS // 64), dtype=np.uint64)
        self._rowids = np.empty(total, dtype=np.int64)
        cursor = self._db.execute(
            "SELECT rowid, vector FROM vectors WHERE vector IS NOT NULL ORDER BY rowid"
        )
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
