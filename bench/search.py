"""Search speed (issue 14) on bench.run's store: 10,000 chats, 1,000,000 messages of
realistic text (bench/generate_store.py; made on first use, a few minutes).

    pip install -e ".[bench]" && python -m bench.search

Reports p50 / p95 / max milliseconds to the first page of 50 results with snippets, per
query class, with and without a filter, newest first and best match (goal: p95 < 50 ms),
and for parts of words in the newest messages and in all;
keystroke to results on screen in the window (goal: p95 < 100 ms); the search indexes'
size next to the text's (goal: <= 1x); the time to index the 1,000,000 messages of a
store made before search existed; and what the indexes add to each message written
(goal: < 1 ms).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from app.bootstrap import Primer, build
from bench.run import HERE, _store
from domain.entities import Role
from domain.search import Filters, Order

QUERIES_PER_CLASS = 15


def _vocabulary(db: sqlite3.Connection) -> list[tuple[str, int]]:
    db.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.words USING fts5vocab(main, messages_fts, row)"
    )
    return db.execute("SELECT term, doc FROM temp.words").fetchall()


def query_classes(db: sqlite3.Connection, rng: random.Random) -> dict[str, list[str]]:
    total = db.execute("SELECT count(*) FROM messages").fetchone()[0]
    words = [(t, n) for t, n in _vocabulary(db) if t.isalpha() and t.isascii()]

    def between(low: float, high: float) -> list[str]:
        chosen = [t for t, n in words if low * total <= n <= high * total]
        return rng.sample(chosen, min(QUERIES_PER_CLASS, len(chosen)))

    most, common, rare = between(0.5, 1.0), between(0.02, 0.2), between(5 / total, 50 / total)
    middle = between(0.001, 0.01)
    keys = [key for (key,) in db.execute("SELECT rowid FROM messages")]  # (time keys)
    texts = [db.execute("SELECT content FROM messages WHERE rowid = ?", (key,)).fetchone()[0]
             for key in rng.sample(keys, 400)]  # fmt: skip
    phrases = []
    for text in texts:
        tokens = [w for w in text.split() if w.isalpha() and w.isascii()]
        if len(tokens) > 3:
            at = rng.randrange(len(tokens) - 1)
            phrases.append(f'"{tokens[at]} {tokens[at + 1]}"')
    chinese = [r[0] for r in db.execute(  # (the index reads its text from messages)
        "SELECT content FROM messages WHERE rowid IN"
        " (SELECT id FROM messages_cjk_docsize ORDER BY random() LIMIT 300)"
    )]  # fmt: skip
    substrings = []
    for text in rng.sample(chinese, min(QUERIES_PER_CLASS, len(chinese))):
        at = rng.randrange(max(1, len(text) - 3))
        substrings.append(text[at : at + rng.choice((2, 3))])
    return {
        "rare word": rare,
        "common word": common,
        "word in most messages": most,
        "two words": [f"{a} {b}" for a, b in zip(common, middle, strict=False)],
        "phrase": phrases[:QUERIES_PER_CLASS],
        "prefix": [f"{w[:4]}*" for w in common if len(w) > 5][:QUERIES_PER_CLASS],
        "substring (Chinese)": substrings,
    }


def _milliseconds(run: Callable[[], object]) -> float:
    began = time.perf_counter()
    run()
    return (time.perf_counter() - began) * 1000


def describe(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered):6.1f}  p95 {p95:6.1f}  max {max(ordered):6.1f}"


def query_latency(primer: Primer, classes: dict[str, list[str]], middle: datetime) -> None:
    filters = {
        "no filter": Filters(),
        "role=user": Filters(role=Role.USER),
        "since mid-history": Filters(since=middle),
    }
    print(f"{'query class':24} {'filter':18} {'order':7}  milliseconds to the first page")
    worst = 0.0
    for name, queries in classes.items():
        for label, chosen in filters.items():
            for order in Order:
                primer.search_messages(queries[0], chosen, order)  # warm the caches
                times = [
                    _milliseconds(lambda q=q, f=chosen, o=order: primer.search_messages(q, f, o))
                    for q in queries
                ]
                worst = max(worst, sorted(times)[int(len(times) * 0.95)])
                print(f"{name:24} {label:18} {order.value:7}  {describe(times)}")
    print(f"worst p95 of any class: {worst:.1f} ms   (goal < 50 ms)")


def parts_of_words(primer: Primer, words: list[str]) -> None:
    """`*part` as typed (the newest PARTS_WINDOW messages) and with "Look in all messages"."""
    found = [f"*{word[1:5]}" for word in words if len(word) > 6][:5]
    nowhere = ["*qqzx", "*zzqv", "*xqjw"]  # read to the end of what is looked in
    for name, parts in (("part of a word (*part)", found), ("a part found nowhere", nowhere)):
        for label, everywhere in (("the newest 100,000", False), ("all messages", True)):
            times = [
                _milliseconds(lambda q=q, e=everywhere: primer.search_messages(q, everywhere=e))
                for q in parts
            ]
            print(f"{name:24} {label:18} newest   {describe(times)}")


def index_size(db: sqlite3.Connection) -> None:
    text = db.execute("SELECT sum(length(CAST(content AS BLOB))) FROM messages").fetchone()[0]
    parts = {}
    for table in ("messages_fts", "messages_cjk", "chats_fts"):
        parts[table] = sum(
            db.execute(
                f"SELECT coalesce(sum(length({column})), 0) FROM {table}_{shadow}"
            ).fetchone()[0]
            for shadow, column in (("data", "block"), ("docsize", "sz"), ("idx", "term"))
        )
    total = sum(parts.values())
    print(f"message text {text / 1e6:.0f} MB; search indexes {total / 1e6:.0f} MB "
          f"({', '.join(f'{k} {v / 1e6:.0f} MB' for k, v in parts.items())}): "
          f"{total / text:.2f}x the text   (goal <= 1x)")  # fmt: skip


def indexing_time(store: Path) -> None:
    """Index a copy of the store from nothing, as a store made before search would be."""
    work = Path(tempfile.mkdtemp(prefix="primer-bench-search-"))
    try:
        shutil.copy(store / "primer.db", work / "primer.db")
        with sqlite3.connect(work / "primer.db") as db:
            for table in ("messages_fts", "messages_cjk"):
                db.execute(f"INSERT INTO {table} ({table}) VALUES ('delete-all')")
            # Stored before time keys: rowids 1, 2, ... in the order stored.
            db.execute(
                "CREATE TEMP TABLE stored AS SELECT rowid AS key FROM messages ORDER BY rowid"
            )
            db.execute("CREATE UNIQUE INDEX temp.stored_key ON stored (key)")
            db.execute("UPDATE messages SET rowid = (SELECT stored.rowid FROM stored"
                       " WHERE stored.key = messages.rowid)")  # fmt: skip
            db.execute("UPDATE search_backfill SET total = (SELECT count(*) FROM messages),"
                       " done = 0")  # fmt: skip
        db.close()
        primer = build(work)
        began, chunks = time.perf_counter(), 0
        while primer.index_history(20_000) < 1.0:
            chunks += 1
        print(f"indexing 1,000,000 messages from nothing: {time.perf_counter() - began:.0f} s "
              f"({chunks + 1} chunks of 20,000)")  # fmt: skip
        primer.store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_cost(rng: random.Random) -> None:
    """The same messages written one transaction each (as a person's messages are) into
    two new stores, one with the search triggers and one without, alternately."""
    from bench.generate_store import _reply
    from domain.chats import new_chat
    from domain.clock import utc_now
    from domain.entities import Message, MessageStatus
    from domain.ids import new_id

    work = Path(tempfile.mkdtemp(prefix="primer-bench-write-"))
    try:
        stores = {name: build(work / name) for name in ("with", "without")}
        db = stores["without"].store.connection()
        for trigger in ("messages_search_insert", "messages_search_update"):
            db.execute(f"DROP TRIGGER {trigger}")
        db.commit()
        chats = {}
        for name, primer in stores.items():
            chat = new_chat(title="t", provider="openai", model="m", system_prompt="",
                            now=utc_now())  # fmt: skip
            with primer.uow_factory() as uow:
                uow.chats.add(chat)
                uow.commit()
            chats[name] = chat.id
        texts = [_reply(rng, rng.randint(20, 90)) for _ in range(4_000)]
        spent = {"with": 0.0, "without": 0.0}
        for start in range(0, len(texts), 200):
            for name, primer in stores.items():
                began = time.perf_counter()
                for text in texts[start : start + 200]:
                    message = Message(new_id(), chats[name], None, Role.USER, text,
                                      MessageStatus.COMPLETE, utc_now())  # fmt: skip
                    with primer.uow_factory() as uow:
                        uow.messages.add(message)
                        uow.commit()
                spent[name] += time.perf_counter() - began
        each = {name: seconds / len(texts) * 1000 for name, seconds in spent.items()}
        print(f"per message written (its own transaction): {each['with']:.3f} ms with the "
              f"search indexes, {each['without']:.3f} ms without: "
              f"+{each['with'] - each['without']:.3f} ms   (goal < 1 ms)")  # fmt: skip
        for primer in stores.values():
            primer.store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def keystrokes(store: Path, queries: list[str]) -> None:
    """The window on the big store: the last keystroke of each query to its results drawn."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from bench.window import open_window

    app = QApplication.instance() or QApplication([])
    window = open_window(app, store)  # type: ignore[arg-type]
    shown: list[float] = []
    window.search_shown.connect(lambda: shown.append(time.perf_counter()))
    field, times = window.sidebar.search_field, []
    for query in queries:
        field.setText(query[:-1])  # every keystroke but the last
        shown.clear()
        while query[:-1].strip() and not shown:
            app.processEvents()
        shown.clear()
        began = time.perf_counter()
        field.setText(query)
        while not shown:
            app.processEvents()
        window.sidebar.results.viewport().repaint()
        times.append((time.perf_counter() - began) * 1000)
    window.close()
    print(f"keystroke to results on screen ({len(times)} queries): {describe(times)} ms"
          "   (goal p95 < 100 ms)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=HERE / ".data" / "store")
    args = parser.parse_args()
    _store(args.data_dir, 10_000, 1_000_000)
    rng = random.Random(14)
    primer = build(args.data_dir)
    db = primer.store.connection()
    classes = query_classes(db, rng)
    first, last = db.execute("SELECT min(created_at), max(created_at) FROM messages").fetchone()
    middle = datetime.fromisoformat(first.replace("Z", "+00:00"))
    middle += (datetime.fromisoformat(last.replace("Z", "+00:00")) - middle) / 2
    query_latency(primer, classes, middle)
    parts_of_words(primer, classes["rare word"] + classes["common word"])
    index_size(db)
    primer.store.close()
    keystrokes(args.data_dir, [q for queries in classes.values() for q in queries[:3]])
    write_cost(rng)
    indexing_time(args.data_dir)


if __name__ == "__main__":
    main()
