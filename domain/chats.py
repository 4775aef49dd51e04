"""What a new chat starts as: its id, owner, title and times."""

from __future__ import annotations

import re
from datetime import datetime

from domain.entities import Chat, ChatSummary
from domain.ids import new_id

LOCAL_USER_ID = "00000000-0000-7000-8000-000000000001"
UNTITLED = "New chat"
TITLE_LENGTH = 60


_MARKUP = (
    (re.compile(r"^(#{1,6}(\s+|$)|>\s*|[-*+]\s+|\d+[.)]\s+)+"), ""),  # heading, quote, list
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](link), ![alt](image)
    (re.compile(r"(`+)(.+?)\1"), r"\2"),  # `code`
    # **strong**, *emphasis*, ~~struck~~, but not inside words (snake_case, 2*3*4)
    (re.compile(r"(?<![\w*~])(\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1(?![\w*~])"), r"\2"),
)


def plain_line(line: str) -> str:
    """A line of Markdown as a person reads it: no `#`, `**`, backticks or link syntax."""
    text = line.strip()
    if text.startswith(("```", "~~~")):
        return ""  # a code fence: the title comes from the code's first line
    for pattern, replacement in _MARKUP:
        text = pattern.sub(replacement, text)
    return text.strip()


def title_from_text(text: str) -> str:
    """A readable title from the first message: its first line as plain text, cut at a
    word."""
    lines = (plain_line(line) for line in text.splitlines())
    first_line = next((line for line in lines if line), "")
    if not first_line:
        return UNTITLED
    if len(first_line) <= TITLE_LENGTH:
        return first_line
    cut = first_line[:TITLE_LENGTH].rsplit(" ", 1)[0]
    return cut + "…"


def new_chat(
    *,
    title: str,
    provider: str,
    model: str,
    system_prompt: str,
    now: datetime,
    title_by: str = "person",
) -> Chat:
    return Chat(
        id=new_id(),
        user_id=LOCAL_USER_ID,
        title=title,
        provider=provider,
        model=model,
        system_prompt=system_prompt,
        pinned=False,
        archived=False,
        created_at=now,
        updated_at=now,
        title_by=title_by,
    )


def summary_of(chat: Chat, *, active_at: datetime | None) -> ChatSummary:
    """The chat's row in the chat list."""
    return ChatSummary(
        chat.id,
        chat.title,
        chat.provider,
        chat.model,
        chat.pinned,
        chat.updated_at,
        active_at=active_at,
        archived=chat.archived,
        tags=chat.tags,
    )


def list_order(summary: ChatSummary) -> tuple[bool, float]:
    """The chat list's order: pinned first, then the chat with the newest message."""
    return (not summary.pinned, -(summary.active_at or summary.updated_at).timestamp())
