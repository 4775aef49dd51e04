"""What crosses between the local store and the backup database, and how it is checked.

Rows travel as plain tuples in a fixed column order: a first backup moves a million of
them, and building an object per row would cost more than sending it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from domain.clock import Clock, utc_now
from domain.errors import BackupRowRejected, BackupUnreachable
from domain.ports import CancelToken, FileStore

if TYPE_CHECKING:
    from domain.sealing import Sealer

log = logging.getLogger(__name__)
T = TypeVar("T")
Report = TypeVar("Report")
Progress = Callable[[int, int], None]

# (id, title, provider, model, system_prompt, pinned, archived, created_at, updated_at,
#  undeleted_at, tags): undeleted_at is when the user last brought the chat back from a
#  deletion; tags as domain/tags.py writes them.
ChatRecord = tuple[str, str, str, str, str, bool, bool, str, str, str | None, str]
CHAT_COLUMNS = (
    "id", "title", "provider", "model", "system_prompt", "pinned", "archived",
    "created_at", "updated_at", "undeleted_at", "tags",
)  # fmt: skip

# (id, chat_id, parent_id, role, content, status, provider, model, input_tokens,
#  output_tokens, cost, error, metadata, created_at)
MessageRecord = tuple[
    str, str, str | None, str, str, str, str, str,
    int | None, int | None, float | None, str | None, str, str,
]  # fmt: skip
MESSAGE_COLUMNS = (
    "id", "chat_id", "parent_id", "role", "content", "status", "provider", "model",
    "input_tokens", "output_tokens", "cost", "error", "metadata", "created_at",
)  # fmt: skip

# (chat id, deleted_at)
DeletionRecord = tuple[str, str]

# Times travel as this text in both directions, so a round trip is byte-identical.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass(frozen=True)
class Retry:
    """How often, and after how long, a step is tried again after a cut connection.

    Exponential backoff with full jitter: a server restart takes seconds, so three tries
    at once would all fail; waits double up to `cap` and are spread at random so many
    machines do not come back together. Never retried: a refusal (wrong password, a row
    the server rejects).
    """

    attempts: int = 6
    base: float = 0.5
    cap: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random
    """A number in [0, 1) that scales each wait."""

    def delays(self) -> list[float]:
        """The waits before each retry (one fewer than the attempts)."""
        return [min(self.cap, self.base * 2**n) * self.jitter() for n in range(self.attempts - 1)]

    def __call__(self, step: Callable[[], T]) -> T:
        """Run one idempotent step, again after a wait if the connection was cut."""
        for attempt, delay in enumerate(self.delays(), start=1):
            try:
                return step()
            except BackupUnreachable:
                log.info(
                    "backup database: connection lost, trying again in %.1f s (%d)",
                    delay,
                    attempt,
                )
                self.sleep(delay)
        return step()


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    """The current state of everything named by changes `first_seq..last_seq`."""

    last_seq: int
    change_count: int
    chats: list[ChatRecord] = field(default_factory=list)
    messages: list[MessageRecord] = field(default_factory=list)
    deletions: list[DeletionRecord] = field(default_factory=list)
    encoded: EncodedMessages | None = None
    """The messages in the target's bulk form instead (then `messages` is empty)."""

    @property
    def message_count(self) -> int:
        return self.encoded.count if self.encoded is not None else len(self.messages)


@dataclass(frozen=True, slots=True)
class EncodedMessages:
    """A batch's messages as its target takes them in bulk (encoded by a reader process,
    app/backup_reader.py, or by the target), with what the target checks of them besides."""

    data: bytes
    count: int
    chat_ids: list[str]

    @classmethod
    def of(
        cls, messages: Sequence[MessageRecord], encode: Callable[[Sequence[MessageRecord]], bytes]
    ) -> EncodedMessages:
        chat_ids = sorted({message[1] for message in messages})
        return cls(encode(messages), len(messages), chat_ids)


class MessageEncoder(Protocol):
    """Puts messages in a target's bulk form (PostgreSQL's COPY text) wherever it runs:
    picklable, so a reader process can encode what it read, off this interpreter's lock."""

    def encode(self, messages: Sequence[MessageRecord]) -> bytes: ...
    def close(self) -> None: ...


def encode_batch(batch: ChangeBatch, encoder: MessageEncoder) -> ChangeBatch:
    if not batch.messages:
        return batch
    encoded = EncodedMessages.of(batch.messages, encoder.encode)
    return replace(batch, messages=[], encoded=encoded)


@dataclass(frozen=True, slots=True)
class PushResult:
    """`conflicts`: ids the backup already held with other content; both copies are kept.
    `rejected`: (id, reason) of rows the server refused; the rest of the batch was sent."""

    conflicts: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)


def send_in_pages(
    unsent: Callable[[], tuple[list[Any], int]],
    push: Callable[[list[Any]], None],
    mark_sent: Callable[[int], None],
    *,
    on_store: Callable[..., Any],
    retry: Retry,
    cancel: CancelToken | None,
    prepare: Callable[[list[Any]], list[Any]] | None = None,
) -> int | None:
    """Send a table's rows not sent yet, a page at a time: each page read on the store's
    thread (`unsent`: the rows and the number they end at), `prepare`d (sealed), pushed,
    then marked sent. How many rows were sent; None if cancelled (what was sent stays
    marked sent)."""
    sent = 0
    while True:
        rows, upto = on_store(unsent)
        if not rows:
            return sent
        if cancel is not None and cancel.cancelled:
            return None
        if prepare is not None:
            rows = prepare(rows)
        retry(lambda rows=rows: push(rows))
        on_store(mark_sent, upto)
        sent += len(rows)


def push_isolating(push: Callable[[ChangeBatch], PushResult], batch: ChangeBatch) -> PushResult:
    """Push a batch; if the server refuses a row in it, send every other row and name it.

    The batch is halved until the refused rows stand alone (log2 of the batch size extra
    round trips per refused row), so one odd row never holds back the rest of the queue.
    Chats stay before messages in every half, so a chat still reaches the backup first.
    Encoded messages cannot be halved: their refusal is raised, for the batch to be read
    again as rows.
    """
    try:
        return push(batch)
    except BackupRowRejected as refusal:
        if batch.encoded is not None:
            raise
        items = [
            *(("chat", c) for c in batch.chats),
            *(("deletion", d) for d in batch.deletions),
            *(("message", m) for m in batch.messages),
        ]
        if len(items) == 1:
            return PushResult(rejected=[(items[0][1][0], refusal.message)])
        middle = len(items) // 2
        conflicts: list[str] = []
        rejected: list[tuple[str, str]] = []
        for half in (items[:middle], items[middle:]):
            part = replace(
                batch,
                chats=[row for kind, row in half if kind == "chat"],  # type: ignore[misc]
                deletions=[row for kind, row in half if kind == "deletion"],  # type: ignore[misc]
                messages=[row for kind, row in half if kind == "message"],  # type: ignore[misc]
            )
            result = push_isolating(push, part)
            conflicts += result.conflicts
            rejected += result.rejected
        return PushResult(conflicts, rejected)


@dataclass(frozen=True, slots=True)
class RemoteSnapshot:
    """An account's chats and deletions: small enough to fetch whole before the messages."""

    chats: list[ChatRecord]
    deletions: list[DeletionRecord]


class BackupSource(Protocol):
    """The local side: reads what changed, records how far backup got, merges a restore."""

    def pending_count(self, account_id: str) -> int: ...
    def next_batch(self, account_id: str, after_seq: int, limit: int) -> ChangeBatch | None: ...
    def acknowledged_seq(self, account_id: str) -> int: ...
    def acknowledge(self, account_id: str, seq: int) -> None: ...
    def backup_finished(self, account_id: str, at: str) -> None: ...
    def message_counts(self, chat_ids: Sequence[str], up_to_seq: int) -> dict[str, int]: ...
    def chats_of(self, message_ids: Sequence[str]) -> list[tuple[str, str]]:
        """(message id, chat id) of those of these ids that are messages."""
        ...

    def merge_chats(self, snapshot: RemoteSnapshot) -> None: ...
    def merge_messages(self, messages: Sequence[MessageRecord]) -> int: ...
    def finish_restore(self, account_id: str, at: str) -> None: ...


class BackupTarget(Protocol):
    """The account's rows in the backup database; every call is scoped to one account."""

    def close(self) -> None: ...
    def push(self, account_id: str, batch: ChangeBatch) -> PushResult: ...
    def message_encoder(self) -> MessageEncoder | None:
        """What encodes messages for `push` elsewhere; None: rows only."""
        ...

    def message_counts(self, account_id: str, chat_ids: Sequence[str]) -> dict[str, int]: ...
    def deleted_among(self, account_id: str, chat_ids: Sequence[str]) -> list[str]:
        """Those of these chats that the backup holds as deleted (by another machine)."""
        ...

    def snapshot(self, account_id: str) -> RemoteSnapshot: ...
    def message_count(self, account_id: str) -> int: ...
    def messages_after(
        self, account_id: str, after_id: str | None, limit: int
    ) -> list[MessageRecord]: ...


class BatchReader(Protocol):
    """Reads the batches after `after_seq`, seals them with `sealer` and encodes their
    messages with `encoder`, somewhere this interpreter's lock does not hold back (in one
    process, reading, sealing and encoding took twice as long as the server). It may end
    before the change log does: the caller reads the rest. Closing the iterator stops it;
    a failure is raised from it."""

    def __call__(
        self,
        account_id: str,
        after_seq: int,
        limit: int,
        sealer: Sealer | None,
        encoder: MessageEncoder | None,
    ) -> Generator[ChangeBatch, None, None]: ...


class StoreThread(Protocol):
    """Where the local store may be used: every SQLite statement runs on one thread, the
    window's database lane. Backup and restore run their network work elsewhere and hand
    each read and write of the store to it (`submit(...).result()`)."""

    def submit(self, fn: Callable[..., T], /, *args: object) -> Future[T]: ...


class HereAndNow:
    """The store thread is the caller's own (a command, a test): run at once."""

    def submit(self, fn: Callable[..., T], /, *args: object) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as error:
            future.set_exception(error)
        return future


class AccountTransfer(Generic[Report]):
    """What Backup now and Restore share: the local store (used on its own thread), and a
    connection to the backup database opened for one run (as the account, whose id the
    target factory is given), moved in batches, always closed."""

    default_batch_size = 5000

    def __init__(
        self,
        source: BackupSource,
        target_factory: Callable[[str], BackupTarget],
        *,
        batch_size: int | None = None,
        clock: Clock = utc_now,
        retry: Retry | None = None,
        store: StoreThread | None = None,
        files: FileStore | None = None,
        sealer_for: Callable[[str], Sealer] | None = None,
    ) -> None:
        """`files`: the attached files' bytes on this device (None: files stay out).
        `sealer_for`: an account's sealer (domain/sealing.py); None sends content in the
        clear, as tests of the protocol alone do."""
        self._files = files
        self._sealer_for = sealer_for
        self._source = source
        self._target_factory = target_factory
        self._batch_size = batch_size or self.default_batch_size
        self._clock = clock
        self._retry = retry or Retry()
        self._store = store or HereAndNow()

    def _sealer(self, account_id: str) -> Sealer | None:
        return self._sealer_for(account_id) if self._sealer_for is not None else None

    def _on_store(self, fn: Callable[..., T], *args: object) -> T:
        """Run one read or write of the local store on its thread, and wait for it."""
        return self._store.submit(fn, *args).result()

    def __call__(
        self,
        account_id: str,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
    ) -> Report:
        target = self._target_factory(account_id)
        try:
            return self._run(target, account_id, progress, cancel)
        finally:
            target.close()

    def _run(
        self,
        target: BackupTarget,
        account_id: str,
        progress: Progress | None,
        cancel: CancelToken | None,
    ) -> Report:
        raise NotImplementedError
