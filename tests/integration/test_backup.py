"""Backup and restore against a real PostgreSQL: increments, cuts, convergence, isolation."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from app.bootstrap import Primer
from app.content_crypto import ContentSealer
from devtools.embedded_postgres import PostgresForTests
from domain.backup import ChangeBatch, Retry
from domain.entities import Chat, MessageStatus
from domain.errors import BackupUnreachable, StoreError
from domain.ids import new_id
from domain.sealing import is_sealed
from domain.use_cases.backup_now import BackupNow
from domain.use_cases.delete_chat import DeleteChat
from domain.use_cases.send_message import NewChatSettings
from domain.use_cases.stream_reply import ReplyOutcome
from repositories.postgres.backup_target import PostgresBackupTarget, from_server
from repositories.postgres.connection import BackupDatabase, split_password
from repositories.sqlite.backup_source import SqliteBackupSource
from tests.support.seeding import add_chat, add_messages, table_rows

PASSWORD = "correct horse battery"
NEW = NewChatSettings("openai", "gpt-test")
Machine = Callable[[str], Primer]


def sign_up(primer: Primer, email: str = "ada@example.org") -> str:
    return primer.accounts().register(email, PASSWORD).account.account_id


def sign_in(primer: Primer, email: str = "ada@example.org") -> str:
    return primer.accounts().sign_in(email, PASSWORD)[0].account_id


def laptop_and_desktop(
    machine: Machine, title: str, messages: int
) -> tuple[Primer, Primer, str, Chat]:
    """Two machines on one account, both holding a chat the laptop wrote and backed up."""
    laptop, desktop = machine("laptop"), machine("desktop")
    account = sign_up(laptop)
    sign_in(desktop)
    chat = add_chat(laptop, title, messages)
    laptop.backup_now()(account)
    desktop.restore_backup()(account)
    return laptop, desktop, account, chat


def remote_messages(url: str, account_id: str, opened_by: Primer | None = None) -> list[tuple]:
    """(id, content, every column) of the account's messages in the backup; the content
    opened with the account's key on `opened_by`, if given (sealed otherwise)."""
    with psycopg.connect(url) as db:
        rows = db.execute(
            "SELECT id::text, content, messages.* FROM messages WHERE user_id = %s"
            " ORDER BY messages.id",
            (account_id,),
        ).fetchall()
    if opened_by is None:
        return rows
    sealer = ContentSealer(account_id, opened_by.accounts().data_key(account_id))

    def opened(row_id: str, content: str) -> str:
        text = from_server(content)
        return sealer.open(text, "messages", row_id, "content") if is_sealed(text) else text

    return [(row[0], opened(row[0], row[1]), *row[2:]) for row in rows]


def backed_up_rows(primer: Primer) -> dict[str, list[tuple]]:
    """The local rows a backup should hold: chats not deleted, messages not streaming."""
    rows = table_rows(primer.data_dir)
    live = {row[0] for row in rows["chats"] if row[9] is None}
    return {
        "chats": [row[:9] for row in rows["chats"] if row[0] in live],
        "messages": [r for r in rows["messages"] if r[1] in live and r[5] != "streaming"],
    }


def test_restore_into_an_empty_folder_reproduces_every_row(machine: Machine) -> None:
    laptop = machine("laptop")
    account = sign_up(laptop)
    add_chat(laptop, "Travel plans", 30)
    add_chat(laptop, "Recipes", 7)
    report = laptop.backup_now()(account)
    assert report.finished and report.messages_sent == 37 and not report.mismatched_chats

    desktop = machine("desktop")
    assert sign_in(desktop) == account
    restored = desktop.restore_backup()(account)

    assert restored.finished and restored.chats == 2 and restored.messages_added == 37
    assert backed_up_rows(desktop) == backed_up_rows(laptop)
    # Restoring again changes nothing and duplicates nothing.
    assert desktop.restore_backup()(account).messages_added == 0
    assert backed_up_rows(desktop) == backed_up_rows(laptop)
    # What was restored is not sent back as new work.
    assert desktop.backup_source.pending_count(account) == 0


def test_second_backup_sends_only_what_changed(machine: Machine) -> None:
    laptop = machine("laptop")
    account = sign_up(laptop)
    chat = add_chat(laptop, "Long", 200)
    add_chat(laptop, "Other", 20)
    assert laptop.backup_now()(account).messages_sent == 220

    add_messages(laptop, chat, 3)
    progress: list[tuple[int, int]] = []
    report = laptop.backup_now()(account, lambda done, total: progress.append((done, total)))

    assert report.messages_sent == 3
    assert report.changes_sent == 4  # three messages and the chat's new updated_at
    assert progress[0] == (0, 4) and progress[-1] == (4, 4)
    assert laptop.backup_now()(account).changes_sent == 0
    assert laptop.backup_source.last_backup_at(account) is not None


def test_streaming_replies_wait_until_they_finish(machine: Machine) -> None:
    laptop = machine("laptop")
    account = sign_up(laptop)
    chat = add_chat(laptop, "Live", 3, status=MessageStatus.STREAMING)
    assert laptop.backup_now()(account).messages_sent == 2

    reply = laptop.load_conversation(chat.id, None).newest[-1]
    with laptop.uow_factory() as uow:
        uow.messages.update(
            dataclasses.replace(reply, status=MessageStatus.COMPLETE, content="done")
        )
        uow.commit()
    assert laptop.backup_now()(account).messages_sent == 1


class CuttingTarget(PostgresBackupTarget):
    """The real target, with its session killed from the server side at a chosen point."""

    def __init__(self, database: BackupDatabase, server: PostgresForTests, name: str, when: str):
        super().__init__(database)
        self.server, self.name, self.when = server, name, when
        self.pushes = 0

    def _push(self, db: psycopg.Connection, account_id: str, batch: ChangeBatch):
        self.pushes += 1
        if self.when == "before-push" and self.pushes % 2 == 1:
            self.server.terminate_app_connections(self.name)
        result = super()._push(db, account_id, batch)
        if self.when == "before-commit" and self.pushes % 2 == 1:
            self.server.terminate_app_connections(self.name)  # the batch's COMMIT fails
        return result


class CrashAfterCommit(SqliteBackupSource):
    """The machine dies after the server committed a batch, before the watermark moved."""

    def __init__(self, store, crash_at: int) -> None:
        super().__init__(store)
        self.calls, self.crash_at = 0, crash_at

    def acknowledge(self, account_id: str, seq: int) -> None:
        self.calls += 1
        if self.calls == self.crash_at:
            raise StoreError("simulated power cut")
        super().acknowledge(account_id, seq)


@pytest.mark.parametrize("when", ["before-push", "before-commit"])
def test_connection_cut_mid_backup_loses_nothing_and_sends_once(
    machine: Machine, backup_url: str, postgres_server: PostgresForTests, when: str
) -> None:
    laptop = machine("laptop")
    account = sign_up(laptop)
    for n in range(6):
        add_chat(laptop, f"Chat {n}", 25)
    database = BackupDatabase(*split_password(backup_url))
    name = backup_url.rsplit("/", 1)[1]
    target = CuttingTarget(database, postgres_server, name, when)
    # Every other attempt is cut: each batch needs a retry, and the backup still finishes.
    retry = Retry(sleep=lambda _seconds: None)
    report = BackupNow(laptop.backup_source, lambda _: target, batch_size=40, retry=retry)(account)
    assert report.finished and target.pushes > 6

    expected = backed_up_rows(laptop)["messages"]
    remote = remote_messages(backup_url, account, opened_by=laptop)
    assert [(r[0], r[1]) for r in remote] == [(m[0], m[4]) for m in expected]


def test_a_cut_that_outlasts_the_retries_fails_loudly_and_the_rerun_finishes(
    machine: Machine, backup_url: str, postgres_server: PostgresForTests
) -> None:
    laptop = machine("laptop")
    account = sign_up(laptop)
    for n in range(4):
        add_chat(laptop, f"Chat {n}", 30)
    database = BackupDatabase(*split_password(backup_url))
    name = backup_url.rsplit("/", 1)[1]

    class AlwaysCut(CuttingTarget):
        def _push(self, db, account_id, batch):
            self.pushes += 1
            if self.pushes > 2:  # two batches get through, then the network is gone
                self.server.terminate_app_connections(self.name)
            return PostgresBackupTarget._push(self, db, account_id, batch)

    target = AlwaysCut(database, postgres_server, name, "")
    waits: list[float] = []
    retry = Retry(sleep=waits.append, jitter=lambda: 1.0)
    with pytest.raises(BackupUnreachable, match="cannot reach the backup database"):
        BackupNow(laptop.backup_source, lambda _: target, batch_size=25, retry=retry)(account)
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0]  # backed off, then gave up
    assert 0 < len(remote_messages(backup_url, account)) < 120

    # Crash after a server commit but before the local watermark moved, then run again.
    crashing = CrashAfterCommit(laptop.store, crash_at=1)
    with pytest.raises(StoreError):
        BackupNow(crashing, lambda _: PostgresBackupTarget(database), batch_size=25)(account)
    report = laptop.backup_now()(account)
    assert report.finished and not report.mismatched_chats and not report.conflicts

    expected = backed_up_rows(laptop)["messages"]
    remote = remote_messages(backup_url, account, opened_by=laptop)
    assert len(remote) == len({r[0] for r in remote}) == len(expected) == 120
    assert [(r[0], r[1]) for r in remote] == [(m[0], m[4]) for m in expected]


def test_two_machines_converge_and_deletions_stay_deleted(machine: Machine) -> None:
    laptop, desktop = machine("laptop"), machine("desktop")
    account = sign_up(laptop)
    sign_in(desktop)
    shared = add_chat(laptop, "Shared", 5)
    doomed = add_chat(laptop, "Doomed", 4)
    laptop.backup_now()(account)
    desktop.restore_backup()(account)
    add_chat(desktop, "From the desktop", 6)
    add_messages(desktop, shared, 2)
    DeleteChat(laptop.uow_factory)(doomed.id)

    for primer in (laptop, desktop, laptop, desktop):  # back up and restore in turn
        primer.backup_now()(account)
        primer.restore_backup()(account)

    assert backed_up_rows(laptop) == backed_up_rows(desktop)
    titles = sorted(row[1] for row in backed_up_rows(laptop)["chats"])
    assert titles == ["From the desktop", "Shared"]
    assert len(backed_up_rows(laptop)["messages"]) == 5 + 2 + 6


def test_undo_after_a_backed_up_delete_brings_the_chat_back(machine: Machine) -> None:
    laptop = machine("laptop")
    account = sign_up(laptop)
    chat = add_chat(laptop, "Oops", 8)
    laptop.backup_now()(account)
    delete = DeleteChat(laptop.uow_factory)
    delete(chat.id)
    laptop.backup_now()(account)
    delete.undo(chat.id)
    report = laptop.backup_now()(account)

    assert report.messages_sent == 8 and not report.mismatched_chats
    fresh = machine("fresh")
    sign_in(fresh)
    fresh.restore_backup()(account)
    assert backed_up_rows(fresh) == backed_up_rows(laptop)


def test_restore_never_overwrites_newer_local_data(machine: Machine) -> None:
    laptop, desktop, account, chat = laptop_and_desktop(machine, "Original title", 2)
    desktop.update_chat(chat.id, title="Renamed on the desktop")

    desktop.restore_backup()(account)
    assert desktop.get_chat(chat.id).title == "Renamed on the desktop"
    desktop.backup_now()(account)
    laptop.restore_backup()(account)
    assert laptop.get_chat(chat.id).title == "Renamed on the desktop"
    # An older copy never moves the backup's chat back in time.
    laptop_source = SqliteBackupSource(laptop.store)
    laptop_source.acknowledge(account, 0)
    with laptop.uow_factory() as uow:
        current = uow.chats.get(chat.id)
        uow.chats.update(dataclasses.replace(current, title="Stale", updated_at=chat.updated_at))
        uow.commit()
    laptop.backup_now()(account)
    desktop.restore_backup()(account)
    assert desktop.get_chat(chat.id).title == "Renamed on the desktop"


@pytest.mark.parametrize(
    "change", [{"content": "changed locally"}, {"metadata": {"note": "changed"}}, {"error": "x"}]
)
def test_same_id_with_different_content_is_reported_not_overwritten(
    machine: Machine, backup_url: str, change: dict
) -> None:
    laptop = machine("laptop")
    account = sign_up(laptop)
    chat = add_chat(laptop, "Edited behind our back", 3)
    laptop.backup_now()(account)
    before = remote_messages(backup_url, account)
    first = laptop.load_conversation(chat.id, None).newest[0]
    with laptop.uow_factory() as uow:
        uow.messages.update(dataclasses.replace(first, **change))
        uow.commit()

    report = laptop.backup_now()(account)
    assert report.conflicts == [first.id]
    assert remote_messages(backup_url, account) == before


def test_backup_and_restore_keep_to_the_signed_in_accounts_rows(
    machine: Machine, backup_url: str, tmp_path: Path
) -> None:
    """Primer's own queries are scoped by account. (The database itself does not yet keep
    accounts apart: every account connects with the same login.)"""
    ada, bob = machine("ada"), machine("bob")
    ada.secrets.set("openai", "sk-ada-only")
    ada_id = sign_up(ada, "ada@example.org")
    ada.accounts().save_all_keys()
    bob_id = sign_up(bob, "bob@example.org")
    add_chat(ada, "Ada's secret plans", 4)
    ada.backup_now()(ada_id)
    before = remote_messages(backup_url, ada_id)

    # Bob's machine holds a copy of Ada's chats (same ids) and backs up into his account.
    shutil.copytree(ada.data_dir, tmp_path / "bob-copy")
    bob_copy = machine("bob-copy")
    assert bob_copy.accounts().sign_in("bob@example.org", PASSWORD)[1] == []  # no Ada keys
    with bob_copy.uow_factory() as uow:
        chat_id = uow.chats.summaries()[0].id
    bob_copy.update_chat(chat_id, title="Bob was here")
    bob_copy.backup_now()(bob_id)

    assert remote_messages(backup_url, ada_id) == before
    bob.restore_backup()(bob_id)
    assert [row[1] for row in backed_up_rows(bob)["chats"]] == ["Bob was here"]
    ada.restore_backup()(ada_id)
    assert [row[1] for row in backed_up_rows(ada)["chats"]] == ["Ada's secret plans"]


AWKWARD = [
    "a \0 b",  # PostgreSQL's text cannot hold NUL
    "\0\0 at the start and the end \0",
    "\uffff and \uffff0 and \uffff\uffff",  # the escape character itself, escaped or not
    "lone surrogate, escaped as text: \\ud800",
    "\x1b[31mred\x1b[0m and a bell \x07",
    "שלום, مرحبا — right to left ‮reversed‬",
    "emoji 👩‍💻 and combining é",
]


def test_every_awkward_byte_backs_up_and_restores_exactly(machine: Machine) -> None:
    """Whatever bytes a message, a title or a prompt holds, it comes back identical."""
    laptop = machine("laptop")
    account = sign_up(laptop)
    chat = add_chat(laptop, "NUL \0 in the title", 2)
    laptop.update_chat(chat.id, system_prompt="a prompt with \0 in it")
    add_messages(laptop, chat, 1)
    newest = laptop.load_conversation(chat.id, None).newest
    with laptop.uow_factory() as uow:
        parent = newest[-1].id
        for number, text in enumerate([*AWKWARD, "5 MB " + "x\0y" * 1_750_000]):
            reply = dataclasses.replace(
                newest[-1],
                id=new_id(),
                parent_id=parent,
                content=text,
                error=text if number % 2 else None,
                metadata={"odd": text},
            )
            uow.messages.add(reply)
            parent = reply.id
        uow.commit()

    report = laptop.backup_now()(account)
    assert report.finished and not report.rejected and not report.mismatched_chats
    # Backing up again sends nothing twice and reports no conflict.
    laptop.update_chat(chat.id, title="NUL \0 renamed")
    again = laptop.backup_now()(account)
    assert not again.conflicts and not again.rejected

    desktop = machine("desktop")
    sign_in(desktop)
    desktop.restore_backup()(account)
    assert backed_up_rows(desktop) == backed_up_rows(laptop)


def test_a_row_the_server_refuses_is_reported_and_the_rest_still_goes(
    machine: Machine, backup_url: str
) -> None:
    laptop = machine("laptop")
    account = sign_up(laptop)
    chat = add_chat(laptop, "Mostly fine", 40)
    odd = laptop.load_conversation(chat.id, None).newest[17]
    with laptop.uow_factory() as uow:  # a server that reported 2^40 tokens
        uow.messages.update(dataclasses.replace(odd, output_tokens=2**40))
        uow.commit()
    later = add_chat(laptop, "Written after it", 5)

    report = laptop.backup_now()(account)
    assert [row_id for row_id, _ in report.rejected] == [odd.id]
    assert "out of range" in report.rejected[0][1]
    assert not report.mismatched_chats  # the one short chat is explained by the refusal
    sent = {row[0] for row in remote_messages(backup_url, account)}
    expected = {m[0] for m in backed_up_rows(laptop)["messages"]} - {odd.id}
    assert sent == expected
    assert later.id in {row[0] for row in backed_up_rows(laptop)["chats"]}


def test_a_reply_still_streaming_holds_back_what_came_after_it(
    machine: Machine, backup_url: str
) -> None:
    """The follow-up to a streaming reply never reaches the backup without its parent."""
    laptop = machine("laptop")
    account = sign_up(laptop)
    first = laptop.send_message.send(None, "First question", new_chat=NEW)
    follow_up = laptop.send_message.send(first.chat.id, "And a follow-up")
    assert follow_up.user_message.parent_id == first.reply.id  # the streaming one

    report = laptop.backup_now()(account)
    assert report.waiting > 0 and not report.mismatched_chats
    sent = {row[0] for row in remote_messages(backup_url, account)}
    assert sent == {first.user_message.id}

    laptop.finish_reply(first.reply.id, ReplyOutcome("An answer", MessageStatus.COMPLETE))
    laptop.finish_reply(follow_up.reply.id, ReplyOutcome("Another", MessageStatus.COMPLETE))
    assert laptop.backup_now()(account).waiting == 0

    desktop = machine("desktop")
    sign_in(desktop)
    desktop.restore_backup()(account)
    assert backed_up_rows(desktop) == backed_up_rows(laptop)
    with sqlite3.connect(desktop.data_dir / "primer.db") as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
    shown = desktop.load_conversation(first.chat.id, None).newest
    assert [m.content for m in shown] == [
        "First question", "An answer", "And a follow-up", "Another"
    ]  # fmt: skip


def test_messages_added_to_a_chat_deleted_elsewhere_are_expected_not_a_fault(
    machine: Machine,
) -> None:
    laptop, desktop, account, chat = laptop_and_desktop(machine, "Doomed", 4)

    DeleteChat(laptop.uow_factory)(chat.id)
    laptop.backup_now()(account)
    add_messages(desktop, chat, 3)
    report = desktop.backup_now()(account)
    assert report.deleted_elsewhere == [chat.id]
    assert not report.mismatched_chats
