"""The rules by which two copies of a chat merge, as one table run against both places
that apply them: this machine's store on restore (SQLite) and the backup database on
backup (PostgreSQL). The rules stay in SQL there for speed (a million rows move in bulk);
this table is their one specification.

Each case: what the receiving side holds, what arrives, and what it must hold after.
Times are minutes after noon; `undo` is when the sender last brought the chat back.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from domain.backup import TIME_FORMAT, ChangeBatch, ChatRecord, RemoteSnapshot
from domain.chats import new_chat
from domain.ids import new_id
from tests.integration.test_backup import PASSWORD, Machine

NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def at(minute: int | None) -> str | None:
    return None if minute is None else (NOON + timedelta(minutes=minute)).strftime(TIME_FORMAT)


@dataclass(frozen=True)
class Held:
    title: str
    updated: int
    deleted: int | None = None


@dataclass(frozen=True)
class Arriving:
    title: str | None = None  # a copy of the chat, if any
    updated: int = 0
    undo: int | None = None
    deleted: int | None = None  # a deletion, if any


CASES = {
    "a newer copy wins": (Held("old", 1), Arriving("new", 2), ("live", "new")),
    "an older copy loses": (Held("new", 2), Arriving("old", 1), ("live", "new")),
    "a deletion wins over a copy that did not know of it": (
        Held("kept", 1), Arriving(deleted=2), ("deleted", None),
    ),
    "an Undo after the deletion brings the chat back": (
        Held("gone", 1, deleted=2), Arriving("back", 3, undo=3), ("live", "back"),
    ),
    "an Undo before the deletion does not": (
        Held("gone", 1, deleted=3), Arriving("edit", 4, undo=2), ("deleted", None),
    ),
    "an edit made without knowing of the deletion does not bring it back": (
        Held("gone", 1, deleted=2), Arriving("edit", 5), ("deleted", None),
    ),
}  # fmt: skip


def _record(chat_id: str, arriving: Arriving) -> ChatRecord:
    assert arriving.title is not None
    updated = at(arriving.updated)
    assert updated is not None
    return (chat_id, arriving.title, "openai", "m", "", False, False, at(0) or "", updated,
            at(arriving.undo))  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_this_machine_merges_by_the_rules(machine: Machine, case: str) -> None:
    held, arriving, expected = CASES[case]
    primer = machine("laptop")
    chat = new_chat(title=held.title, provider="openai", model="m", system_prompt="",
                    now=NOON + timedelta(minutes=held.updated))  # fmt: skip
    with primer.uow_factory() as uow:
        uow.chats.add(chat)
        uow.commit()
    if held.deleted is not None:
        with primer.uow_factory() as uow:
            deleted_at = NOON + timedelta(minutes=held.deleted)
            uow.chats.update(dataclasses.replace(chat, deleted_at=deleted_at))
            uow.commit()
    chats = [_record(chat.id, arriving)] if arriving.title else []
    deletions = [(chat.id, at(arriving.deleted))] if arriving.deleted is not None else []
    primer.backup_source.merge_chats(RemoteSnapshot(chats, deletions))  # type: ignore[arg-type]

    with primer.uow_factory() as uow:
        after = uow.chats.get(chat.id, include_deleted=True)
    state = "deleted" if after.deleted_at else "live"
    assert (state, after.title if state == "live" else None) == expected


@pytest.mark.parametrize("case", list(CASES))
def test_the_backup_database_merges_by_the_same_rules(
    machine: Machine, backup_url: str, case: str
) -> None:
    from repositories.postgres.backup_target import PostgresBackupTarget

    held, arriving, expected = CASES[case]
    primer = machine("laptop")
    account = primer.accounts().register(f"{new_id()}@example.org", PASSWORD).account_id
    target = PostgresBackupTarget(primer.backup_database())
    chat_id = new_id()
    target.push(
        account, ChangeBatch(1, 1, chats=[_record(chat_id, Arriving(held.title, held.updated))])
    )
    if held.deleted is not None:
        target.push(account, ChangeBatch(2, 1, deletions=[(chat_id, at(held.deleted) or "")]))
    chats = [_record(chat_id, arriving)] if arriving.title else []
    deletions = [(chat_id, at(arriving.deleted) or "")] if arriving.deleted is not None else []
    target.push(account, ChangeBatch(3, 1, chats=chats, deletions=deletions))

    snapshot = target.snapshot(account)
    target.close()
    titles = {row[0]: row[1] for row in snapshot.chats}
    deleted = {row[0] for row in snapshot.deletions}
    state = "deleted" if chat_id in deleted and chat_id not in titles else "live"
    assert (state, titles.get(chat_id) if state == "live" else None) == expected
