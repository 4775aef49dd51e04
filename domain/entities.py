"""Primer's core records. Frozen, so they can cross threads safely."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from domain.tags import Tag

if TYPE_CHECKING:
    from domain.attachments import Attachment


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class MessageStatus(StrEnum):
    COMPLETE = "complete"
    STREAMING = "streaming"
    INTERRUPTED = "interrupted"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Chat:
    id: str
    user_id: str
    title: str
    provider: str
    model: str
    system_prompt: str
    pinned: bool
    archived: bool
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    title_by: str = "person"
    """Who wrote the title: "message" (the first message's first line, until a model
    writes one), "model", or "person" (typed, imported or restored: never replaced)."""
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True, slots=True)
class ChatSummary:
    """What the chat list shows; cheap to load for thousands of chats."""

    id: str
    title: str
    provider: str
    model: str
    pinned: bool
    updated_at: datetime
    message_count: int | None = None
    active_at: datetime | None = None
    """When its newest message was written (its creation, without messages): the list's
    order, so a rename, a pin or an Undo does not move a chat to the top."""
    archived: bool = False
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    chat_id: str
    parent_id: str | None
    role: Role
    content: str
    status: MessageStatus
    created_at: datetime
    provider: str = ""
    model: str = ""
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    error: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()
    """The files it carries, in the order they were attached."""


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens of one request, as its provider reported them (None: not reported), or as
    Primer estimated them (`estimated`)."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    """Of the output: the model's thinking, billed as output."""
    cached_tokens: int | None = None
    """Of the input: read from the provider's cache, billed for less."""
    estimated: bool = False
