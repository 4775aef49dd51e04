"""What leaves the device for the backup is sealed under the account's data key first:
chat titles and system prompts; messages' text, metadata (reasoning and tool traffic
tell what was said) and errors; attached files' names, text, thumbnails and bytes; notes'
words and the text they highlight. The
server keeps ids, times, sizes, counts, roles, statuses, providers and model names in
the clear (they order and merge the backup; a model's name says nothing of a chat).

Sealing is deterministic (AES-GCM-SIV, its nonce drawn from the row and the field): the
same row sealed twice is the same bytes, so the server still tells a re-sent message
from a different one by comparing rows, and backups stay incremental and idempotent;
what it shows is only that a re-sent row is unchanged. The account, table, row and field
are the associated data: a ciphertext moved to another row or account does not open.
Files are named on the server by a keyed hash of their SHA-256, never the SHA-256.

An empty metadata object ("{}", most messages') goes as it is: a sealed value is as long
as its text (and sixteen bytes), so sealed, its length alone would say it is empty. Half
the sealing of a first backup is saved, and nothing more is told.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar, runtime_checkable

from domain.backup import ChangeBatch, ChatRecord, MessageRecord, RemoteSnapshot
from domain.errors import PrimerError
from domain.ports import CancelToken

T = TypeVar("T")

SEALED = "\uffffS"
"""How a sealed value begins. Text the server keeps in the clear never does: U+FFFF is
its escape character (repositories/postgres/backup_target.to_server doubles it)."""

CHAT_FIELDS = {1: "title", 4: "system_prompt", 10: "tags"}
MESSAGE_FIELDS = {4: "content", 11: "error", 12: "metadata"}
NOTE_FIELDS = {3: "text", 4: "quote"}
"""A note's row: domain/backup_notes.NOTE_COLUMNS."""
LEFT_CLEAR = {"metadata": "{}", "tags": "[]", "text": "", "quote": ""}
"""Values whose sealed length would tell them anyway, per field: sent as they are."""


def stays_clear(value: object, name: str) -> bool:
    """Nothing to seal: no value, one whose length tells it, or one sealed already."""
    return value is None or LEFT_CLEAR.get(name) == value or is_sealed(value)


class Tampered(PrimerError):
    """A sealed value that does not open: changed, or moved from another row."""


class Sealer(Protocol):
    """Seals for one account under its data key."""

    def seal(self, text: str, table: str, row_id: str, name: str) -> str: ...
    def open(self, sealed: str, table: str, row_id: str, name: str) -> str:
        """Tampered if it does not open."""
        ...

    def seal_bytes(self, data: bytes, table: str, row_id: str, name: str) -> bytes: ...
    def open_bytes(self, sealed: bytes, table: str, row_id: str, name: str) -> bytes: ...
    def file_key(self, sha256: str) -> str:
        """The name a file goes by on the server: a keyed hash of its SHA-256."""
        ...


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(SEALED)


def _sealed_row(row: tuple, fields: dict[int, str], table: str, sealer: Sealer) -> tuple:
    values = list(row)
    for place, name in fields.items():
        if not stays_clear(value := values[place], name):
            values[place] = sealer.seal(value, table, row[0], name)
    return tuple(values)


def _opened_row(row: tuple, fields: dict[int, str], table: str, sealer: Sealer) -> tuple:
    values = list(row)
    for place, name in fields.items():
        if is_sealed(values[place]):  # (a backup made before sealing holds clear text)
            values[place] = sealer.open(values[place], table, row[0], name)
    return tuple(values)


def seal_chat(record: ChatRecord, sealer: Sealer) -> ChatRecord:
    return _sealed_row(record, CHAT_FIELDS, "chats", sealer)  # type: ignore[return-value]


def seal_message(record: MessageRecord, sealer: Sealer) -> MessageRecord:
    return _sealed_row(record, MESSAGE_FIELDS, "messages", sealer)  # type: ignore[return-value]


def seal_note(record: tuple, sealer: Sealer) -> tuple:
    return _sealed_row(record, NOTE_FIELDS, "notes", sealer)


def open_note(record: tuple, sealer: Sealer) -> tuple:
    """Tampered if a sealed value does not open."""
    return _opened_row(record, NOTE_FIELDS, "notes", sealer)


def seal_batch(batch: ChangeBatch, sealer: Sealer) -> ChangeBatch:
    return replace(
        batch,
        chats=[seal_chat(record, sealer) for record in batch.chats],
        messages=[seal_message(record, sealer) for record in batch.messages],
    )


@dataclass
class Opened:
    """What restore could open, and the chats it could not open whole."""

    damaged: set[str] = field(default_factory=set)
    """Ids of chats with a value that did not open: left out or incomplete, named."""
    left_out: set[str] = field(default_factory=set)
    """Chats whose own row did not open: their messages stay out too."""

    def chats(self, snapshot: RemoteSnapshot, sealer: Sealer) -> RemoteSnapshot:
        chats = []
        for record in snapshot.chats:
            try:
                chats.append(_opened_row(record, CHAT_FIELDS, "chats", sealer))
            except Tampered:
                self.damaged.add(record[0])
                self.left_out.add(record[0])
        return replace(snapshot, chats=chats)  # type: ignore[arg-type]

    def messages(self, records: Sequence[MessageRecord], sealer: Sealer) -> list[MessageRecord]:
        opened = []
        for record in records:
            if record[1] in self.left_out:
                continue
            try:
                opened.append(_opened_row(record, MESSAGE_FIELDS, "messages", sealer))
            except Tampered:
                self.damaged.add(record[1])
        return opened  # type: ignore[return-value]


@runtime_checkable
class SealingTarget(Protocol):
    """A backup that can list what it holds in the clear, and take it back sealed."""

    def all_sealed(self, account_id: str) -> bool:
        """Whether the account's rows were all sealed (none can be in the clear since)."""
        ...

    def clear_rows(self, account_id: str, table: str, limit: int) -> list[tuple]:
        """(id, the sealable fields…) of rows with a field in the clear, by id."""
        ...

    def reseal(self, account_id: str, table: str, rows: Sequence[tuple]) -> None: ...
    def mark_all_sealed(self, account_id: str) -> None: ...


_PAGE = 1000


def seal_what_is_clear(
    target: SealingTarget,
    account_id: str,
    sealer: Sealer,
    retry: Callable[[Callable[[], T]], T],
    cancel: CancelToken | None,
) -> int | None:
    """Seal, a page at a time, what a backup made before sealing holds in the clear (each
    page a transaction: a run cut short goes on next time). How many rows; None if
    cancelled."""
    if retry(lambda: target.all_sealed(account_id)):
        return 0
    sealed = 0
    for table, fields in (("chats", CHAT_FIELDS), ("messages", MESSAGE_FIELDS)):
        names = list(fields.values())
        done: set[str] = set()
        while rows := retry(lambda table=table: target.clear_rows(account_id, table, _PAGE)):
            if cancel is not None and cancel.cancelled:
                return None
            if any(row[0] in done for row in rows):  # a row that stays clear: not again
                raise PrimerError(f"The backup database does not keep sealed {table}.")
            resealed = [
                (row[0], *(value if stays_clear(value, name)
                           else sealer.seal(value, table, row[0], name)
                           for value, name in zip(row[1:], names, strict=True)))
                for row in rows
            ]  # fmt: skip
            retry(lambda table=table, resealed=resealed: target.reseal(
                account_id, table, resealed))  # fmt: skip
            done.update(row[0] for row in rows)
            sealed += len(rows)
    retry(lambda: target.mark_all_sealed(account_id))
    return sealed
