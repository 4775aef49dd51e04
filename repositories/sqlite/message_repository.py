"""Messages in SQLite."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import Session, col, select

from domain.entities import Message, MessageStatus, Role
from domain.errors import NotFoundError
from repositories.sqlite.tables import MessageRow

_IN_CHUNK = 500


def _to_message(row: MessageRow) -> Message:
    return Message(
        id=row.id,
        chat_id=row.chat_id,
        parent_id=row.parent_id,
        role=Role(row.role),
        content=row.content,
        status=MessageStatus(row.status),
        created_at=row.created_at,
        provider=row.provider,
        model=row.model,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        cost=row.cost,
        error=row.error,
        metadata=json.loads(row.metadata_json or "{}"),
    )


def _fields(message: Message) -> dict[str, object]:
    return {
        "id": message.id,
        "chat_id": message.chat_id,
        "parent_id": message.parent_id,
        "role": message.role.value,
        "content": message.content,
        "status": message.status.value,
        "provider": message.provider,
        "model": message.model,
        "input_tokens": message.input_tokens,
        "output_tokens": message.output_tokens,
        "cost": message.cost,
        "error": message.error,
        "metadata_json": json.dumps(message.metadata, separators=(",", ":")),
        "created_at": message.created_at,
    }


class SqliteMessageRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, message: Message) -> None:
        self._session.add(MessageRow(**_fields(message)))
        self._session.flush()

    def get(self, message_id: str) -> Message:
        row = self._session.get(MessageRow, message_id)
        if row is None:
            raise NotFoundError(f"No message with id {message_id}.")
        return _to_message(row)

    def update(self, message: Message) -> None:
        row = self._session.get(MessageRow, message.id)
        if row is None:
            raise NotFoundError(f"No message with id {message.id}.")
        for name, value in _fields(message).items():
            setattr(row, name, value)
        self._session.flush()

    def lineage(self, chat_id: str) -> list[tuple[str, str | None]]:
        # Thousands of small tuples: read them straight from the driver (covering index).
        rows = self._session.connection().exec_driver_sql(
            "SELECT id, parent_id FROM messages WHERE chat_id = ? ORDER BY created_at, id",
            (chat_id,),
        )
        return [(r[0], r[1]) for r in rows]

    def get_many(self, message_ids: Sequence[str]) -> list[Message]:
        found: dict[str, Message] = {}
        for start in range(0, len(message_ids), _IN_CHUNK):
            chunk = message_ids[start : start + _IN_CHUNK]
            for row in self._session.exec(
                select(MessageRow).where(col(MessageRow.id).in_(chunk))
            ).all():
                found[row.id] = _to_message(row)
        return [found[i] for i in message_ids if i in found]

    def failed_ids(self, chat_id: str) -> set[str]:
        rows = self._session.connection().exec_driver_sql(
            "SELECT id FROM messages INDEXED BY ix_messages_failed"
            " WHERE chat_id = ? AND status = 'error'",
            (chat_id,),
        )
        return {row[0] for row in rows}

    def save_progress(self, message_id: str, content: str) -> bool:
        result = self._session.exec(  # type: ignore[call-overload]
            update(MessageRow)
            .where(col(MessageRow.id) == message_id)
            .where(col(MessageRow.status) == MessageStatus.STREAMING.value)
            .values(content=content)
        )
        return bool(result.rowcount)

    def mark_interrupted(self, message_ids: Sequence[str]) -> None:
        for start in range(0, len(message_ids), _IN_CHUNK):
            self._session.exec(  # type: ignore[call-overload]
                update(MessageRow)
                .where(col(MessageRow.id).in_(message_ids[start : start + _IN_CHUNK]))
                .where(col(MessageRow.status) == MessageStatus.STREAMING.value)
                .values(status=MessageStatus.INTERRUPTED.value)
            )
