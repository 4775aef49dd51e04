"""In-memory implementations of the domain's ports, for use-case tests with no disk."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Self

from domain.accounts import (
    LEGACY_ACCOUNT,
    ONE_RUN,
    WRONG_CREDENTIALS,
    AccountRecord,
    Credentials,
    LinkedAccount,
    RecoveryLock,
    SealedKey,
    Session,
    WrappedKey,
)
from domain.entities import Chat, ChatSummary, Message, MessageStatus, Usage
from domain.errors import AccountError, BackupRejected, NotFoundError, ProviderError
from domain.notes import Note, NoteView
from domain.ports import CancelToken, ChatProvider, CompletionRequest, StreamEvent
from domain.tags import TagUse, same_name
from domain.usage import Grouping, Price, UsageEntry, UsageTotals


class _Tables:
    def __init__(self) -> None:
        self.chats: dict[str, Chat] = {}
        self.messages: dict[str, Message] = {}
        self.branches: dict[str, str] = {}
        self.writers: dict[str, str] = {}
        self.usage: dict[str, UsageEntry] = {}
        self.notes: dict[str, tuple[Note, datetime | None]] = {}  # (note, deleted at)


class FakeChatRepository:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def add(self, chat: Chat) -> None:
        self._t.chats[chat.id] = chat

    def get(self, chat_id: str, *, include_deleted: bool = False) -> Chat:
        chat = self._t.chats.get(chat_id)
        if chat is None or (chat.deleted_at and not include_deleted):
            raise NotFoundError(f"No chat with id {chat_id}.")
        return chat

    def update(self, chat: Chat) -> None:
        self.get(chat.id, include_deleted=True)
        self._t.chats[chat.id] = chat

    def summaries(
        self,
        *,
        with_counts: bool = False,
        ids: Sequence[str] | None = None,
        archived: bool | None = None,
        tag: str | None = None,
    ) -> list[ChatSummary]:
        out = []
        for c in self._t.chats.values():
            if c.deleted_at or (ids is not None and c.id not in ids):
                continue
            if archived is not None and c.archived != archived:
                continue
            if tag is not None and not any(same_name(t.name, tag) for t in c.tags):
                continue
            own = [m for m in self._t.messages.values() if m.chat_id == c.id]
            count = len(own)
            active_at = max((m.created_at for m in own), default=c.created_at)
            out.append(
                ChatSummary(
                    c.id,
                    c.title,
                    c.provider,
                    c.model,
                    c.pinned,
                    c.updated_at,
                    count if with_counts else None,
                    active_at,
                    c.archived,
                    c.tags,
                )
            )
        return out

    def tags(self) -> list[TagUse]:
        chats = sorted((c for c in self._t.chats.values() if not c.deleted_at),
                       key=lambda c: c.updated_at)  # fmt: skip
        kept: dict[str, TagUse] = {}
        for chat in chats:
            for tag in chat.tags:
                before = kept.get(tag.name.casefold())
                kept[tag.name.casefold()] = TagUse(tag, (before.chats if before else 0) + 1)
        return sorted(kept.values(), key=lambda use: use.tag.name.casefold())

    def resolve_id(self, id_or_prefix: str) -> str:
        if id_or_prefix in self._t.chats:
            return id_or_prefix
        matches = [
            i
            for i, chat in self._t.chats.items()
            if i.startswith(id_or_prefix) and chat.deleted_at is None
        ]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise NotFoundError(f"No chat with id {id_or_prefix}.")
        raise NotFoundError(f"More than one chat starts with {id_or_prefix}; give more of the id.")


class FakeMessageRepository:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def add(self, message: Message) -> None:
        self._t.messages[message.id] = message

    def get(self, message_id: str) -> Message:
        try:
            return self._t.messages[message_id]
        except KeyError:
            raise NotFoundError(message_id) from None

    def update(self, message: Message) -> None:
        self.get(message.id)
        self._t.messages[message.id] = message

    def lineage(self, chat_id: str) -> list[tuple[str, str | None]]:
        rows = sorted(
            (m for m in self._t.messages.values() if m.chat_id == chat_id),
            key=lambda m: (m.created_at, m.id),
        )
        return [(m.id, m.parent_id) for m in rows]

    def get_many(self, message_ids: Sequence[str]) -> list[Message]:
        return [self._t.messages[i] for i in message_ids if i in self._t.messages]

    def failed_ids(self, chat_id: str) -> set[str]:
        return {
            m.id
            for m in self._t.messages.values()
            if m.chat_id == chat_id and m.status is MessageStatus.ERROR
        }

    def save_progress(self, message_id: str, content: str) -> bool:
        message = self.get(message_id)
        if message.status is not MessageStatus.STREAMING:
            return False
        self._t.messages[message_id] = dataclasses.replace(message, content=content)
        return True

    def mark_interrupted(self, message_ids: Sequence[str]) -> None:
        for message_id in message_ids:
            message = self._t.messages.get(message_id)
            if message is not None and message.status is MessageStatus.STREAMING:
                self._t.messages[message_id] = dataclasses.replace(
                    message, status=MessageStatus.INTERRUPTED
                )


class FakeReplyWriters:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def claim(self, message_id: str, writer: str) -> None:
        self._t.writers[message_id] = writer

    def release(self, message_ids: Sequence[str]) -> None:
        for message_id in message_ids:
            self._t.writers.pop(message_id, None)

    def streaming(self) -> dict[str, str | None]:
        return {
            m.id: self._t.writers.get(m.id)
            for m in self._t.messages.values()
            if m.status is MessageStatus.STREAMING
        }


class FakeLiveness:
    """Writers named alive are running; every other writer is gone."""

    def __init__(self, me: str = "this-process", alive: Sequence[str] = ()) -> None:
        self.me = me
        self.alive = {me, *alive}

    def is_alive(self, writer: str) -> bool:
        return writer in self.alive


class FakeBranchChoices:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def chosen(self, chat_id: str) -> str | None:
        return self._t.branches.get(chat_id)

    def choose(self, chat_id: str, message_id: str | None) -> None:
        if message_id is None:
            self._t.branches.pop(chat_id, None)
        else:
            self._t.branches[chat_id] = message_id


class FakeUsageLedger:
    """Totals by chat only (the SQLite ledger's sums by day are its own tests')."""

    def __init__(self, tables: _Tables) -> None:
        self._tables = tables

    def add(self, entry: UsageEntry) -> None:
        self._tables.usage[entry.id] = entry

    def totals(self, by: Grouping, since: str | None = None) -> list[UsageTotals]:
        assert by == "chat" and since is None, "the fake sums by chat only"
        chats = {e.chat_id for e in self._tables.usage.values() if e.chat_id is not None}
        return [t for chat in sorted(chats) if (t := self.of_chat(chat)) is not None]

    def of_chat(self, chat_id: str) -> UsageTotals | None:
        entries = [e for e in self._tables.usage.values() if e.chat_id == chat_id]
        if not entries:
            return None
        costs = [e.cost for e in entries if e.cost is not None]
        return UsageTotals(
            chat_id, len(entries), sum(e.usage.input_tokens or 0 for e in entries),
            sum(e.usage.output_tokens or 0 for e in entries),
            sum(e.usage.reasoning_tokens or 0 for e in entries),
            sum(e.usage.cached_tokens or 0 for e in entries),
            sum(costs) if costs else None, any(e.usage.estimated for e in entries),
        )  # fmt: skip

    def of_messages(self, message_ids: Iterable[str]) -> dict[str, UsageEntry]:
        wanted = set(message_ids)
        return {e.message_id: e for e in self._tables.usage.values()
                if e.message_id is not None and e.message_id in wanted}  # fmt: skip


class ListedPrices:
    """A price book of a few models, in dollars a million tokens (input, output)."""

    def __init__(self, rates: dict[str, tuple[float, float]] | None = None) -> None:
        self.rates = rates or {}

    def price(self, provider: str, model: str, usage: Usage) -> Price | None:
        if model not in self.rates:
            return None
        per_in, per_out = self.rates[model]
        cost = ((usage.input_tokens or 0) * per_in + (usage.output_tokens or 0) * per_out) / 1e6
        return Price(cost, f"{per_in}/{per_out}")


class FakeNoteRepository:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def add(self, note: Note) -> None:
        self._t.notes[note.id] = (note, None)

    def get(self, note_id: str) -> Note:
        note, deleted = self._t.notes.get(note_id, (None, None))
        if note is None or deleted is not None:
            raise NotFoundError(f"No note {note_id}.")
        return note

    def update(self, note: Note) -> None:
        self._t.notes[note.id] = (note, self._t.notes[note.id][1])

    def delete(self, note_id: str, when: datetime) -> None:
        note = self._t.notes[note_id][0]
        self._t.notes[note_id] = (dataclasses.replace(note, text="", quote="", updated_at=when),
                                  when)  # fmt: skip

    def listed(self, chat_id: str | None = None) -> list[NoteView]:
        views = []
        for note, deleted in self._t.notes.values():
            if deleted is None and chat_id in (None, note.chat_id):
                chat = self._t.chats.get(note.chat_id)
                gone = note.message_id not in self._t.messages or chat is None or bool(
                    chat.deleted_at)  # fmt: skip
                views.append(NoteView(note, chat.title if chat else "", gone,
                                      chat.tags if chat else ()))  # fmt: skip
        return sorted(views, key=lambda v: (v.note.updated_at, v.note.id), reverse=True)

    def exists(self, note_id: str) -> bool:
        return note_id in self._t.notes

    def of_message(self, message_id: str) -> list[Note]:
        notes = [n for n, deleted in self._t.notes.values()
                 if deleted is None and n.message_id == message_id]  # fmt: skip
        return sorted(notes, key=lambda n: n.created_at)


class FakeUnitOfWork:
    """Commits copy the working tables over the committed ones; exit without commit discards."""

    def __init__(self, committed: _Tables) -> None:
        self._committed = committed
        self.commits = 0

    def __enter__(self) -> Self:
        self._work = copy.deepcopy(self._committed)
        self.chats = FakeChatRepository(self._work)
        self.messages = FakeMessageRepository(self._work)
        self.branches = FakeBranchChoices(self._work)
        self.writers = FakeReplyWriters(self._work)
        self.usage = FakeUsageLedger(self._work)
        self.notes = FakeNoteRepository(self._work)
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def commit(self) -> None:
        self._committed.chats = dict(self._work.chats)
        self._committed.messages = dict(self._work.messages)
        self._committed.branches = dict(self._work.branches)
        self._committed.writers = dict(self._work.writers)
        self._committed.usage = dict(self._work.usage)
        self._committed.notes = dict(self._work.notes)
        self.commits += 1


class FakeStore:
    def __init__(self) -> None:
        self.tables = _Tables()

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.tables)


class ScriptedProvider:
    """A ChatProvider that yields given events, or raises, as a test says."""

    def __init__(
        self,
        events: Sequence[StreamEvent] = (),
        error: ProviderError | None = None,
        cancel_after: int | None = None,
    ) -> None:
        self.events = list(events)
        self.error = error
        self.cancel_after = cancel_after
        self.requests: list[CompletionRequest] = []

    def stream(self, request: CompletionRequest, cancel: CancelToken) -> Iterator[StreamEvent]:
        self.requests.append(request)
        for number, event in enumerate(self.events):
            if self.cancel_after is not None and number == self.cancel_after:
                cancel.cancel()
            yield event
        if self.error is not None:
            raise self.error

    def list_models(self) -> list[str]:
        return ["scripted"]


class SingleProviderResolver:
    def __init__(self, provider: ChatProvider) -> None:
        self.provider = provider

    def resolve(self, provider: str) -> ChatProvider:
        return self.provider


class MemorySecrets:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


@dataclass
class _KeptAccount:
    id: str
    email: str
    credentials: Credentials
    recovery: RecoveryLock


class FakeAccountStore:
    """Accounts as the backup database keeps them, in memory: verifiers checked against a
    hash, and each account's own rows reached with its database password only."""

    def __init__(self) -> None:
        self.accounts: dict[str, _KeptAccount] = {}
        self.sealed: dict[tuple[str, str], SealedKey] = {}

    def _by_email(self, email: str) -> _KeptAccount | None:
        return next((a for a in self.accounts.values() if a.email.lower() == email.lower()), None)

    def _as(self, session: Session) -> _KeptAccount:
        kept = self.accounts.get(session.account_id)
        if kept is None or kept.credentials.database_password != session.database_password:
            raise BackupRejected("The backup database refused the user name or password.")
        return kept

    def sign_up(
        self, account_id: str, email: str, credentials: Credentials, recovery: RecoveryLock
    ) -> None:
        if self._by_email(email) is not None:
            raise AccountError("An account with this email already exists; sign in instead.")
        self.accounts[account_id] = _KeptAccount(account_id, email, credentials, recovery)

    def salt(self, email: str) -> tuple[bytes, str | None]:
        kept = self._by_email(email)
        if kept is None:
            return hashlib.sha256(email.lower().encode()).digest()[:16], None
        return kept.credentials.salt, kept.credentials.kdf_params

    def sign_in(self, email: str, verifier: bytes, database_password: str) -> WrappedKey:
        kept = self._by_email(email)
        if kept is None or kept.credentials.verifier_hash != _verifier_hash(verifier):
            raise AccountError(WRONG_CREDENTIALS)
        found = kept.credentials
        return WrappedKey(kept.id, kept.email, found.wrapped_data_key, found.wrap_nonce,
                          found.kdf_params)  # fmt: skip

    def legacy_record(self, email: str) -> AccountRecord | None:
        raise AccountError(LEGACY_ACCOUNT)

    def adopt(self, account_id: str, credentials: Credentials) -> None:
        self.accounts[account_id].credentials = credentials

    def open_recovery(self, email: str, recovery_verifier: bytes) -> WrappedKey:
        kept = self._by_email(email)
        if (
            kept is None
            or kept.recovery.verifier_hash != hashlib.sha256(recovery_verifier).hexdigest()
        ):
            raise AccountError("The email or recovery key is wrong.")
        return WrappedKey(kept.id, kept.email, kept.recovery.wrapped_data_key, kept.recovery.nonce)

    def recover(self, email: str, recovery_verifier: bytes, credentials: Credentials) -> None:
        account_id = self.open_recovery(email, recovery_verifier).account_id
        self.accounts[account_id].credentials = credentials

    def change_password(
        self, session: Session, old_verifier: bytes, credentials: Credentials
    ) -> None:
        kept = self._as(session)
        if kept.credentials.verifier_hash != _verifier_hash(old_verifier):
            raise AccountError(WRONG_CREDENTIALS)
        kept.credentials = credentials

    def set_recovery(self, session: Session, recovery: RecoveryLock) -> None:
        self._as(session).recovery = recovery

    def put_key(self, session: Session, key: SealedKey) -> None:
        self.sealed[(self._as(session).id, key.provider)] = key

    def delete_key(self, session: Session, provider: str) -> None:
        self.sealed.pop((self._as(session).id, provider), None)

    def keys(self, session: Session) -> list[SealedKey]:
        account_id = self._as(session).id
        return sorted(
            (key for (owner, _), key in self.sealed.items() if owner == account_id),
            key=lambda key: key.provider,
        )


def _verifier_hash(verifier: bytes) -> str:
    return ONE_RUN + hashlib.sha256(verifier).hexdigest()


class FakeAccountLink:
    def __init__(self) -> None:
        self.linked: LinkedAccount | None = None

    def current(self) -> LinkedAccount | None:
        return self.linked

    def link(self, account: LinkedAccount) -> None:
        self.linked = account

    def unlink(self) -> None:
        self.linked = None
