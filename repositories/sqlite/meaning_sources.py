"""The store's side of search by meaning: what there is to embed (messages by their
number, chats' titles, notes, attached files' text), read in the pieces the indexer asks
for, so that no read holds the store's thread for long."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from domain.meaning import CHUNK, FILE_CHUNKS

Row = tuple[int, str, str]
"""(number, text, status) of a message."""


class SqliteMeaningSources:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def messages_after(self, number: int, limit: int) -> list[Row]:
        """The messages stored after `number`, in the order of their numbers (a message's
        number is its rowid: its time key)."""
        return self._db.execute(
            "SELECT rowid, content, status FROM messages WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (number, limit),
        ).fetchall()

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM messages").fetchone()[0])

    def characters_after(self, number: int) -> int:
        """The length of the text of the messages stored after `number`."""
        return int(self._db.execute("SELECT total(length(content)) FROM messages WHERE rowid > ?",
                                    (number,)).fetchone()[0])  # fmt: skip

    def message_numbers(self, after_id: str, limit: int) -> list[tuple[str, int]]:
        """(id, number) of the next `limit` messages by id (the id index holds both: no
        message is read)."""
        return self._db.execute(
            "SELECT id, rowid FROM messages INDEXED BY sqlite_autoindex_messages_1"
            " WHERE id > ? ORDER BY id LIMIT ?",
            (after_id, limit),
        ).fetchall()

    def number(self, message_id: str) -> int | None:
        row = self._db.execute("SELECT rowid FROM messages WHERE id = ?", (message_id,)).fetchone()
        return row[0] if row else None

    def messages(self, numbers: Sequence[int]) -> list[Row]:
        marks = ", ".join("?" for _ in numbers)
        return self._db.execute(
            f"SELECT rowid, content, status FROM messages WHERE rowid IN ({marks}) ORDER BY rowid",
            list(numbers),
        ).fetchall()

    def titles(self) -> list[tuple[str, str]]:
        """(chat id, title) of every chat not deleted."""
        return self._db.execute("SELECT id, title FROM chats WHERE deleted_at IS NULL").fetchall()

    def notes(self) -> list[tuple[str, str, str]]:
        """(id, when it last changed, its words and the text it highlights) of every note
        not deleted."""
        return self._db.execute(
            "SELECT id, updated_at, text || char(10) || quote FROM notes WHERE deleted_at IS NULL"
        ).fetchall()

    def files(self) -> list[str]:
        """The SHA-256 of every attached file with text (a PDF's, a text file's)."""
        rows = self._db.execute("SELECT sha256 FROM files WHERE text IS NOT NULL AND text != ''")
        return [row[0] for row in rows]

    def file_texts(self, sha256s: Sequence[str]) -> list[tuple[str, str]]:
        marks = ", ".join("?" for _ in sha256s)
        return self._db.execute(
            f"SELECT sha256, substr(text, 1, {CHUNK * FILE_CHUNKS}) FROM files"
            f" WHERE sha256 IN ({marks})",
            list(sha256s),
        ).fetchall()
