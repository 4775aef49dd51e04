"""Reading the change log for a backup (repositories/sqlite/backup_source.py), on a real
SQLite store: by count (`next_batch`, the window's process) and by window of change
numbers (`window_batch`, the reader processes, which read alternate windows at once)."""

from __future__ import annotations

from pathlib import Path

from app.bootstrap import build
from app.secrets import InsecureFileSecretStore
from domain.use_cases.delete_chat import DeleteChat
from tests.support.seeding import add_chat

ACCOUNT = "an account"


def test_windows_cover_the_log_as_batches_by_count_do(tmp_path: Path) -> None:
    primer = build(tmp_path / "laptop", secrets=InsecureFileSecretStore(tmp_path / "keys"))
    chats = [add_chat(primer, f"Chat {number}", 30) for number in range(4)]
    source = primer.backup_source

    by_count, seq = [], 0
    while (batch := source.next_batch(ACCOUNT, seq, 25)) is not None:
        by_count.append(batch)
        seq = batch.last_seq
    by_window, start = [], 0
    while (batch := source.window_batch(ACCOUNT, start, 25)) is not None:
        by_window.append(batch)
        start += 25
    assert by_window == by_count  # (no gaps in the log: the same windows)
    assert sum(batch.change_count for batch in by_window) == 4 * 31
    assert by_window[-1].last_seq == 4 * 31  # the last window ends with the log
    assert {c[0] for batch in by_window for c in batch.chats} == {c.id for c in chats}


def test_a_chat_deleted_here_goes_as_its_deletion_without_its_messages(tmp_path: Path) -> None:
    primer = build(tmp_path / "laptop", secrets=InsecureFileSecretStore(tmp_path / "keys"))
    kept = add_chat(primer, "Kept", 3)
    gone = add_chat(primer, "Gone", 3)
    DeleteChat(primer.uow_factory)(gone.id)

    for batch in (
        primer.backup_source.next_batch(ACCOUNT, 0, 100),
        primer.backup_source.window_batch(ACCOUNT, 0, 100),
    ):
        assert batch is not None
        assert [d[0] for d in batch.deletions] == [gone.id]
        assert [c[0] for c in batch.chats] == [kept.id]
        assert {m[1] for m in batch.messages} == {kept.id} and len(batch.messages) == 3


def test_a_window_past_the_log_is_none_and_an_empty_one_still_moves_on(tmp_path: Path) -> None:
    primer = build(tmp_path / "laptop", secrets=InsecureFileSecretStore(tmp_path / "keys"))
    add_chat(primer, "Chat", 9)  # changes 1..10
    with primer.store.transaction() as db:  # a gap, as a restore leaves: 3..6 dropped
        db.execute("DELETE FROM changes WHERE seq BETWEEN 3 AND 6")
    source = primer.backup_source

    empty = source.window_batch(ACCOUNT, 2, 4)
    assert empty is not None and empty.last_seq == 6 and empty.change_count == 0
    assert source.window_batch(ACCOUNT, 6, 100).last_seq == 10  # type: ignore[union-attr]
    assert source.window_batch(ACCOUNT, 10, 100) is None
