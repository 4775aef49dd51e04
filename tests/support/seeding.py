"""Chats and messages written through the real repositories, for backup and restore tests."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from app.backup_database import remember_backup_url
from app.bootstrap import Primer, build
from app.secrets import InsecureFileSecretStore
from domain.chats import new_chat
from domain.clock import utc_now
from domain.entities import Chat, Message, MessageStatus, Role
from domain.ids import new_id


def machines(folder: Path, backup_url: str) -> Callable[[str], Primer]:
    """Make Primers, each on its own data folder and key file, backing up to `backup_url`."""

    def make(name: str) -> Primer:
        secrets = InsecureFileSecretStore(folder / f"{name}-keys.json")
        primer = build(folder / name, secrets=secrets)
        primer.apply_settings(remember_backup_url(primer.settings, secrets, backup_url))
        return primer

    return make


def add_chat(
    primer: Primer,
    title: str,
    messages: int,
    *,
    status: MessageStatus = MessageStatus.COMPLETE,
) -> Chat:
    now = utc_now()
    chat = new_chat(title=title, provider="openai", model="gpt-test", system_prompt="", now=now)
    with primer.uow_factory() as uow:
        uow.chats.add(chat)
        parent = None
        for i in range(messages):
            message = Message(
                id=new_id(),
                chat_id=chat.id,
                parent_id=parent,
                role=Role.USER if i % 2 == 0 else Role.ASSISTANT,
                content=f"{title} message {i} — ünïcode ✓\n```py\nprint({i})\n```",
                status=status if i == messages - 1 else MessageStatus.COMPLETE,
                created_at=now + timedelta(microseconds=i),
                input_tokens=i if i % 2 else None,
                metadata={"n": i},
            )
            uow.messages.add(message)
            parent = message.id
        uow.commit()
    return chat


def add_messages(primer: Primer, chat: Chat, count: int) -> None:
    path = primer.load_conversation(chat.id).path
    parent = path[-1] if path else None
    now = utc_now()
    with primer.uow_factory() as uow:
        for i in range(count):
            message = Message(
                id=new_id(),
                chat_id=chat.id,
                parent_id=parent,
                role=Role.USER,
                content=f"more {i}",
                status=MessageStatus.COMPLETE,
                created_at=now + timedelta(microseconds=i),
            )
            uow.messages.add(message)
            parent = message.id
        current = uow.chats.get(chat.id)
        uow.chats.update(dataclasses.replace(current, updated_at=now))
        uow.commit()


def table_rows(data_dir: Path) -> dict[str, list[tuple]]:
    """Every backed-up column of every chat and message, sorted: equal means identical."""
    with sqlite3.connect(data_dir / "primer.db") as db:
        chats = db.execute(
            "SELECT id, title, provider, model, system_prompt, pinned, archived, created_at,"
            " updated_at, deleted_at FROM chats ORDER BY id"
        ).fetchall()
        messages = db.execute(
            "SELECT id, chat_id, parent_id, role, content, status, provider, model,"
            " input_tokens, output_tokens, cost, error, metadata, created_at"
            " FROM messages ORDER BY id"
        ).fetchall()
    db.close()
    return {"chats": chats, "messages": messages}


def add_usage(primer: Primer, chat: Chat | None, count: int, model: str = "gpt-test") -> None:
    """Requests in the usage ledger, as replies in `chat` would have made them."""
    from domain.entities import Usage
    from domain.usage import Timing, UsageEntry

    now = utc_now()
    with primer.uow_factory() as uow:
        for number in range(count):
            uow.usage.add(UsageEntry(
                new_id(), now + timedelta(microseconds=number), "reply", "openai", model,
                chat.id if chat else None, None, Usage(100 + number, 10, 2, 50), Timing(0.2, 1.5),
                0.001 * number, '{"source": "test"}',
            ))  # fmt: skip
        uow.commit()
