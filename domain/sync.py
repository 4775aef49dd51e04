"""The rules by which copies of a chat kept on several machines and in the backup agree.

They are applied in SQL, in bulk, where the rows are (a million messages move in a few
statements): `repositories/sqlite/backup_source.py` on restore, the backup database's
upsert on backup. These functions are the rules' one statement in Primer's own terms; the
tests run the same cases and thousands of generated ones against them and against both SQL
implementations, which must agree with them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ChatState:
    """What one place holds of a chat, as far as merging goes."""

    content: str
    """Stands for the fields a person edits (title, pin, provider, model, system prompt):
    they travel together, the copy with the newer `updated_at` winning them all."""
    updated_at: datetime
    deleted_at: datetime | None = None
    undeleted_at: datetime | None = None
    """When the person last brought the chat back (Undo after Delete)."""

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


@dataclass(frozen=True, slots=True)
class Arrival:
    """What comes from elsewhere: a copy of the chat, a deletion of it, or neither."""

    copy: ChatState | None = None
    deleted_at: datetime | None = None


def _latest(*times: datetime | None) -> datetime | None:
    known = [time for time in times if time is not None]
    return max(known) if known else None


def stands_deleted(deleted_at: datetime | None, undeleted_at: datetime | None) -> bool:
    """A deletion stands unless an Undo came at or after it (an Undo always follows the
    deletion it undoes)."""
    return deleted_at is not None and (undeleted_at is None or undeleted_at < deleted_at)


def merge_chat(held: ChatState | None, arriving: Arrival) -> ChatState | None:
    """What a place holds after `arriving` meets what it `held` (None: nothing, a chat it
    never had).

    - The newer copy wins the content; on a tie the copy held stays. A chat deleted where
      it is held has no copy to offer (the backup drops a deleted chat's row): if an Undo
      brings it back, it comes back as the copy that brought it, whatever the clocks say.
    - The latest deletion known anywhere stands unless the latest Undo known anywhere came
      at or after it: an edit made without knowing of a deletion does not bring the chat
      back, an Undo does, an Undo older than the deletion does not.
    """
    copy = arriving.copy
    if held is None and copy is None:
        return None
    deleted_at = _latest(held and held.deleted_at, copy and copy.deleted_at, arriving.deleted_at)
    undeleted_at = _latest(held and held.undeleted_at, copy and copy.undeleted_at)
    if held is None or (copy is not None and (copy.updated_at > held.updated_at or held.deleted)):
        winner = copy
    else:
        winner = held
    assert winner is not None
    if stands_deleted(deleted_at, undeleted_at):
        return replace(held or winner, deleted_at=deleted_at, undeleted_at=undeleted_at)
    return replace(winner, deleted_at=None, undeleted_at=undeleted_at)


def resend_messages(held: ChatState, arriving: Arrival) -> bool:
    """Whether a machine sends its messages of the chat again after this merge: an Undo
    made elsewhere reached it and the chat is live here, so the backup may have dropped
    what this machine had sent while the deletion stood there."""
    after = merge_chat(held, arriving)
    copy = arriving.copy
    return (
        after is not None
        and not after.deleted
        and copy is not None
        and copy.undeleted_at is not None
        and (held.undeleted_at is None or copy.undeleted_at > held.undeleted_at)
    )


def keeps_messages(chat: ChatState | None) -> bool:
    """Whether messages arriving for this chat are kept: not for a chat deleted (or never
    known) where they arrive, so a deletion made elsewhere is not undone by its messages."""
    return chat is not None and not chat.deleted
