"""Generate a Primer data folder with 10,000 chats and 1,000,000 messages.

One chat holds 10,000 messages (the "big chat"); the rest share the remainder. Rows go in
through the real migrated schema (triggers included) with plain sqlite3 for speed.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain.chats import LOCAL_USER_ID
from domain.ids import new_id
from repositories.sqlite.database import DATABASE_NAME, open_store

WORDS = [
    "the",
    "model",
    "reply",
    "context",
    "python",
    "list",
    "window",
    "chat",
    "stream",
    "token",
    "store",
    "backup",
    "local",
    "query",
    "index",
    "page",
    "fast",
    "slow",
    "build",
    "test",
    "merge",
    "branch",
    "code",
    "block",
    "markdown",
    "answer",
    "question",
]
BIG_CHAT_TITLE = "Big chat (10,000 messages)"


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def generate(
    data_dir: Path,
    chats: int = 10_000,
    messages: int = 1_000_000,
    big_chat: int = 10_000,
    seed: int = 7,
) -> str:
    """Build the store; return the big chat's id."""
    open_store(data_dir).close()
    rng = random.Random(seed)
    connection = sqlite3.connect(data_dir / DATABASE_NAME)
    connection.execute("PRAGMA synchronous = OFF")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    per_chat = [big_chat] + [(messages - big_chat) // (chats - 1)] * (chats - 1)
    per_chat[-1] += messages - sum(per_chat)
    big_id = ""
    clock = start
    with connection:
        for number, count in enumerate(per_chat):
            chat_id = new_id()
            title = BIG_CHAT_TITLE if number == 0 else f"Chat {number}: {_text(rng, 4)}"
            big_id = big_id or chat_id
            rows = []
            parent = None
            for index in range(count):
                clock += timedelta(milliseconds=37)
                message_id = new_id()
                role = "user" if index % 2 == 0 else "assistant"
                length = rng.randint(5, 30) if role == "user" else rng.randint(20, 90)
                rows.append(
                    (
                        message_id,
                        chat_id,
                        parent,
                        role,
                        _text(rng, length),
                        "complete",
                        "openai",
                        "gpt-4o-mini",
                        _stamp(clock),
                    )
                )
                parent = message_id
            connection.execute(
                "INSERT INTO chats (id, user_id, title, provider, model, created_at, updated_at)"
                " VALUES (?, ?, ?, 'openai', 'gpt-4o-mini', ?, ?)",
                (chat_id, LOCAL_USER_ID, title, _stamp(start), _stamp(clock)),
            )
            connection.executemany(
                "INSERT INTO messages (id, chat_id, parent_id, role, content, status, provider,"
                " model, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return big_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()
    began = time.perf_counter()
    big = generate(args.data_dir, args.chats, args.messages)
    print(
        f"generated {args.chats} chats / {args.messages} messages in "
        f"{time.perf_counter() - began:.1f} s; big chat {big}"
    )


if __name__ == "__main__":
    main()
