"""Restore: bring an account's chats and messages into this machine, merging by id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.backup import TIME_FORMAT, BackupSource, BackupTarget, with_retries
from domain.clock import Clock, utc_now
from domain.ports import CancelToken
from domain.use_cases.backup_now import Progress

PAGE_SIZE = 5000


@dataclass(frozen=True, slots=True)
class RestoreReport:
    chats: int
    messages_added: int
    finished: bool
    """False when cancelled; running restore again picks up where it stopped."""

    def summary(self) -> str:
        chats = f"{self.chats:,} chat{'' if self.chats == 1 else 's'}"
        added = self.messages_added
        return f"{chats}; {added:,} new message{'' if added == 1 else 's'} here"


class RestoreBackup:
    def __init__(
        self,
        source: BackupSource,
        target_factory: Callable[[], BackupTarget],
        *,
        page_size: int = PAGE_SIZE,
        clock: Clock = utc_now,
    ) -> None:
        self._source = source
        self._target_factory = target_factory
        self._page_size = page_size
        self._clock = clock

    def __call__(
        self,
        account_id: str,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
    ) -> RestoreReport:
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
    ) -> RestoreReport:
        snapshot = with_retries(lambda: target.snapshot(account_id))
        total = with_retries(lambda: target.message_count(account_id))
        # Chats first (newer side wins, deletions applied), so every message has its chat.
        self._source.merge_chats(snapshot)
        done = added = 0
        after: str | None = None
        if progress:
            progress(0, total)
        while True:
            if cancel is not None and cancel.cancelled:
                return RestoreReport(len(snapshot.chats), added, False)
            page = with_retries(
                lambda after=after: target.messages_after(account_id, after, self._page_size)
            )
            if not page:
                break
            added += self._source.merge_messages(page)
            after = page[-1][0]
            done += len(page)
            if progress:
                progress(min(done, total), max(done, total))
        self._source.finish_restore(account_id, self._clock().strftime(TIME_FORMAT))
        return RestoreReport(len(snapshot.chats), added, True)
