"""The `files` rows: what is known of each attached file's bytes, kept once."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from domain.attachments import StoredFile
from repositories.sqlite.store import time_text


class SqliteFileRepository:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def add(self, file: StoredFile) -> None:
        """Its row, once (attached again after its bytes left this device: kept anew)."""
        self._db.execute(
            "INSERT INTO files (sha256, size, mime, width, height, text, thumbnail, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET removed_at = NULL",
            (file.sha256, file.size, file.mime, file.width, file.height, file.text,
             file.thumbnail, time_text(datetime.now(UTC))),
        )  # fmt: skip

    def known(self, sha256: str) -> bool:
        found = self._db.execute("SELECT 1 FROM files WHERE sha256 = ?", (sha256,)).fetchone()
        return found is not None

    def unused_since(self, cutoff: datetime) -> list[str]:
        """Files still on this device that no chat uses but ones deleted before `cutoff`."""
        rows = self._db.execute(
            "SELECT f.sha256 FROM files f WHERE f.removed_at IS NULL AND NOT EXISTS ("
            " SELECT 1 FROM attachments a JOIN messages m ON m.id = a.message_id"
            " JOIN chats c ON c.id = m.chat_id WHERE a.sha256 = f.sha256"
            " AND (c.deleted_at IS NULL OR c.deleted_at > ?))",
            (time_text(cutoff),),
        )
        return [row[0] for row in rows]

    def mark_removed(self, sha256s: Sequence[str], at: datetime) -> None:
        self._db.executemany(
            "UPDATE files SET removed_at = ? WHERE sha256 = ?",
            [(time_text(at), sha256) for sha256 in sha256s],
        )
