"""A long backup's batches read and sealed in a process of its own (app/backup_reader.py),
against a real PostgreSQL: what arrives is what a backup read in the window's process
sends, sealed; Cancel stops the process; a process that dies is said in a sentence, and
the next backup sends the rest, nothing twice."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time
from collections.abc import Generator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from app.backup_reader import READERS, ProcessReader, ReaderStopped
from app.bootstrap import Primer
from devtools.embedded_postgres import PostgresForTests
from domain.backup import ChangeBatch, MessageEncoder
from domain.entities import MessageStatus
from domain.errors import StoreError
from domain.ports import CancelToken
from domain.sealing import Sealer
from domain.use_cases.backup_now import BackupNow
from domain.use_cases.stream_reply import ReplyOutcome
from repositories.postgres.backup_target import PostgresBackupTarget
from tests.integration.test_backup import (
    NEW,
    Machine,
    backed_up_rows,
    remote_messages,
    sign_in,
    sign_up,
)
from tests.support.seeding import add_chat, table_rows


class CountingReader(ProcessReader):
    def __init__(self, store_path: Path) -> None:
        super().__init__(store_path)
        self.runs = self.encoded = 0

    def __call__(
        self,
        account_id: str,
        after_seq: int,
        limit: int,
        sealer: Sealer | None,
        encoder: MessageEncoder | None,
    ) -> Generator[ChangeBatch, None, None]:
        self.runs += 1
        for batch in super().__call__(account_id, after_seq, limit, sealer, encoder):
            self.encoded += batch.encoded is not None
            yield batch


def backup(primer: Primer, reader: ProcessReader, reader_from: int = 1) -> BackupNow:
    """As `primer.backup_now()`, in batches of 100, and read by `reader` from one change on."""
    return BackupNow(
        primer.backup_source,
        lambda account_id: PostgresBackupTarget(primer.account_database(account_id)),
        batch_size=100,
        sealer_for=primer.sealer_for(),
        reader=reader,
        reader_from=reader_from,
        reader_batch_size=100,
    )


def twelve_batches(machine: Machine) -> tuple[Primer, str]:
    """A laptop signed up, with 12 chats of 100 messages: twelve batches of 100, more than
    the reader holds ahead of the backup (one, and what the pipe holds)."""
    laptop = machine("laptop")
    account = sign_up(laptop)
    for number in range(12):
        add_chat(laptop, f"Chat {number}", 100)
    return laptop, account


def test_a_long_backup_is_read_and_sealed_in_a_process_of_its_own(
    machine: Machine, backup_url: str, postgres_server: PostgresForTests
) -> None:
    laptop = machine("laptop")
    account = sign_up(laptop)
    for number in range(4):
        add_chat(laptop, f"Holiday plans {number}", 90)
    odd = add_chat(laptop, "Odd bytes: a NUL \0, a U+FFFF \uffff, a tab\t, a backslash \\n", 2)
    with laptop.uow_factory() as uow:  # a model's name stays clear: the encoder escapes it
        first = laptop.load_conversation(odd.id, None).newest[0]
        uow.messages.update(replace(first, model="odd\0 \uffff\t\\N\n\r model"))
        uow.commit()
    reader = CountingReader(laptop.store.path)
    report = backup(laptop, reader)(account)
    assert reader.runs == 1 and multiprocessing.active_children() == []
    assert reader.encoded == 4  # each batch's messages sent as the reader encoded them
    assert report.finished and report.messages_sent == 4 * 90 + 2 and not report.faults()
    dump = postgres_server.dump(backup_url.rsplit("/", 1)[1])
    assert b"Holiday" not in dump and b"message 7" not in dump

    desktop = machine("desktop")
    sign_in(desktop)
    assert desktop.restore_backup()(account).finished
    assert table_rows(desktop.data_dir)["messages"] == table_rows(laptop.data_dir)["messages"]
    assert odd.id in [row[0] for row in table_rows(desktop.data_dir)["chats"]]

    add_chat(laptop, "A short one", 3)  # fewer changes wait than the reader is started for
    assert backup(laptop, reader, reader_from=50)(account).messages_sent == 3
    assert reader.runs == 1


def test_a_row_the_server_refuses_is_found_though_the_reader_encoded_its_batch(
    machine: Machine, backup_url: str
) -> None:
    """Encoded messages cannot be halved to find the refused one: that batch and the rest
    are read again in the window's process, as rows."""
    laptop, account = twelve_batches(machine)
    chat = laptop.list_chats()[5]
    odd = laptop.load_conversation(chat.id, None).newest[40]
    with laptop.uow_factory() as uow:  # a server that reported 2^40 tokens
        uow.messages.update(replace(odd, output_tokens=2**40))
        uow.commit()
    reader = CountingReader(laptop.store.path)

    report = backup(laptop, reader)(account)
    assert reader.encoded >= 1 and multiprocessing.active_children() == []
    assert [row_id for row_id, _ in report.rejected] == [odd.id]
    assert "out of range" in report.rejected[0][1]
    sent = {row[0] for row in remote_messages(backup_url, account)}
    assert sent == {row[0] for row in backed_up_rows(laptop)["messages"]} - {odd.id}
    assert report.finished and report.waiting == 0


def test_a_reply_still_streaming_stops_the_readers_and_what_follows_it_waits(
    machine: Machine, backup_url: str
) -> None:
    """The readers read alternate windows at once; a window cut short by a reply still
    arriving is the last one sent, and the next backup sends the rest, in order."""
    laptop = machine("laptop")
    account = sign_up(laptop)
    before = [add_chat(laptop, f"Before {number}", 100).id for number in range(5)]
    first = laptop.send_message.send(None, "A question", new_chat=NEW)
    follow_up = laptop.send_message.send(first.chat.id, "And a follow-up")
    after = [add_chat(laptop, f"After {number}", 100).id for number in range(5)]

    report = backup(laptop, CountingReader(laptop.store.path))(account)
    assert report.finished and report.waiting > 0 and not report.faults()
    assert report.notes() == [
        f"{report.waiting} change(s) go with the next backup: made while this one ran, or "
        "behind a reply still arriving."
    ]
    with psycopg.connect(backup_url) as db:
        chats = {row[0] for row in db.execute("SELECT id::text FROM chats")}
        count = db.execute("SELECT count(*) FROM messages").fetchone()[0]
    assert chats == {*before, first.chat.id} and count == 500 + 1

    laptop.finish_reply(first.reply.id, ReplyOutcome("An answer", MessageStatus.COMPLETE))
    laptop.finish_reply(follow_up.reply.id, ReplyOutcome("Another", MessageStatus.COMPLETE))
    report = backup(laptop, CountingReader(laptop.store.path))(account)
    assert report.finished and report.waiting == 0 and not report.faults()
    sent = {row[0] for row in remote_messages(backup_url, account)}
    assert sent == {row[0] for row in backed_up_rows(laptop)["messages"]}
    assert {*before, *after} <= {row[0] for row in backed_up_rows(laptop)["chats"]}


def test_cancel_stops_the_reader_and_the_next_backup_sends_the_rest(
    machine: Machine, backup_url: str
) -> None:
    laptop, account = twelve_batches(machine)
    cancel = CancelToken()

    def cancel_after_the_first(done: int, total: int) -> None:
        if done:
            cancel.cancel()

    report = backup(laptop, ProcessReader(laptop.store.path))(
        account, cancel_after_the_first, cancel
    )
    assert not report.finished and report.changes_sent == 100  # (a chat and 99 messages)
    assert multiprocessing.active_children() == []  # the reader, stopped part way
    report = backup(laptop, ProcessReader(laptop.store.path))(account)
    assert report.finished and report.messages_sent == 1200 - 99
    with psycopg.connect(backup_url) as db:
        assert db.execute("SELECT count(*) FROM messages").fetchone() == (1200,)


def test_a_reader_that_dies_is_said_and_the_next_backup_sends_the_rest(
    machine: Machine, backup_url: str
) -> None:
    laptop, account = twelve_batches(machine)

    def kill_the_reader(done: int, total: int) -> None:
        if done:
            for child in multiprocessing.active_children():
                child.kill()

    with pytest.raises(ReaderStopped, match=r"ended unexpectedly.*Nothing was lost"):
        backup(laptop, ProcessReader(laptop.store.path))(account, kill_the_reader)
    assert multiprocessing.active_children() == []
    report = backup(laptop, ProcessReader(laptop.store.path))(account)
    assert report.finished and not report.faults()
    with psycopg.connect(backup_url) as db:
        assert db.execute("SELECT count(*) FROM messages").fetchone() == (1200,)


def test_a_damaged_store_is_said_from_the_reader(tmp_path: Path) -> None:
    damaged = tmp_path / "primer.db"
    damaged.write_bytes(b"not a database, " * 512)
    batches = ProcessReader(damaged)("an account", 0, 100, None, None)
    with pytest.raises(StoreError, match="damaged"):
        next(batches)
    assert multiprocessing.active_children() == []


PARENT = """
import multiprocessing, sys, time
from pathlib import Path
from app.backup_reader import ProcessReader
batches = ProcessReader(Path(sys.argv[1]))("an account", 0, 100, None, None)
next(batches)
print(*(child.pid for child in multiprocessing.active_children()), flush=True)
time.sleep(600)
"""


def ended(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "\nState:\tZ" in status.read_text()  # (a zombie: ended, not reaped yet)
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes' states in /proc")
def test_the_reader_ends_when_the_backup_process_is_killed(machine: Machine) -> None:
    """Killed, the window leaves no reader holding a snapshot of the store open (which would
    keep SQLite's write-ahead log from being folded back in)."""
    laptop, _ = twelve_batches(machine)
    command = [sys.executable, "-c", PARENT, str(laptop.store.path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as parent:
        readers = [int(pid) for pid in parent.stdout.readline().split()]  # type: ignore[union-attr]
        assert len(readers) == READERS
        assert not any(map(ended, readers))  # waiting to hand over their next batches
        parent.kill()
    for _ in range(600):  # (a liveness check: they end at once)
        if all(map(ended, readers)):
            break
        time.sleep(0.1)
    assert all(map(ended, readers))
