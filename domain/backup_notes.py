"""Notes in the backup. A note changes (its words, its colour) and is deleted, so unlike
the usage ledger a row goes again whenever it changed: the device numbers its notes'
changes and remembers the last it sent. The backup, and restore here, keep the newest
change of each note: a later edit wins, and a deletion wins over an edit older than it
(at the same moment, the deletion). A note's words and the text it highlights are sealed
under the account's data key, as a message's text is (domain/sealing.py); an empty one
goes as it is (its length would tell it anyway)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, Protocol, runtime_checkable

from domain.backup import Retry, StoreThread, send_in_pages
from domain.ports import CancelToken
from domain.sealing import Sealer, Tampered, open_note, seal_note

NOTE_COLUMNS = (
    "id", "message_id", "chat_id", "text", "quote", "colour", "created_at", "updated_at",
    "deleted_at",
)  # fmt: skip
NoteRecord = tuple[Any, ...]
"""A note's row, in NOTE_COLUMNS' order (times as text, like the messages')."""
PAGE = 2000


def newer(incoming: NoteRecord, here: NoteRecord) -> bool:
    """Whether `incoming` is a later state of the note than `here` (see the module)."""
    if incoming[7] != here[7]:
        return incoming[7] > here[7]
    return incoming[8] is not None and here[8] is None


class NotesBackupSource(Protocol):
    """The device's notes (on the store's thread)."""

    def unsent_notes(self, account_id: str, limit: int) -> tuple[list[NoteRecord], int]:
        """Notes changed since the last change sent, and the number of the last one."""
        ...

    def notes_sent(self, account_id: str, upto: int) -> None: ...
    def merge_notes(self, rows: Sequence[NoteRecord]) -> int:
        """Keep each row that is new here or newer (`newer`); how many were."""
        ...


@runtime_checkable
class NotesBackupTarget(Protocol):
    def push_notes(self, account_id: str, rows: Sequence[NoteRecord]) -> None:
        """Each row replaces the backup's copy only when it is newer (`newer`)."""
        ...

    def notes_after(self, account_id: str, after_id: str | None, limit: int) -> list[NoteRecord]:
        """In id order."""
        ...


def send_notes(
    source: NotesBackupSource,
    target: NotesBackupTarget,
    account_id: str,
    *,
    on_store: Callable[..., Any],
    retry: Retry,
    cancel: CancelToken | None,
    sealer: Sealer | None,
    page: int = PAGE,
) -> int | None:
    """How many notes were sent; None if cancelled (what was sent stays marked sent)."""
    return send_in_pages(
        partial(source.unsent_notes, account_id, page),
        partial(target.push_notes, account_id),
        partial(source.notes_sent, account_id),
        on_store=on_store, retry=retry, cancel=cancel,
        prepare=(lambda rows: [seal_note(row, sealer) for row in rows]) if sealer else None,
    )  # fmt: skip


def fetch_notes(
    source: NotesBackupSource,
    target: NotesBackupTarget,
    account_id: str,
    *,
    store: StoreThread,
    retry: Retry,
    cancel: CancelToken | None,
    sealer: Sealer | None,
    page: int = PAGE,
) -> tuple[int, int] | None:
    """(notes new or newer here, notes that did not open); None if cancelled."""
    merged, damaged, after = 0, 0, None
    while rows := retry(lambda after=after: target.notes_after(account_id, after, page)):
        if cancel is not None and cancel.cancelled:
            return None
        after = rows[-1][0]
        readable = []
        for row in rows:
            try:
                readable.append(open_note(row, sealer) if sealer is not None else row)
            except Tampered:
                damaged += 1
        merged += store.submit(source.merge_notes, readable).result()
    return merged, damaged
