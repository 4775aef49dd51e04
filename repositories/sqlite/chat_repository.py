"""Chats in SQLite."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.entities import Chat, ChatSummary
from domain.errors import NotFoundError
from repositories.sqlite.tables import ChatRow, MessageRow


def _to_chat(row: ChatRow) -> Chat:
    return Chat(
        id=row.id,
        user_id=row.user_id,
        title=row.title,
        provider=row.provider,
        model=row.model,
        system_prompt=row.system_prompt,
        pinned=bool(row.pinned),
        archived=bool(row.archived),
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
    )


class SqliteChatRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, chat: Chat) -> None:
        self._session.add(ChatRow(**_fields(chat)))
        self._session.flush()

    def get(self, chat_id: str, *, include_deleted: bool = False) -> Chat:
        row = self._session.get(ChatRow, chat_id)
        if row is None or (row.deleted_at is not None and not include_deleted):
            raise NotFoundError(f"No chat with id {chat_id}.")
        return _to_chat(row)

    def update(self, chat: Chat) -> None:
        row = self._session.get(ChatRow, chat.id)
        if row is None:
            raise NotFoundError(f"No chat with id {chat.id}.")
        for name, value in _fields(chat).items():
            setattr(row, name, value)
        self._session.flush()

    def summaries(
        self, *, with_counts: bool = False, ids: Sequence[str] | None = None
    ) -> list[ChatSummary]:
        newest_message = (
            select(func.max(MessageRow.created_at))
            .where(col(MessageRow.chat_id) == col(ChatRow.id))
            .scalar_subquery()
        )  # one seek per chat in the (chat_id, created_at, ...) index
        columns = [
            ChatRow.id,
            ChatRow.title,
            ChatRow.provider,
            ChatRow.model,
            ChatRow.pinned,
            ChatRow.updated_at,
            func.coalesce(newest_message, ChatRow.created_at),
        ]
        query = select(*columns).where(col(ChatRow.deleted_at).is_(None))
        if with_counts:
            counts = (
                select(MessageRow.chat_id, func.count().label("n"))
                .group_by(MessageRow.chat_id)
                .subquery()
            )
            query = (
                select(*columns, func.coalesce(counts.c.n, 0))
                .where(col(ChatRow.deleted_at).is_(None))
                .outerjoin(counts, counts.c.chat_id == ChatRow.id)
            )
        if ids is not None:
            query = query.where(col(ChatRow.id).in_(ids))
        rows = self._session.exec(query).all()
        return [
            ChatSummary(
                r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[7] if with_counts else None, r[6]
            )
            for r in rows
        ]

    def resolve_id(self, id_or_prefix: str) -> str:
        """Accept a whole id or an unambiguous prefix of one, as git does."""
        if self._session.get(ChatRow, id_or_prefix) is not None:
            return id_or_prefix
        escaped = id_or_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matches = self._session.exec(
            select(ChatRow.id)
            .where(col(ChatRow.id).like(f"{escaped}%", escape="\\"))
            .where(col(ChatRow.deleted_at).is_(None))
            .limit(2)
        ).all()
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise NotFoundError(f"No chat with id {id_or_prefix}.")
        raise NotFoundError(f"More than one chat starts with {id_or_prefix}; give more of the id.")


def _fields(chat: Chat) -> dict[str, object]:
    return {
        "id": chat.id,
        "user_id": chat.user_id,
        "title": chat.title,
        "provider": chat.provider,
        "model": chat.model,
        "system_prompt": chat.system_prompt,
        "pinned": chat.pinned,
        "archived": chat.archived,
        "created_at": chat.created_at,
        "updated_at": chat.updated_at,
        "deleted_at": chat.deleted_at,
    }
