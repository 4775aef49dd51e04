"""Which running Primer streams each unfinished reply (a local table, never backed up)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

_IN_CHUNK = 500


class SqliteReplyWriters:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def claim(self, message_id: str, writer: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO reply_writers (message_id, writer) VALUES (?, ?)",
            (message_id, writer),
        )

    def release(self, message_ids: Sequence[str]) -> None:
        for start in range(0, len(message_ids), _IN_CHUNK):
            chunk = tuple(message_ids[start : start + _IN_CHUNK])
            marks = ",".join("?" * len(chunk))
            self._db.execute(f"DELETE FROM reply_writers WHERE message_id IN ({marks})", chunk)

    def streaming(self) -> dict[str, str | None]:
        rows = self._db.execute(
            "SELECT m.id, w.writer FROM messages m INDEXED BY ix_messages_streaming"
            " LEFT JOIN reply_writers w ON w.message_id = m.id WHERE m.status = 'streaming'"
        )
        return {row[0]: row[1] for row in rows}
