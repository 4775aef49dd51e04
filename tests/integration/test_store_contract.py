"""One contract for the store's ports, held by the SQLite adapters and by the fakes the
use-case tests run on (cosmicpython's way): a fake that drifts from SQLite fails here."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.accounts import AccountStore, Credentials, RecoveryLock, SealedKey, Session, WrappedKey
from domain.chats import new_chat
from domain.entities import Chat, Message, MessageStatus, Role
from domain.errors import AccountError, BackupRejected, NotFoundError
from domain.ids import new_id
from domain.ports import UnitOfWork
from tests.support.fakes import FakeAccountStore, FakeStore

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "fake"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], UnitOfWork]]:
    if request.param == "fake":
        yield FakeStore()
        return
    from repositories.sqlite.database import open_store
    from repositories.sqlite.unit_of_work import unit_of_work_factory

    store = open_store(tmp_path / "store")
    yield unit_of_work_factory(store)
    store.close()


def _chat(store: Callable[[], UnitOfWork], title: str, minutes: int = 0) -> Chat:
    chat = new_chat(
        title=title, provider="openai", model="m", system_prompt="",
        now=START + timedelta(minutes=minutes),
    )  # fmt: skip
    with store() as uow:
        uow.chats.add(chat)
        uow.commit()
    return chat


def _message(
    store: Callable[[], UnitOfWork],
    chat: Chat,
    parent: str | None,
    minutes: int,
    status: MessageStatus = MessageStatus.COMPLETE,
) -> Message:
    message = Message(
        id=new_id(), chat_id=chat.id, parent_id=parent, role=Role.USER, content=f"at {minutes}",
        status=status, created_at=START + timedelta(minutes=minutes),
    )  # fmt: skip
    with store() as uow:
        uow.messages.add(message)
        uow.commit()
    return message


def test_chats_deleted_are_hidden_but_kept(store: Callable[[], UnitOfWork]) -> None:
    kept, gone = _chat(store, "Kept"), _chat(store, "Gone")
    with store() as uow:
        uow.chats.update(dataclasses.replace(gone, deleted_at=START))
        uow.commit()
    with store() as uow:
        assert uow.chats.get(kept.id).title == "Kept"
        with pytest.raises(NotFoundError):
            uow.chats.get(gone.id)
        assert uow.chats.get(gone.id, include_deleted=True).deleted_at is not None
        assert [s.id for s in uow.chats.summaries()] == [kept.id]


def test_ids_resolve_by_a_unique_prefix_of_a_chat_not_deleted(
    store: Callable[[], UnitOfWork],
) -> None:
    first, second = _chat(store, "First"), _chat(store, "Second")
    common = next(
        n for n in range(len(first.id)) if first.id[: n + 1] != second.id[: n + 1]
    )  # ids made one after the other share a prefix
    with store() as uow:
        assert uow.chats.resolve_id(first.id) == first.id
        assert uow.chats.resolve_id(second.id[: common + 1]) == second.id
        with pytest.raises(NotFoundError, match="More than one"):
            uow.chats.resolve_id(first.id[:common])
        uow.chats.update(dataclasses.replace(first, deleted_at=START))
        uow.commit()
    with store() as uow:
        assert uow.chats.resolve_id(second.id[:common]) == second.id  # the deleted one is out
        with pytest.raises(NotFoundError, match="No chat"):
            uow.chats.resolve_id(first.id[: common + 1])


def test_summaries_count_messages_and_know_the_newest(store: Callable[[], UnitOfWork]) -> None:
    chat = _chat(store, "Talk")
    empty = _chat(store, "Quiet", minutes=5)
    root = _message(store, chat, None, 1)
    _message(store, chat, root.id, 9)
    with store() as uow:
        summaries = {s.id: s for s in uow.chats.summaries(with_counts=True)}
    assert summaries[chat.id].message_count == 2 and summaries[empty.id].message_count == 0
    assert summaries[chat.id].active_at.replace(tzinfo=UTC) == START + timedelta(minutes=9)
    assert summaries[empty.id].active_at.replace(tzinfo=UTC) == START + timedelta(minutes=5)
    with store() as uow:  # one chat's row, as an Undo wants it
        (one,) = uow.chats.summaries(ids=[chat.id])
        assert uow.chats.summaries(ids=[]) == []
    assert one == dataclasses.replace(summaries[chat.id], message_count=None)


def test_messages_keep_their_tree_and_order(store: Callable[[], UnitOfWork]) -> None:
    chat = _chat(store, "Tree")
    root = _message(store, chat, None, 1)
    later = _message(store, chat, root.id, 3)
    earlier = _message(store, chat, root.id, 2)
    with store() as uow:
        assert uow.messages.lineage(chat.id) == [
            (root.id, None), (earlier.id, root.id), (later.id, root.id)
        ]  # fmt: skip
        got = uow.messages.get_many([later.id, "missing", root.id])
        assert [m.id for m in got] == [later.id, root.id]
        with pytest.raises(NotFoundError):
            uow.messages.get("missing")


def test_streaming_replies_their_writers_progress_and_failures(
    store: Callable[[], UnitOfWork],
) -> None:
    chat = _chat(store, "Replies")
    question = _message(store, chat, None, 1)
    live = _message(store, chat, question.id, 2, MessageStatus.STREAMING)
    orphan = _message(store, chat, question.id, 3, MessageStatus.STREAMING)
    failed = _message(store, chat, question.id, 4, MessageStatus.ERROR)
    with store() as uow:
        uow.writers.claim(live.id, "writer-a")
        assert uow.messages.save_progress(live.id, "Half")
        assert not uow.messages.save_progress(failed.id, "never")
        uow.commit()
    with store() as uow:
        assert uow.writers.streaming() == {live.id: "writer-a", orphan.id: None}
        assert uow.messages.failed_ids(chat.id) == {failed.id}
        uow.messages.mark_interrupted([orphan.id, failed.id])
        uow.writers.release([orphan.id])
        uow.commit()
    with store() as uow:
        assert uow.messages.get(live.id).content == "Half"
        assert uow.messages.get(orphan.id).status is MessageStatus.INTERRUPTED
        assert uow.messages.get(failed.id).status is MessageStatus.ERROR  # not streaming
        assert uow.writers.streaming() == {live.id: "writer-a"}


def test_branch_choices_and_uncommitted_work(store: Callable[[], UnitOfWork]) -> None:
    chat = _chat(store, "Branches")
    message = _message(store, chat, None, 1)
    with store() as uow:
        uow.branches.choose(chat.id, message.id)
        uow.commit()
    with store() as uow:
        assert uow.branches.chosen(chat.id) == message.id
        uow.branches.choose(chat.id, None)
        uow.chats.update(dataclasses.replace(chat, title="Not committed"))
    with store() as uow:  # leaving without commit keeps nothing
        assert uow.branches.chosen(chat.id) == message.id
        assert uow.chats.get(chat.id).title == "Branches"


@pytest.fixture(params=["postgres", "fake"])
def account_store(request: pytest.FixtureRequest) -> Iterator[AccountStore]:
    if request.param == "fake":
        yield FakeAccountStore()
        return
    from app.backup_database import backup_database, ready
    from app.settings import Settings
    from repositories.postgres.accounts import PostgresAccounts
    from tests.support.fakes import MemorySecrets

    url = request.getfixturevalue("backup_url")
    yield PostgresAccounts(ready(backup_database(Settings(), MemorySecrets(), url)))


def _credentials(password: str) -> tuple[Credentials, bytes]:
    """Credentials as a Primer makes them (not a real wrapping: the store never opens it)."""
    from app import account_crypto

    verifier = password.encode().ljust(32, b".")
    hashed = account_crypto.verifier_hash(verifier)
    return Credentials(hashed, b"s" * 16, b"wrapped", b"n" * 12, "p", f"db-{password}"), verifier


LOCK = RecoveryLock(hashlib.sha256(b"recovery").hexdigest(), b"rewrapped", b"r" * 12)


def test_accounts_one_per_email_whatever_its_case(account_store: AccountStore) -> None:
    ada, verifier = _credentials("ada's password")
    ada_id = new_id()
    account_store.sign_up(ada_id, "ada@example.org", ada, LOCK)
    assert account_store.salt("ADA@Example.org") == (ada.salt, "p")
    made_up, _ = account_store.salt("bob@example.org")
    assert len(made_up) == 16 and account_store.salt("Bob@example.org")[0] == made_up
    found = account_store.sign_in("ADA@example.org", verifier, ada.database_password)
    assert found == WrappedKey(ada_id, "ada@example.org", b"wrapped", b"n" * 12, "p")
    with pytest.raises(AccountError, match="wrong"):
        account_store.sign_in("ada@example.org", b"not it".ljust(32), ada.database_password)
    with pytest.raises(AccountError, match="wrong"):
        account_store.sign_in("bob@example.org", verifier, ada.database_password)
    with pytest.raises(AccountError, match="already exists"):
        account_store.sign_up(new_id(), "Ada@example.org", ada, LOCK)


def test_a_password_change_and_a_recovery_replace_the_credentials(
    account_store: AccountStore,
) -> None:
    first, verifier = _credentials("first password")
    account_id = new_id()
    account_store.sign_up(account_id, "ada@example.org", first, LOCK)
    second, second_verifier = _credentials("second password")
    session = Session(account_id, first.database_password)
    with pytest.raises(AccountError, match="wrong"):
        account_store.change_password(session, second_verifier, second)
    account_store.change_password(session, verifier, second)
    with pytest.raises(AccountError, match="wrong"):
        account_store.sign_in("ada@example.org", verifier, first.database_password)
    account_store.sign_in("ada@example.org", second_verifier, second.database_password)
    with pytest.raises(BackupRejected):  # the old database password no longer opens
        account_store.keys(session)

    with pytest.raises(AccountError, match="recovery key is wrong"):
        account_store.open_recovery("ada@example.org", b"guess")
    opened = account_store.open_recovery("ada@example.org", b"recovery")
    assert (opened.account_id, opened.wrapped) == (account_id, b"rewrapped")
    third, third_verifier = _credentials("third password")
    account_store.recover("ada@example.org", b"recovery", third)
    account_store.sign_in("ada@example.org", third_verifier, third.database_password)
    assert account_store.keys(Session(account_id, third.database_password)) == []


def test_sealed_keys_are_kept_per_account_and_provider(account_store: AccountStore) -> None:
    sessions = []
    for email in ("ada@example.org", "bob@example.org"):
        credentials, _ = _credentials(email)
        account_id = new_id()
        account_store.sign_up(account_id, email, credentials, LOCK)
        sessions.append(Session(account_id, credentials.database_password))
    ada, bob = sessions
    account_store.put_key(ada, SealedKey("openai", b"one", b"n1"))
    account_store.put_key(ada, SealedKey("gemini", b"two", b"n2"))
    account_store.put_key(ada, SealedKey("openai", b"three", b"n3"))  # replaces
    account_store.put_key(bob, SealedKey("openai", b"bob's", b"n4"))
    assert account_store.keys(ada) == [
        SealedKey("gemini", b"two", b"n2"), SealedKey("openai", b"three", b"n3")
    ]  # fmt: skip
    account_store.delete_key(ada, "gemini")
    assert [key.provider for key in account_store.keys(ada)] == ["openai"]
    assert account_store.keys(bob) == [SealedKey("openai", b"bob's", b"n4")]
