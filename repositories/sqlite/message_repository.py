"""Messages in SQLite."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Sequence

from domain.attachments import Attachment, StoredFile
from domain.entities import Message, MessageStatus, Role
from domain.errors import NotFoundError
from repositories.sqlite.file_repository import SqliteFileRepository
from repositories.sqlite.store import parse_time, time_text

_IN_CHUNK = 500
_COLUMNS = (
    "id", "chat_id", "parent_id", "role", "content", "status", "provider", "model",
    "input_tokens", "output_tokens", "cost", "error", "metadata", "created_at",
)  # fmt: skip
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM messages"
_STREAMING = MessageStatus.STREAMING.value


def _to_message(row: tuple) -> Message:
    return Message(
        id=row[0],
        chat_id=row[1],
        parent_id=row[2],
        role=Role(row[3]),
        content=row[4],
        status=MessageStatus(row[5]),
        provider=row[6],
        model=row[7],
        input_tokens=row[8],
        output_tokens=row[9],
        cost=row[10],
        error=row[11],
        metadata=json.loads(row[12] or "{}"),
        created_at=parse_time(row[13]),  # type: ignore[arg-type]
    )


def _values(message: Message) -> tuple[object, ...]:
    return (
        message.id, message.chat_id, message.parent_id, message.role.value, message.content,
        message.status.value, message.provider, message.model, message.input_tokens,
        message.output_tokens, message.cost, message.error,
        json.dumps(message.metadata, separators=(",", ":")), time_text(message.created_at),
    )  # fmt: skip


def _chunks(ids: Sequence[str]) -> list[tuple[tuple[str, ...], str]]:
    """`ids` a few hundred at a time (SQLite's limit on variables), with their `?` marks."""
    chunks = [tuple(ids[start : start + _IN_CHUNK]) for start in range(0, len(ids), _IN_CHUNK)]
    return [(chunk, ", ".join("?" * len(chunk))) for chunk in chunks]


class SqliteMessageRepository:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def add(self, message: Message) -> None:
        marks = ", ".join("?" * len(_COLUMNS))
        self._db.execute(f"INSERT INTO messages ({', '.join(_COLUMNS)}) VALUES ({marks})",
                         _values(message))  # fmt: skip
        files = SqliteFileRepository(self._db)
        for position, attachment in enumerate(message.attachments):
            files.add(attachment.file)
            self._db.execute(
                "INSERT INTO attachments (message_id, position, sha256, name) VALUES (?, ?, ?, ?)",
                (message.id, position, attachment.sha256, attachment.name),
            )

    def get(self, message_id: str) -> Message:
        row = self._db.execute(f"{_SELECT} WHERE id = ?", (message_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"No message with id {message_id}.")
        return self._with_attachments([_to_message(row)])[0]

    def update(self, message: Message) -> None:
        settings = ", ".join(f"{name} = ?" for name in _COLUMNS[1:])
        updated = self._db.execute(
            f"UPDATE messages SET {settings} WHERE id = ?", (*_values(message)[1:], message.id)
        )
        if updated.rowcount == 0:
            raise NotFoundError(f"No message with id {message.id}.")

    def lineage(self, chat_id: str) -> list[tuple[str, str | None]]:
        return self._db.execute(  # the covering index: no row is read
            "SELECT id, parent_id FROM messages WHERE chat_id = ? ORDER BY created_at, id",
            (chat_id,),
        ).fetchall()

    def get_many(self, message_ids: Sequence[str]) -> list[Message]:
        found: dict[str, Message] = {}
        for chunk, marks in _chunks(message_ids):
            for row in self._db.execute(f"{_SELECT} WHERE id IN ({marks})", chunk):
                found[row[0]] = _to_message(row)
        return self._with_attachments([found[i] for i in message_ids if i in found])

    def _with_attachments(self, messages: list[Message]) -> list[Message]:
        """The messages with the files they carry (one indexed look-up a few hundred
        messages at a time: most carry none)."""
        carried: dict[str, list[Attachment]] = {}
        for chunk, marks in _chunks([m.id for m in messages]):
            rows = self._db.execute(
                "SELECT a.message_id, a.name, f.sha256, f.size, f.mime, f.width, f.height,"
                " f.text, f.thumbnail FROM attachments a JOIN files f USING (sha256)"
                f" WHERE a.message_id IN ({marks}) ORDER BY a.message_id, a.position",
                chunk,
            )
            for message_id, name, *file in rows:
                carried.setdefault(message_id, []).append(Attachment(name, StoredFile(*file)))
        if not carried:
            return messages
        return [
            dataclasses.replace(m, attachments=tuple(carried[m.id])) if m.id in carried else m
            for m in messages
        ]

    def failed_ids(self, chat_id: str) -> set[str]:
        rows = self._db.execute(
            "SELECT id FROM messages INDEXED BY ix_messages_failed"
            " WHERE chat_id = ? AND status = 'error'",
            (chat_id,),
        )
        return {row[0] for row in rows}

    def save_progress(self, message_id: str, content: str) -> bool:
        saved = self._db.execute(
            "UPDATE messages SET content = ? WHERE id = ? AND status = ?",
            (content, message_id, _STREAMING),
        )
        return saved.rowcount > 0

    def mark_interrupted(self, message_ids: Sequence[str]) -> None:
        for chunk, marks in _chunks(message_ids):
            self._db.execute(
                f"UPDATE messages SET status = ? WHERE id IN ({marks}) AND status = ?",
                (MessageStatus.INTERRUPTED.value, *chunk, _STREAMING),
            )
