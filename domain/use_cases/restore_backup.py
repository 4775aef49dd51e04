"""Restore: bring an account's chats and messages into this machine, merging by id."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field

from domain.backup import TIME_FORMAT, AccountTransfer, BackupTarget, Progress
from domain.backup_files import FileBackupTarget, FilesMoved, fetch_files
from domain.backup_notes import NotesBackupTarget, fetch_notes
from domain.backup_usage import UsageBackupTarget, fetch_usage
from domain.ports import CancelToken
from domain.sealing import Opened

PAGE_SIZE = 5000


@dataclass(frozen=True, slots=True)
class RestoreReport:
    chats: int
    messages_added: int
    finished: bool
    """False when cancelled; running restore again picks up where it stopped."""
    files: FilesMoved = field(default_factory=FilesMoved)
    """Attached files brought to this device (at once: a restored machine works offline)."""
    damaged: list[str] = field(default_factory=list)
    """Chats (by title, or id where the title is what did not open) of which something in
    the backup did not open: changed on the server. Everything else was restored."""
    usage_added: int = 0
    """Rows of the usage ledger new here."""
    notes_added: int = 0
    """Notes new here, or newer than this device's."""

    def faults(self) -> list[str]:
        if not self.damaged:
            return []
        named = ", ".join(f"“{name}”" for name in self.damaged[:5])
        more = f" and {len(self.damaged) - 5} more" if len(self.damaged) > 5 else ""
        return [f"Part of the backup was changed on the server and could not be opened, so "
                f"it was left out: {named}{more}. Everything else was restored."]  # fmt: skip

    def summary(self) -> str:
        chats = f"{self.chats:,} chat{'' if self.chats == 1 else 's'}"
        added = self.messages_added
        text = f"{chats}; {added:,} new message{'' if added == 1 else 's'} here"
        if self.files.files:
            text += f"; {self.files.files:,} attached file(s) brought here"
        return text


class RestoreBackup(AccountTransfer[RestoreReport]):
    default_batch_size = PAGE_SIZE

    def _run(
        self,
        target: BackupTarget,
        account_id: str,
        progress: Progress | None,
        cancel: CancelToken | None,
    ) -> RestoreReport:
        sealer = self._sealer(account_id)
        opened = Opened()
        snapshot = self._retry(lambda: target.snapshot(account_id))
        if sealer is not None:
            snapshot = opened.chats(snapshot, sealer)
        titles = {record[0]: record[1] for record in snapshot.chats}
        total = self._retry(lambda: target.message_count(account_id))
        # Chats first (newer side wins, deletions applied), so every message has its chat.
        self._on_store(self._source.merge_chats, snapshot)
        done = added = 0
        after: str | None = None
        if progress:
            progress(0, total)
        merging: Future[int] | None = None  # the store merges a page while the next arrives
        while True:
            if cancel is not None and cancel.cancelled:
                added += merging.result() if merging else 0
                return RestoreReport(len(snapshot.chats), added, False)
            page = self._retry(
                lambda after=after: target.messages_after(account_id, after, self._batch_size)
            )
            if merging is not None:
                added += merging.result()
                merging = None
            if not page:
                break
            readable = opened.messages(page, sealer) if sealer is not None else page
            merging = self._store.submit(self._source.merge_messages, readable)
            after = page[-1][0]
            done += len(page)
            if progress:
                progress(min(done, total), max(done, total))
        files = FilesMoved()
        if self._files is not None and isinstance(target, FileBackupTarget):
            files = fetch_files(self._source, target, self._files, account_id,  # type: ignore[arg-type]
                                store=self._store, retry=self._retry, cancel=cancel,
                                sealer=sealer)  # fmt: skip
            if not files.finished:
                return RestoreReport(len(snapshot.chats), added, False, files)
        usage_added: int | None = 0
        if isinstance(target, UsageBackupTarget):
            usage_added = fetch_usage(self._source, target, account_id, store=self._store,  # type: ignore[arg-type]
                                      retry=self._retry, cancel=cancel)  # fmt: skip
            if usage_added is None:
                return RestoreReport(len(snapshot.chats), added, False, files)
        notes: tuple[int, int] | None = (0, 0)
        if isinstance(target, NotesBackupTarget):
            notes = fetch_notes(self._source, target, account_id, store=self._store,  # type: ignore[arg-type]
                                retry=self._retry, cancel=cancel, sealer=sealer)  # fmt: skip
            if notes is None:
                return RestoreReport(len(snapshot.chats), added, False, files)
        damaged = sorted(titles.get(chat_id) or chat_id for chat_id in opened.damaged)
        if notes[1]:
            damaged.append(f"{notes[1]} note(s)")
        self._on_store(self._source.finish_restore, account_id, self._clock().strftime(TIME_FORMAT))
        return RestoreReport(len(snapshot.chats), added, True, files, damaged, usage_added,
                             notes[0])  # fmt: skip
