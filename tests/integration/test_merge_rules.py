"""The merge rules applied where the rows are: this machine's store on restore (SQLite) and
the backup database on backup (PostgreSQL). Both run the table of `merge_cases.py` and
generated cases, and must decide as the pure rules of `domain/sync.py` do."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings

from app.bootstrap import Primer
from domain.backup import TIME_FORMAT, ChangeBatch, ChatRecord, RemoteSnapshot
from domain.chats import new_chat
from domain.entities import Message, MessageStatus, Role
from domain.ids import new_id
from domain.sync import Arrival, ChatState, keeps_messages, merge_chat, resend_messages
from repositories.postgres.backup_target import PostgresBackupTarget
from tests.integration.test_backup import PASSWORD, Machine
from tests.support.merge_cases import CASES, Outcome, arrivals, held_states, outcome

GENERATED = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def text(time: object) -> str | None:
    return None if time is None else time.strftime(TIME_FORMAT)  # type: ignore[attr-defined]


def record(chat_id: str, copy: ChatState) -> ChatRecord:
    updated = text(copy.updated_at)
    assert updated is not None
    return (chat_id, copy.content, "openai", "m", "", False, False, updated, updated,
            text(copy.undeleted_at), "[]")  # fmt: skip


@dataclass(frozen=True)
class Here:
    """What this machine holds after a merge, and what it does with the chat's messages."""

    outcome: Outcome
    resends: bool
    """Its messages of the chat went back into the queue for the backup."""
    keeps_arriving_messages: bool


def merged_here(primer: Primer, held: ChatState, arriving: Arrival) -> Here:
    """Hold `held` in this machine's store, with a message; merge `arriving` as a restore
    does; then let a message of the chat arrive."""
    chat = new_chat(title=held.content, provider="openai", model="m", system_prompt="",
                    now=held.updated_at)  # fmt: skip
    message = Message(new_id(), chat.id, None, Role.USER, "hi", MessageStatus.COMPLETE,
                      held.updated_at)  # fmt: skip
    with primer.uow_factory() as uow:
        uow.chats.add(chat)
        uow.messages.add(message)
        uow.commit()
    with sqlite3.connect(primer.data_dir / "primer.db") as db:
        db.execute(
            "UPDATE chats SET deleted_at = ?, undeleted_at = ? WHERE id = ?",
            (text(held.deleted_at), text(held.undeleted_at), chat.id),
        )
        queued = QUEUED_MESSAGES
        before = db.execute(queued, (message.id,)).fetchone()[0]
    db.close()
    chats = [record(chat.id, arriving.copy)] if arriving.copy else []
    deletions = [(chat.id, text(arriving.deleted_at))] if arriving.deleted_at else []
    source = primer.backup_source
    source.merge_chats(RemoteSnapshot(chats, deletions))  # type: ignore[arg-type]
    with sqlite3.connect(primer.data_dir / "primer.db") as db:
        resends = db.execute(queued, (message.id,)).fetchone()[0] > before
    db.close()
    arriving_message = (new_id(), chat.id, None, "user", "from elsewhere", "complete", "", "",
                        None, None, None, None, "{}", text(held.updated_at) or "")  # fmt: skip
    kept = source.merge_messages([arriving_message]) == 1
    with primer.uow_factory() as uow:
        after = uow.chats.get(chat.id, include_deleted=True)
    state: Outcome = ("deleted", None) if after.deleted_at else ("live", after.title)
    return Here(state, resends, kept)


QUEUED_MESSAGES = "SELECT count(*) FROM changes WHERE entity = 'message' AND entity_id = ?"


def merged_in_backup(
    target: PostgresBackupTarget, account: str, held: ChatState, arriving: Arrival
) -> Outcome:
    """Hold `held` in the backup database, merge `arriving` as a backup does."""
    chat_id = new_id()
    live = ChatState(held.content, held.updated_at, undeleted_at=held.undeleted_at)
    target.push(account, ChangeBatch(1, 1, chats=[record(chat_id, live)]))
    if held.deleted_at is not None:
        deleted = text(held.deleted_at) or ""
        target.push(account, ChangeBatch(2, 1, deletions=[(chat_id, deleted)]))
    chats = [record(chat_id, arriving.copy)] if arriving.copy else []
    deletions = [(chat_id, text(arriving.deleted_at) or "")] if arriving.deleted_at else []
    target.push(account, ChangeBatch(3, 1, chats=chats, deletions=deletions))
    snapshot = target.snapshot(account)
    titles = {row[0]: row[1] for row in snapshot.chats}
    deleted_ids = {row[0] for row in snapshot.deletions}
    if chat_id in deleted_ids and chat_id not in titles:
        return ("deleted", None)
    return ("live", titles[chat_id])


@pytest.fixture
def backup(machine: Machine) -> Callable[[ChatState, Arrival], Outcome]:
    primer = machine("laptop")
    account = primer.accounts().register(f"{new_id()}@example.org", PASSWORD).account.account_id
    target = PostgresBackupTarget(primer.backup_database())
    yield lambda held, arriving: merged_in_backup(target, account, held, arriving)
    target.close()


@pytest.mark.parametrize("case", list(CASES))
def test_this_machine_merges_by_the_rules(machine: Machine, case: str) -> None:
    held, arriving, expected = CASES[case]
    assert merged_here(machine("laptop"), held.state(), arriving.arrival()).outcome == expected


@pytest.mark.parametrize("case", list(CASES))
def test_the_backup_database_merges_by_the_same_rules(
    backup: Callable[[ChatState, Arrival], Outcome], case: str
) -> None:
    held, arriving, expected = CASES[case]
    assert backup(held.state(), arriving.arrival()) == expected


def test_generated_cases_merge_here_as_the_rules_say(machine: Machine) -> None:
    primer = machine("laptop")

    @GENERATED
    @given(held=held_states(), arriving=arrivals())
    def check(held: ChatState, arriving: Arrival) -> None:
        after = merge_chat(held, arriving)
        assert merged_here(primer, held, arriving) == Here(
            outcome(after), resend_messages(held, arriving), keeps_messages(after)
        )

    check()


def test_generated_cases_merge_in_the_backup_as_the_rules_say(
    backup: Callable[[ChatState, Arrival], Outcome],
) -> None:
    @GENERATED
    @given(held=held_states(), arriving=arrivals())
    def check(held: ChatState, arriving: Arrival) -> None:
        assert backup(held, arriving) == outcome(merge_chat(held, arriving))

    check()
