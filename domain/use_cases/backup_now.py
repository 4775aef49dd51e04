"""Backup now: send what changed since the last acknowledged change, one batch at a time."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from domain.backup import (
    TIME_FORMAT,
    AccountTransfer,
    BackupTarget,
    ChangeBatch,
    Progress,
    with_retries,
)
from domain.ports import CancelToken

log = logging.getLogger(__name__)

BATCH_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class BackupReport:
    changes_sent: int
    messages_sent: int
    finished: bool
    """False when cancelled: what was sent stays sent, the rest goes next time."""
    conflicts: list[str] = field(default_factory=list)
    mismatched_chats: list[str] = field(default_factory=list)
    """Chats whose backup holds fewer messages than this machine sent: a fault to report."""
    at: str = ""


class BackupNow(AccountTransfer[BackupReport]):
    default_batch_size = BATCH_SIZE

    def _run(
        self,
        target: BackupTarget,
        account_id: str,
        progress: Progress | None,
        cancel: CancelToken | None,
    ) -> BackupReport:
        total = self._source.pending_count(account_id)
        done = messages = 0
        conflicts: list[str] = []
        touched: set[str] = set()
        seq = self._source.acknowledged_seq(account_id)
        if progress:
            progress(0, total)

        def read(after: int) -> ChangeBatch | None:
            return self._source.next_batch(account_id, after, self._batch_size)

        # The next batch is read while the server takes this one.
        with ThreadPoolExecutor(1, thread_name_prefix="primer-backup-read") as reader:
            upcoming = reader.submit(read, seq)
            while True:
                if cancel is not None and cancel.cancelled:
                    upcoming.cancel()
                    return BackupReport(done, messages, False, conflicts)
                batch = upcoming.result()
                if batch is None:
                    break
                upcoming = reader.submit(read, batch.last_seq)
                result = with_retries(lambda batch=batch: target.push(account_id, batch))
                # Only now, with the batch committed remotely, may the watermark move.
                self._source.acknowledge(account_id, batch.last_seq)
                seq = batch.last_seq
                conflicts.extend(result.conflicts)
                touched.update(record[0] for record in batch.chats)
                done += batch.change_count
                messages += len(batch.messages)
                if progress:
                    progress(min(done, total), max(total, done))
        mismatched = self._missing_remotely(target, account_id, sorted(touched), seq)
        at = self._clock().strftime(TIME_FORMAT)
        self._source.backup_finished(account_id, at)
        if conflicts:
            log.warning("backup: %d messages differ from the backup's copy", len(conflicts))
        return BackupReport(done, messages, True, conflicts, mismatched, at)

    def _missing_remotely(
        self, target: BackupTarget, account_id: str, chat_ids: list[str], seq: int
    ) -> list[str]:
        """Chats whose backup holds fewer messages than were sent (another machine may add)."""
        if not chat_ids:
            return []
        local = self._source.message_counts(chat_ids, seq)
        remote = target.message_counts(account_id, chat_ids)
        return [c for c in chat_ids if local.get(c, 0) > remote.get(c, 0)]
