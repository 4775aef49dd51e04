"""Backup now: send what changed since the last acknowledged change, one batch at a time."""

from __future__ import annotations

import logging
from collections.abc import Generator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from domain.backup import (
    TIME_FORMAT,
    AccountTransfer,
    BackupTarget,
    BatchReader,
    ChangeBatch,
    Progress,
    push_isolating,
)
from domain.backup_files import FileBackupTarget, FilesMoved, send_files
from domain.backup_notes import NotesBackupTarget, send_notes
from domain.backup_usage import UsageBackupTarget, send_usage
from domain.errors import BackupRowRejected
from domain.ports import CancelToken
from domain.sealing import Sealer, SealingTarget, seal_batch, seal_what_is_clear

log = logging.getLogger(__name__)

BATCH_SIZE = 10_000
READER_FROM = 50_000
"""Changes waiting from which a backup's batches are read by its reader, when it has one:
below, starting one costs more than it saves."""
READER_BATCH_SIZE = 25_000
"""A reader's batches are larger: the server's work for each batch besides its rows (a
temporary table, the chats, a commit) took a twentieth of a first backup at 10,000."""


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
    rejected: list[tuple[str, str]] = field(default_factory=list)
    """(id, reason) of rows the backup database refused; every other row was sent."""
    deleted_elsewhere: list[str] = field(default_factory=list)
    """Chats another machine deleted: what was added to them here is not kept, as designed."""
    waiting: int = 0
    """Changes the next backup sends: made while this one ran, or held back behind a reply
    still arriving (what follows a reply waits with it)."""
    files: FilesMoved = field(default_factory=FilesMoved)
    """Attached files sent (each once per account), and those no longer on this device."""
    sealed_now: int = 0
    """Rows a backup made before sealing held in the clear, sealed by this one."""
    usage_sent: int = 0
    """Rows of the usage ledger sent (each once)."""
    notes_sent: int = 0
    """Notes sent: new, changed or deleted since the last backup."""

    def faults(self) -> list[str]:
        """What went wrong, one sentence each, for the window and the terminal alike."""
        found = []
        if self.mismatched_chats:
            found.append(
                f"The backup holds fewer messages than were sent for "
                f"{len(self.mismatched_chats)} chat(s); back up again."
            )
        if self.rejected:
            first = self.rejected[0][1]
            found.append(
                f"The backup database refused {len(self.rejected)} row(s) ({first}); "
                "everything else was backed up, and they stay on this computer."
            )
        if self.conflicts:
            found.append(
                f"{len(self.conflicts)} message(s) in the backup differ from this computer's "
                "copy with the same id; both copies were kept (details in the log)."
            )
        return found

    def notes(self) -> list[str]:
        """What is worth knowing but is no fault."""
        found = []
        if self.deleted_elsewhere:
            found.append(
                f"{len(self.deleted_elsewhere)} chat(s) were deleted on another computer; "
                "what was added to them here is not kept in the backup. Restore to see it."
            )
        if self.waiting:
            found.append(
                f"{self.waiting} change(s) go with the next backup: made while this one ran, "
                "or behind a reply still arriving."
            )
        if self.files.missing:
            found.append(
                f"{self.files.missing} attached file(s) are no longer on this computer (their "
                "chats were deleted 30 days ago), so the backup does not have them."
            )
        return found


class BackupNow(AccountTransfer[BackupReport]):
    default_batch_size = BATCH_SIZE

    def __init__(
        self,
        *args: Any,
        reader: BatchReader | None = None,
        reader_from: int = READER_FROM,
        reader_batch_size: int = READER_BATCH_SIZE,
        **kwargs: Any,
    ) -> None:
        """`reader`: reads, seals and encodes the batches of a long backup elsewhere (app/
        backup_reader.py: processes of their own), once `reader_from` changes wait, in
        batches of `reader_batch_size`."""
        super().__init__(*args, **kwargs)
        self._reader = reader
        self._reader_from = reader_from
        self._reader_batch_size = reader_batch_size

    def _run(
        self,
        target: BackupTarget,
        account_id: str,
        progress: Progress | None,
        cancel: CancelToken | None,
    ) -> BackupReport:
        source, on_store = self._source, self._on_store
        sealer = self._sealer(account_id)
        sealed_now = 0
        if sealer is not None and isinstance(target, SealingTarget):
            # What a backup made before sealing left in the clear is sealed first, so that
            # a row sent again meets its sealed copy.
            sealed_now = seal_what_is_clear(target, account_id, sealer, self._retry, cancel)
            if sealed_now is None:
                return BackupReport(0, 0, False)
        total = on_store(source.pending_count, account_id)
        seq = on_store(source.acknowledged_seq, account_id)
        if progress:
            progress(0, total)
        if self._reader is not None and total >= self._reader_from:
            batches = self._read_elsewhere(self._reader, account_id, seq, sealer, target)
        else:
            batches = self._read_here(account_id, seq, sealer)
        return self._send(target, account_id, progress, cancel, batches, seq, total, sealer,
                          sealed_now)  # fmt: skip

    def _read_elsewhere(
        self,
        reader: BatchReader,
        account_id: str,
        seq: int,
        sealer: Sealer | None,
        target: BackupTarget,
    ) -> Generator[ChangeBatch, None, None]:
        """The reader's batches, then what it left (written since it began, or behind a
        reply still streaming), read here."""
        batches = reader(account_id, seq, self._reader_batch_size, sealer, target.message_encoder())
        with closing(batches):
            for batch in batches:
                seq = batch.last_seq
                yield batch
        yield from self._read_here(account_id, seq, sealer)

    def _read_here(
        self, account_id: str, seq: int, sealer: Sealer | None
    ) -> Generator[ChangeBatch, None, None]:
        """The batches after `seq`, sealed. While the server takes one, the store thread
        reads the next and a worker of this run's seals it: the three overlap."""
        sealing = ThreadPoolExecutor(1, thread_name_prefix="primer-seal")

        def ahead(after_seq: int) -> Future[ChangeBatch | None]:
            read = self._store.submit(
                self._source.next_batch, account_id, after_seq, self._batch_size
            )

            def sealed() -> ChangeBatch | None:
                batch = read.result()
                if batch is None or sealer is None:
                    return batch
                return seal_batch(batch, sealer)

            return sealing.submit(sealed)

        upcoming = ahead(seq)
        try:
            while (batch := upcoming.result()) is not None:
                upcoming = ahead(batch.last_seq)
                yield batch
        finally:
            upcoming.cancel()
            sealing.shutdown(wait=False, cancel_futures=True)

    def _send(
        self,
        target: BackupTarget,
        account_id: str,
        progress: Progress | None,
        cancel: CancelToken | None,
        batches: Generator[ChangeBatch, None, None],
        seq: int,
        total: int,
        sealer: Sealer | None,
        sealed_now: int,
    ) -> BackupReport:
        source, on_store = self._source, self._on_store
        done = messages = 0
        conflicts: list[str] = []
        rejected: dict[str, str] = {}  # (a row changed twice is named by two batches)
        touched: set[str] = set()
        try:
            while (batch := next(batches, None)) is not None:
                if cancel is not None and cancel.cancelled:
                    return BackupReport(done, messages, False, conflicts)
                try:
                    result = push_isolating(
                        lambda part: self._retry(lambda: target.push(account_id, part)), batch
                    )
                except BackupRowRejected:
                    # The server refused a row of messages encoded as one: this batch and
                    # the rest are read here, as rows, so that the row can be found.
                    batches.close()
                    batches = self._read_here(account_id, seq, sealer)
                    continue
                # Only now, with the batch committed remotely, may the watermark move.
                on_store(source.acknowledge, account_id, batch.last_seq)
                seq = batch.last_seq
                conflicts.extend(result.conflicts)
                rejected.update(result.rejected)
                touched.update(record[0] for record in batch.chats)
                done += batch.change_count
                messages += batch.message_count
                if progress:
                    progress(min(done, total), max(total, done))
        finally:
            batches.close()
        files = FilesMoved()
        if self._files is not None and isinstance(target, FileBackupTarget):
            files = send_files(self._source, target, self._files, account_id,  # type: ignore[arg-type]
                               on_store=on_store, retry=self._retry, cancel=cancel,
                               sealer=sealer)  # fmt: skip
            if not files.finished:
                return BackupReport(done, messages, False, conflicts, files=files)
        usage_sent: int | None = 0
        if isinstance(target, UsageBackupTarget):
            usage_sent = send_usage(self._source, target, account_id, on_store=on_store,  # type: ignore[arg-type]
                                    retry=self._retry, cancel=cancel)  # fmt: skip
            if usage_sent is None:
                return BackupReport(done, messages, False, conflicts, files=files)
        notes_sent: int | None = 0
        if isinstance(target, NotesBackupTarget):
            notes_sent = send_notes(self._source, target, account_id, on_store=on_store,  # type: ignore[arg-type]
                                    retry=self._retry, cancel=cancel, sealer=sealer)  # fmt: skip
            if notes_sent is None:
                return BackupReport(done, messages, False, conflicts, files=files)
        short = self._missing_remotely(target, account_id, sorted(touched), seq)
        deleted = set(target.deleted_among(account_id, short)) if short else set()
        refused = list(rejected)
        skipped = set(refused) | {chat for _, chat in on_store(source.chats_of, refused)}
        at = self._clock().strftime(TIME_FORMAT)
        on_store(source.backup_finished, account_id, at)
        if conflicts:
            log.warning("backup: %d messages differ from the backup's copy", len(conflicts))
        for row_id, reason in rejected.items():
            log.warning("backup: the database refused row %s: %s", row_id, reason)
        return BackupReport(
            done,
            messages,
            True,
            conflicts,
            [c for c in short if c not in deleted and c not in skipped],
            at,
            list(rejected.items()),
            sorted(deleted),
            on_store(source.pending_count, account_id),
            files,
            sealed_now,
            usage_sent,
            notes_sent,
        )

    def _missing_remotely(
        self, target: BackupTarget, account_id: str, chat_ids: list[str], seq: int
    ) -> list[str]:
        """Chats whose backup holds fewer messages than were sent (another machine may add)."""
        if not chat_ids:
            return []
        local = self._on_store(self._source.message_counts, chat_ids, seq)
        remote = target.message_counts(account_id, chat_ids)
        return [c for c in chat_ids if local.get(c, 0) > remote.get(c, 0)]
