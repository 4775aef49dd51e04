"""Backup speed (DESIGN.md §8), measured as ratios in one run against a real PostgreSQL.

    python -m bench.backup        # embedded pgserver, or $PRIMER_TEST_PG_URL

Reports: the first backup of 1,000,000 messages (sealed on this computer, sent as the
account's own database role) as a ratio to a raw COPY of the same plaintext rows into the
same server (target >= 0.4, issue 17), and a backup of 100 new messages on top of 100,000
and of 1,000,000 backed-up messages (target < 0.3 s each, within 1.2x of each other).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import psycopg

from app.backup_database import remember_backup_url
from app.bootstrap import Primer, build
from app.secrets import InsecureFileSecretStore
from app.store_thread import serve_store_while
from bench.generate_store import generate, ready_marker
from devtools import embedded_postgres as postgres
from domain.backup import MESSAGE_COLUMNS
from domain.use_cases.backup_now import BackupReport

HERE = Path(__file__).resolve().parent
PASSWORD = "bench passphrase 1234"


def _store(folder: Path, chats: int, messages: int, cached: Path | None) -> Primer:
    if cached is not None and ready_marker(cached, chats, messages).exists():
        folder.mkdir(parents=True)
        shutil.copy(cached / "primer.db", folder / "primer.db")
    else:
        generate(folder, chats, messages, big_chat=min(10_000, messages // 10))
    return build(folder, secrets=InsecureFileSecretStore(folder.parent / f"{folder.name}.keys"))


def _signed_in(primer: Primer, url: str, email: str) -> str:
    primer.apply_settings(remember_backup_url(primer.settings, primer.secrets, url))
    return primer.accounts().register(email, PASSWORD).account.account_id


def _raw_copy_seconds(primer: Primer, url: str, account_id: str) -> float:
    """COPY the same message rows, already in memory, into a table shaped like `messages`."""
    columns = ", ".join(MESSAGE_COLUMNS)
    with sqlite3.connect(primer.data_dir / "primer.db") as local:
        rows = local.execute(f"SELECT {columns} FROM messages").fetchall()
    local.close()
    with psycopg.connect(url) as db:
        db.execute("CREATE TABLE raw_copy (LIKE messages INCLUDING ALL)")
        db.commit()
        began = time.perf_counter()
        with db.cursor().copy(f"COPY raw_copy (user_id, {columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((account_id, *row))
        db.commit()
        elapsed = time.perf_counter() - began
        db.execute("DROP TABLE raw_copy")
        db.commit()
    return elapsed


def _hundred_new(primer: Primer, account_id: str) -> float:
    from domain.entities import MessageStatus
    from domain.use_cases.stream_reply import ReplyOutcome

    chat = primer.list_chats()[0]
    for number in range(50):  # 50 questions and their replies, as a person writes them
        pending = primer.send_message.send(chat.id, f"Question {number}")
        primer.finish_reply(pending.reply.id, ReplyOutcome("An answer.", MessageStatus.COMPLETE))
    began = time.perf_counter()
    report = _backup(primer, account_id)
    elapsed = time.perf_counter() - began
    assert report.messages_sent == 100 and report.finished, report
    return elapsed


def _backup(primer: Primer, account_id: str) -> BackupReport:
    """As `primer backup` runs it: the network on a worker, the store on this thread."""
    return serve_store_while(lambda store: primer.backup_now(store=store)(account_id))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cached-store", type=Path, default=HERE / ".data" / "store")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    server = postgres.start()
    work = Path(tempfile.mkdtemp(prefix="primer-bench-backup-"))
    try:
        big = _store(work / "big", 10_000, 1_000_000, args.cached_store)
        small = _store(work / "small", 1_000, 100_000, None)
        big_url = server.create_database("bench_backup_big")
        small_url = server.create_database("bench_backup_small")
        big_account = _signed_in(big, big_url, "big@example.org")
        small_account = _signed_in(small, small_url, "small@example.org")

        copy_before = _raw_copy_seconds(big, big_url, big_account)
        began = time.perf_counter()
        report = _backup(big, big_account)
        backup_seconds = time.perf_counter() - began
        # The server is not the same before and after a million rows (WAL, checkpoints,
        # its caches): the raw COPY runs on both sides of the backup, and the ratio uses
        # their mean, so the order does not decide the figure.
        copy_after = _raw_copy_seconds(big, big_url, big_account)
        copy_seconds = (copy_before + copy_after) / 2
        assert report.finished and report.messages_sent == 1_000_000, report
        _backup(small, small_account)

        _hundred_new(small, small_account), _hundred_new(big, big_account)  # warm-up
        on_small, on_big = [], []
        for _ in range(args.runs):  # interleaved, so drift on the machine hits both alike
            on_small.append(_hundred_new(small, small_account))
            on_big.append(_hundred_new(big, big_account))
        small_median, big_median = statistics.median(on_small), statistics.median(on_big)
        spread = max(small_median, big_median) / min(small_median, big_median)
        print(f"raw COPY of 1,000,000 message rows:   {copy_seconds:7.2f} s (mean of "
              f"{copy_before:.2f} s before the backup and {copy_after:.2f} s after)")  # fmt: skip
        print(f"first backup of 1,000,000 messages:   {backup_seconds:7.2f} s")
        print(f"  speed as a ratio to raw COPY:       {copy_seconds / backup_seconds:7.2f}"
              "   (target >= 0.4)")  # fmt: skip
        print(f"100 new messages on top of 100,000:   {small_median * 1000:7.1f} ms median of "
              f"{args.runs} (max {max(on_small) * 1000:.1f})   (target < 300 ms)")  # fmt: skip
        print(f"100 new messages on top of 1,000,000: {big_median * 1000:7.1f} ms median of "
              f"{args.runs} (max {max(on_big) * 1000:.1f})   (target < 300 ms)")  # fmt: skip
        print(f"  the two as a ratio:                 {spread:7.2f}   (target <= 1.2)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
