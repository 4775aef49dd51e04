"""Notes on messages in SQLite (migrations_sqlite/0017_notes.sql). A note's message or chat
may be gone: it is listed all the same, marked as orphaned."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from domain.errors import NotFoundError
from domain.notes import Note, NoteView
from domain.tags import tags_from_text
from repositories.sqlite.store import parse_time, time_text

_COLUMNS = "n.id, n.message_id, n.chat_id, n.text, n.quote, n.colour, n.created_at, n.updated_at"
_LISTED = f"""
SELECT {_COLUMNS}, coalesce(c.title, ''),
       m.id IS NULL OR c.id IS NULL OR c.deleted_at IS NOT NULL, coalesce(c.tags, '[]')
FROM notes n
LEFT JOIN messages m ON m.id = n.message_id
LEFT JOIN chats c ON c.id = n.chat_id
WHERE n.deleted_at IS NULL"""


def _to_note(row: Sequence) -> Note:
    return Note(row[0], row[1], row[2], row[3], row[4], row[5], parse_time(row[6]),
                parse_time(row[7]))  # fmt: skip


class SqliteNoteRepository:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def add(self, note: Note) -> None:
        self._db.execute(
            "INSERT INTO notes (id, message_id, chat_id, text, quote, colour, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                note.id,
                note.message_id,
                note.chat_id,
                note.text,
                note.quote,
                note.colour,
                time_text(note.created_at),
                time_text(note.updated_at),
            ),
        )

    def get(self, note_id: str) -> Note:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM notes n WHERE n.id = ? AND n.deleted_at IS NULL",
            (note_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"No note {note_id}.")
        return _to_note(row)

    def update(self, note: Note) -> None:
        self._db.execute(
            "UPDATE notes SET text = ?, quote = ?, colour = ?, updated_at = ? WHERE id = ?",
            (note.text, note.quote, note.colour, time_text(note.updated_at), note.id),
        )

    def delete(self, note_id: str, when: datetime) -> None:
        self._db.execute(
            "UPDATE notes SET deleted_at = ?, updated_at = ?, text = '', quote = '' WHERE id = ?",
            (time_text(when), time_text(when), note_id),
        )

    def listed(self, chat_id: str | None = None) -> list[NoteView]:
        sql, parameters = _LISTED, ()
        if chat_id is not None:
            sql, parameters = f"{sql} AND n.chat_id = ?", (chat_id,)
        rows = self._db.execute(f"{sql} ORDER BY n.updated_at DESC, n.id DESC", parameters)
        return [NoteView(_to_note(row), row[8], bool(row[9]), tags_from_text(row[10]))
                for row in rows]  # fmt: skip

    def of_message(self, message_id: str) -> list[Note]:
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM notes n WHERE n.message_id = ? AND n.deleted_at IS NULL"
            " ORDER BY n.created_at",
            (message_id,),
        )
        return [_to_note(row) for row in rows]

    def exists(self, note_id: str) -> bool:
        return (
            self._db.execute("SELECT 1 FROM notes WHERE id = ?", (note_id,)).fetchone() is not None
        )
