"""Chats in SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from domain.entities import Chat, ChatSummary
from domain.errors import NotFoundError
from domain.tags import Tag, TagUse, tags_from_text, tags_text
from repositories.sqlite.store import parse_time, time_text

_COLUMNS = (
    "id", "user_id", "title", "provider", "model", "system_prompt", "pinned", "archived",
    "created_at", "updated_at", "deleted_at", "title_by", "tags",
)  # fmt: skip
"""What a Chat holds; `undeleted_at` is the store's own (a trigger on Undo, and restore)."""
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM chats"
CARRIES_TAG = (
    "EXISTS (SELECT 1 FROM json_each({}.tags) AS t"
    " WHERE lower(json_extract(t.value, '$[0]')) = lower(?))"
)
"""Whether a chat (of the table named) carries the tag given, in any case."""
_IN_CHUNK = 500


def _to_chat(row: tuple) -> Chat:
    return Chat(
        id=row[0],
        user_id=row[1],
        title=row[2],
        provider=row[3],
        model=row[4],
        system_prompt=row[5],
        pinned=bool(row[6]),
        archived=bool(row[7]),
        created_at=parse_time(row[8]),  # type: ignore[arg-type]
        updated_at=parse_time(row[9]),  # type: ignore[arg-type]
        deleted_at=parse_time(row[10]),
        title_by=row[11],
        tags=tags_from_text(row[12]),
    )


def _to_summary(row: tuple, with_count: bool) -> ChatSummary:
    return ChatSummary(
        id=row[0],
        title=row[1],
        provider=row[2],
        model=row[3],
        pinned=bool(row[4]),
        updated_at=parse_time(row[5]),  # type: ignore[arg-type]
        message_count=row[9] if with_count else None,
        active_at=parse_time(row[7]),
        archived=bool(row[6]),
        tags=tags_from_text(row[8]),
    )


def _values(chat: Chat) -> tuple[object, ...]:
    return (
        chat.id, chat.user_id, chat.title, chat.provider, chat.model, chat.system_prompt,
        chat.pinned, chat.archived, time_text(chat.created_at), time_text(chat.updated_at),
        time_text(chat.deleted_at), chat.title_by, tags_text(chat.tags),
    )  # fmt: skip


class SqliteChatRepository:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def add(self, chat: Chat) -> None:
        marks = ", ".join("?" * len(_COLUMNS))
        self._db.execute(f"INSERT INTO chats ({', '.join(_COLUMNS)}) VALUES ({marks})",
                         _values(chat))  # fmt: skip

    def get(self, chat_id: str, *, include_deleted: bool = False) -> Chat:
        row = self._db.execute(f"{_SELECT} WHERE id = ?", (chat_id,)).fetchone()
        if row is None or (row[10] is not None and not include_deleted):
            raise NotFoundError(f"No chat with id {chat_id}.")
        return _to_chat(row)

    def update(self, chat: Chat) -> None:
        settings = ", ".join(f"{name} = ?" for name in _COLUMNS[1:])
        updated = self._db.execute(
            f"UPDATE chats SET {settings} WHERE id = ?", (*_values(chat)[1:], chat.id)
        )
        if updated.rowcount == 0:
            raise NotFoundError(f"No chat with id {chat.id}.")

    def summaries(
        self,
        *,
        with_counts: bool = False,
        ids: Sequence[str] | None = None,
        archived: bool | None = None,
        tag: str | None = None,
    ) -> list[ChatSummary]:
        """`archived`: only the archived chats (True), only the others (False), or all;
        `tag`: only the chats carrying it."""
        # The newest message: one seek per chat in the (chat_id, created_at, ...) index.
        query = (
            "SELECT id, title, provider, model, pinned, updated_at, archived, coalesce((SELECT"
            " max(created_at) FROM messages WHERE messages.chat_id = chats.id), created_at),"
            " tags"
        )
        if with_counts:
            query += ", (SELECT count(*) FROM messages WHERE messages.chat_id = chats.id)"
        query += " FROM chats WHERE deleted_at IS NULL"
        if archived is not None:
            query += f" AND archived = {int(archived)}"
        if tag is not None:
            query += f" AND {CARRIES_TAG.format('chats')}"
        if ids is None:
            rows = self._db.execute(query, (tag,) if tag is not None else ()).fetchall()
        else:
            rows = []
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = tuple(ids[start : start + _IN_CHUNK])
                marks = ", ".join("?" * len(chunk))
                bound = (tag, *chunk) if tag is not None else chunk
                rows += self._db.execute(f"{query} AND id IN ({marks})", bound).fetchall()
        return [_to_summary(row, with_counts) for row in rows]

    def tags(self) -> list[TagUse]:
        """Every tag a chat carries (not deleted), with how many carry it; a name's colour
        is its most recently changed chat's."""
        rows = self._db.execute(
            "SELECT json_extract(t.value, '$[0]'), json_extract(t.value, '$[1]')"
            " FROM chats, json_each(chats.tags) AS t WHERE chats.deleted_at IS NULL"
            " ORDER BY chats.updated_at"
        ).fetchall()
        kept: dict[str, tuple[Tag, int]] = {}
        for name, shade in rows:
            _, count = kept.get(name.casefold(), (None, 0))
            kept[name.casefold()] = (Tag(name, shade), count + 1)
        return sorted((TagUse(tag, count) for tag, count in kept.values()),
                      key=lambda use: use.tag.name.casefold())  # fmt: skip

    def resolve_id(self, id_or_prefix: str) -> str:
        """Accept a whole id or an unambiguous prefix of one, as git does."""
        if self._db.execute("SELECT 1 FROM chats WHERE id = ?", (id_or_prefix,)).fetchone():
            return id_or_prefix
        escaped = id_or_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matches = self._db.execute(
            "SELECT id FROM chats WHERE id LIKE ? ESCAPE '\\' AND deleted_at IS NULL LIMIT 2",
            (f"{escaped}%",),
        ).fetchall()
        if len(matches) == 1:
            return str(matches[0][0])
        if not matches:
            raise NotFoundError(f"No chat with id {id_or_prefix}.")
        raise NotFoundError(f"More than one chat starts with {id_or_prefix}; give more of the id.")
