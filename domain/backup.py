"""What crosses between the local store and the backup database, and how it is checked.

Rows travel as plain tuples in a fixed column order: a first backup moves a million of
them, and building an object per row would cost more than sending it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from domain.clock import Clock, utc_now
from domain.errors import BackupUnreachable
from domain.ports import CancelToken

log = logging.getLogger(__name__)
T = TypeVar("T")
Report = TypeVar("Report")
Progress = Callable[[int, int], None]
# A cut connection is retried this many times per step before backup or restore gives up.
RETRIES = 2

# (id, title, provider, model, system_prompt, pinned, archived, created_at, updated_at,
#  undeleted_at): the last is when the user last brought the chat back from a deletion.
ChatRecord = tuple[str, str, str, str, str, bool, bool, str, str, str | None]
CHAT_COLUMNS = (
    "id", "title", "provider", "model", "system_prompt", "pinned", "archived",
    "created_at", "updated_at", "undeleted_at",
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


def with_retries(step: Callable[[], T]) -> T:
    """Run one idempotent step, again if the connection was cut (never on a refusal)."""
    for attempt in range(RETRIES):
        try:
            return step()
        except BackupUnreachable:
            log.info("backup database: connection lost, trying again (%d)", attempt + 1)
    return step()


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    """The current state of everything named by changes `first_seq..last_seq`."""

    last_seq: int
    change_count: int
    chats: list[ChatRecord] = field(default_factory=list)
    messages: list[MessageRecord] = field(default_factory=list)
    deletions: list[DeletionRecord] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PushResult:
    """`conflicts`: ids the backup already held with other content; both copies are kept."""

    conflicts: list[str] = field(default_factory=list)


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
    def merge_chats(self, snapshot: RemoteSnapshot) -> None: ...
    def merge_messages(self, messages: Sequence[MessageRecord]) -> int: ...
    def finish_restore(self, account_id: str, at: str) -> None: ...


class BackupTarget(Protocol):
    """The account's rows in the backup database; every call is scoped to one account."""

    def close(self) -> None: ...
    def push(self, account_id: str, batch: ChangeBatch) -> PushResult: ...
    def message_counts(self, account_id: str, chat_ids: Sequence[str]) -> dict[str, int]: ...
    def snapshot(self, account_id: str) -> RemoteSnapshot: ...
    def message_count(self, account_id: str) -> int: ...
    def messages_after(
        self, account_id: str, after_id: str | None, limit: int
    ) -> list[MessageRecord]: ...


class AccountTransfer(Generic[Report]):
    """What Backup now and Restore share: the local store, and a connection to the backup
    database opened for one run, moved in batches, and always closed."""

    default_batch_size = 5000

    def __init__(
        self,
        source: BackupSource,
        target_factory: Callable[[], BackupTarget],
        *,
        batch_size: int | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._source = source
        self._target_factory = target_factory
        self._batch_size = batch_size or self.default_batch_size
        self._clock = clock

    def __call__(
        self,
        account_id: str,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
    ) -> Report:
        target = self._target_factory()
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
