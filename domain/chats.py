"""What a new chat starts as: its id, owner, title and times."""

from __future__ import annotations

from datetime import datetime

from domain.entities import Chat
from domain.ids import new_id

LOCAL_USER_ID = "00000000-0000-7000-8000-000000000001"
UNTITLED = "New chat"
TITLE_LENGTH = 60


def title_from_text(text: str) -> str:
    """A readable title from the first message: its first line, cut at a word."""
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first_line:
        return UNTITLED
    if len(first_line) <= TITLE_LENGTH:
        return first_line
    cut = first_line[:TITLE_LENGTH].rsplit(" ", 1)[0]
    return cut + "…"


def new_chat(*, title: str, provider: str, model: str, system_prompt: str, now: datetime) -> Chat:
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
    )
