"""Generate a Primer data folder with 10,000 chats and 1,000,000 messages.

One chat holds 10,000 messages (the "big chat"); the rest share the remainder. The text
reads like a history people keep: English words drawn with their real frequencies
(wordfreq's list, a Zipf distribution, so a few words are in most messages), code
blocks in some replies, some Chinese, some accented words; a third of the chats carry a
tag or two. Rows go in through the real migrated schema (triggers and search indexes
included) with plain sqlite3 for speed.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from domain.chats import LOCAL_USER_ID
from domain.ids import new_id
from domain.tags import Tag, colour, tags_text
from repositories.migration_files import bundled_migrations
from repositories.sqlite.database import DATABASE_NAME, open_store

BIG_CHAT_TITLE = "Big chat (10,000 messages)"
ACCENTED = ["café", "naïve", "résumé", "über", "jalapeño", "façade", "déjà", "crème", "señor",
            "Zürich", "São", "Ångström"]  # fmt: skip
CODE = "```python\ndef {0}_{1}(items):\n    return [item.{2} for item in items if item.{3}]\n```"


@cache
def vocabulary() -> tuple[list[str], list[float], list[str]]:
    """English words with their cumulative frequencies, and common Chinese words."""
    from wordfreq import top_n_list, word_frequency  # a benchmark's dependency only

    english = [w for w in top_n_list("en", 30_000) if w.isalpha()]
    weights = itertools.accumulate(word_frequency(w, "en") for w in english)
    return english, list(weights), top_n_list("zh", 3_000)


def _text(rng: random.Random, words: int) -> str:
    english, weights, chinese = vocabulary()
    roll = rng.random()
    if roll < 0.02:  # written without spaces between words
        return "".join(rng.choices(chinese, k=words))
    picked = rng.choices(english, cum_weights=weights, k=words)
    if roll < 0.05:
        picked[rng.randrange(words)] = rng.choice(ACCENTED)
    return " ".join(picked)


def _reply(rng: random.Random, words: int) -> str:
    text = _text(rng, words)
    if rng.random() < 0.15:
        english = vocabulary()[0][200:5_000]
        text += "\n\n" + CODE.format(*rng.choices(english, k=4))
    return text


def ready_marker(data_dir: Path, chats: int, messages: int) -> Path:
    """The file that says a generated store is complete, for this schema: a store made
    for an older schema is made again (its search index would be missing)."""
    schema = len(bundled_migrations("migrations_sqlite"))
    return data_dir / f"complete-{chats}-{messages}-schema{schema}"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


TAGS = [Tag(name, colour(None, name)) for name in ("Work", "Travel", "Research", "Code",
                                                    "Recipes", "Health")]  # fmt: skip


def _tags(rng: random.Random) -> str:
    """A third of the chats carry one or two tags, as a person's might."""
    return tags_text(rng.sample(TAGS, rng.choice((1, 2))) if rng.random() < 1 / 3 else [])


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
    tagging = random.Random(seed + 1)  # (apart: the messages stay as they were)
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
                        _text(rng, length) if role == "user" else _reply(rng, length),
                        "complete",
                        "openai",
                        "gpt-4o-mini",
                        _stamp(clock),
                    )
                )
                parent = message_id
            connection.execute(
                "INSERT INTO chats (id, user_id, title, provider, model, created_at, updated_at,"
                " tags) VALUES (?, ?, ?, 'openai', 'gpt-4o-mini', ?, ?, ?)",
                (chat_id, LOCAL_USER_ID, title, _stamp(start), _stamp(clock), _tags(tagging)),
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
