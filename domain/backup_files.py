"""Attached files in the backup: sent after the messages, each once per account and in
chunks (a cut costs one chunk, and the next run goes on from the chunks already there);
brought back by restore at once, after the messages, so a restored machine has them
offline as it has its chats. Reading and writing the files' bytes happens off the store's
thread; only their rows go through it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from domain.backup import Retry, StoreThread
from domain.ports import CancelToken, FileStore

CHUNK_BYTES = 4 * 1024 * 1024

# (message_id, position, sha256, name, chat_id)
AttachmentRecord = tuple[str, int, str, str, str]
# (sha256, size, mime, width, height, text, thumbnail)
FileRecord = tuple[str, int, str, int | None, int | None, str | None, bytes | None]
# an attachment and its file, as restore reads them: AttachmentRecord + FileRecord[1:]
RemoteAttachment = tuple[
    str, int, str, str, int, str, int | None, int | None, str | None, bytes | None
]


class FileBackupSource(Protocol):
    """The local rows of attachments and files (on the store's thread)."""

    def unsent_attachments(self, account_id: str) -> list[AttachmentRecord]: ...
    def file_records(self, sha256s: Sequence[str]) -> list[FileRecord]: ...
    def attachments_sent(self, account_id: str, message_ids: Sequence[str]) -> None: ...
    def merge_attachments(self, account_id: str, rows: Sequence[RemoteAttachment]) -> int:
        """Add the files' rows and the attachments of messages that are here; how many
        attachments were new."""
        ...


@runtime_checkable
class FileBackupTarget(Protocol):
    def complete_files(self, account_id: str, sha256s: Sequence[str]) -> list[str]: ...
    def start_file(self, account_id: str, record: FileRecord, chunks: int) -> list[int]:
        """Make the file's row if it has none; the chunks already there."""
        ...

    def put_chunk(self, account_id: str, sha256: str, seq: int, data: bytes) -> None: ...
    def finish_file(self, account_id: str, sha256: str) -> bool:
        """Mark the file complete if every chunk is there."""
        ...

    def push_attachments(self, account_id: str, rows: Sequence[AttachmentRecord]) -> None: ...
    def attachments_after(
        self, account_id: str, after: tuple[str, int] | None, limit: int
    ) -> list[RemoteAttachment]:
        """Attachments whose files are complete, in (message_id, position) order."""
        ...

    def file_chunks(self, account_id: str, sha256: str) -> int: ...
    def get_chunk(self, account_id: str, sha256: str, seq: int) -> bytes: ...


@dataclass(frozen=True, slots=True)
class FilesMoved:
    files: int = 0
    bytes: int = 0
    missing: int = 0
    """Files not sent (no longer on this device) or not fetched (damaged on the way)."""
    finished: bool = True


def send_files(
    source: FileBackupSource,
    target: FileBackupTarget,
    files: FileStore,
    account_id: str,
    *,
    on_store: Callable[..., Any],
    retry: Retry,
    cancel: CancelToken | None,
) -> FilesMoved:
    """Send the files of attachments the backup lacks, then the attachments' rows."""
    pending = on_store(source.unsent_attachments, account_id)
    if not pending:
        return FilesMoved()
    needed = sorted({row[2] for row in pending})
    complete = set(retry(lambda: target.complete_files(account_id, needed)))
    records = on_store(source.file_records, [sha for sha in needed if sha not in complete])
    sent = sent_bytes = missing = 0
    for record in records:
        sha256, size = record[0], record[1]
        if not files.has(sha256):
            missing += 1  # removed from this device 30 days after its chat was deleted
            continue
        chunks = max(1, -(-size // CHUNK_BYTES))
        there = set(retry(lambda record=record, chunks=chunks: target.start_file(
            account_id, record, chunks)))  # fmt: skip
        for seq in range(chunks):
            if cancel is not None and cancel.cancelled:
                return FilesMoved(sent, sent_bytes, missing, finished=False)
            if seq in there:
                continue
            data = files.read_chunk(sha256, seq * CHUNK_BYTES, CHUNK_BYTES)
            retry(lambda sha256=sha256, seq=seq, data=data: target.put_chunk(
                account_id, sha256, seq, data))  # fmt: skip
        if retry(lambda sha256=sha256: target.finish_file(account_id, sha256)):
            sent, sent_bytes = sent + 1, sent_bytes + size
    retry(lambda: target.push_attachments(account_id, pending))
    on_store(source.attachments_sent, account_id, sorted({row[0] for row in pending}))
    return FilesMoved(sent, sent_bytes, missing)


def fetch_files(
    source: FileBackupSource,
    target: FileBackupTarget,
    files: FileStore,
    account_id: str,
    *,
    store: StoreThread,
    retry: Retry,
    cancel: CancelToken | None,
    page_size: int = 1000,
) -> FilesMoved:
    """Bring in the attachments of restored messages, and the files this device lacks."""
    after: tuple[str, int] | None = None
    wanted: dict[str, int] = {}
    while True:
        page = retry(lambda after=after: target.attachments_after(account_id, after, page_size))
        if not page:
            break
        store.submit(source.merge_attachments, account_id, page).result()
        after = (page[-1][0], page[-1][1])
        wanted.update({row[2]: row[4] for row in page if not files.has(row[2])})
    fetched = fetched_bytes = missing = 0
    for sha256, size in sorted(wanted.items()):
        if cancel is not None and cancel.cancelled:
            return FilesMoved(fetched, fetched_bytes, missing, finished=False)
        count = retry(lambda sha256=sha256: target.file_chunks(account_id, sha256))

        def chunks(sha256: str = sha256, count: int = count) -> Iterator[bytes]:
            for seq in range(count):
                yield retry(lambda seq=seq: target.get_chunk(account_id, sha256, seq))

        staged, got, _size = files.stage_chunks(chunks())
        if got != sha256:  # not the bytes that were sent: kept out, told
            files.discard(staged)
            missing += 1
            continue
        files.keep(staged, sha256)
        fetched, fetched_bytes = fetched + 1, fetched_bytes + size
    return FilesMoved(fetched, fetched_bytes, missing)
