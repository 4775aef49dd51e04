"""Attached files in the backup: sent after the messages, each once per account and in
chunks (a cut costs one chunk, and the next run goes on from the chunks already there);
brought back by restore at once, after the messages, so a restored machine has them
offline as it has its chats. Reading and writing the files' bytes happens off the store's
thread; only their rows go through it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from domain.backup import Retry, StoreThread
from domain.ports import CancelToken, FileStore
from domain.sealing import Sealer, Tampered

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
    sealer: Sealer | None = None,
) -> FilesMoved:
    """Send the files of attachments the backup lacks, then the attachments' rows."""
    pending = on_store(source.unsent_attachments, account_id)
    if not pending:
        return FilesMoved()
    seals = _Seals(sealer)
    needed = sorted({row[2] for row in pending})
    keys = {seals.key(sha256): sha256 for sha256 in needed}
    complete = {keys[key] for key in retry(lambda: target.complete_files(account_id, sorted(keys)))}
    records = on_store(source.file_records, [sha for sha in needed if sha not in complete])
    sent = sent_bytes = missing = 0
    for record in records:
        sha256, size = record[0], record[1]
        if not files.has(sha256):
            missing += 1  # removed from this device 30 days after its chat was deleted
            continue
        key, chunks = seals.key(sha256), max(1, -(-size // CHUNK_BYTES))
        there = set(retry(lambda record=record, chunks=chunks: target.start_file(
            account_id, seals.file(record), chunks)))  # fmt: skip
        for seq in range(chunks):
            if cancel is not None and cancel.cancelled:
                return FilesMoved(sent, sent_bytes, missing, finished=False)
            if seq in there:
                continue
            data = seals.chunk(files.read_chunk(sha256, seq * CHUNK_BYTES, CHUNK_BYTES), key, seq)
            retry(lambda key=key, seq=seq, data=data: target.put_chunk(
                account_id, key, seq, data))  # fmt: skip
        if retry(lambda key=key: target.finish_file(account_id, key)):
            sent, sent_bytes = sent + 1, sent_bytes + size
    rows = [seals.attachment(row) for row in pending]
    retry(lambda: target.push_attachments(account_id, rows))
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
    sealer: Sealer | None = None,
) -> FilesMoved:
    """Bring in the attachments of restored messages, and the files this device lacks."""
    seals = _Seals(sealer)
    after: tuple[str, int] | None = None
    wanted: dict[str, int] = {}
    missing = 0
    while True:
        page = retry(lambda after=after: target.attachments_after(account_id, after, page_size))
        if not page:
            break
        after = (page[-1][0], page[-1][1])
        opened = []
        for row in page:
            try:
                opened.append(seals.opened(row))
            except Tampered:
                missing += 1  # changed on the server: left out, counted
        store.submit(source.merge_attachments, account_id, opened).result()
        wanted.update({row[2]: row[4] for row in opened if not files.has(row[2])})
    fetched = fetched_bytes = 0
    for sha256, size in sorted(wanted.items()):
        if cancel is not None and cancel.cancelled:
            return FilesMoved(fetched, fetched_bytes, missing, finished=False)
        key = seals.key(sha256)
        count = retry(lambda key=key: target.file_chunks(account_id, key))

        def chunks(key: str = key, count: int = count) -> Iterator[bytes]:
            for seq in range(count):
                sealed = retry(lambda seq=seq: target.get_chunk(account_id, key, seq))
                yield seals.opened_chunk(sealed, key, seq)

        try:
            staged, got, _size = files.stage_chunks(chunks())
        except Tampered:
            missing += 1
            continue
        if got != sha256:  # not the bytes that were sent: kept out, told
            files.discard(staged)
            missing += 1
            continue
        files.keep(staged, sha256)
        fetched, fetched_bytes = fetched + 1, fetched_bytes + size
    return FilesMoved(fetched, fetched_bytes, missing)


class _Seals:
    """A file's rows and bytes as the backup keeps them: sealed, and named by a keyed hash
    (or as they are, with no sealer)."""

    def __init__(self, sealer: Sealer | None) -> None:
        self._sealer = sealer

    def key(self, sha256: str) -> str:
        return self._sealer.file_key(sha256) if self._sealer else sha256

    def file(self, record: FileRecord) -> FileRecord:
        if self._sealer is None:
            return record
        sha256, size, mime, width, height, text, thumbnail = record
        key = self.key(sha256)
        return (key, size, mime, width, height,
                None if text is None else self._sealer.seal(text, "files", key, "text"),
                None if thumbnail is None
                else self._sealer.seal_bytes(thumbnail, "files", key, "thumbnail"))  # fmt: skip

    def chunk(self, data: bytes, key: str, seq: int) -> bytes:
        return self._sealer.seal_bytes(data, "file_chunks", key, str(seq)) if self._sealer else data

    def opened_chunk(self, data: bytes, key: str, seq: int) -> bytes:
        return self._sealer.open_bytes(data, "file_chunks", key, str(seq)) if self._sealer else data

    def attachment(self, row: AttachmentRecord) -> AttachmentRecord:
        """The file's SHA-256 goes sealed with its name: restore needs it, the server not."""
        if self._sealer is None:
            return row
        message_id, position, sha256, name, chat_id = row
        named = json.dumps([sha256, name], ensure_ascii=False)
        sealed = self._sealer.seal(named, "attachments", f"{message_id}/{position}", "name")
        return (message_id, position, self.key(sha256), sealed, chat_id)

    def opened(self, row: RemoteAttachment) -> RemoteAttachment:
        if self._sealer is None:
            return row
        message_id, position, key, sealed, size, mime, width, height, text, thumbnail = row
        sha256, name = json.loads(
            self._sealer.open(sealed, "attachments", f"{message_id}/{position}", "name")
        )
        if text is not None:
            text = self._sealer.open(text, "files", key, "text")
        if thumbnail is not None:
            thumbnail = self._sealer.open_bytes(thumbnail, "files", key, "thumbnail")
        return (message_id, position, sha256, name, size, mime, width, height, text, thumbnail)
