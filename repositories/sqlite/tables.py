"""SQLModel mappings of the tables that migrations_sqlite/ creates (migrations own the schema)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel


class UtcText(TypeDecorator[datetime]):
    """Aware UTC datetimes stored as ISO-8601 text that sorts the same way it reads."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return parse_utc(value) if value is not None else None


def parse_utc(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class ChatRow(SQLModel, table=True):
    __tablename__ = "chats"

    id: str = Field(primary_key=True)
    user_id: str
    title: str
    provider: str
    model: str
    system_prompt: str = ""
    pinned: bool = False
    archived: bool = False
    created_at: datetime = Field(sa_type=UtcText)
    updated_at: datetime = Field(sa_type=UtcText)
    deleted_at: datetime | None = Field(default=None, sa_type=UtcText)
    # Written by the store itself (a trigger on Undo, and restore); the domain never sets it.
    undeleted_at: datetime | None = Field(default=None, sa_type=UtcText)


class MessageRow(SQLModel, table=True):
    __tablename__ = "messages"

    id: str = Field(primary_key=True)
    chat_id: str
    parent_id: str | None = None
    role: str
    content: str = ""
    status: str
    provider: str = ""
    model: str = ""
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    error: str | None = None
    metadata_json: str = Field(default="{}", sa_column_kwargs={"name": "metadata"})
    created_at: datetime = Field(sa_type=UtcText)
