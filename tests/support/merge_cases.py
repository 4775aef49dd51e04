"""The merge rules' cases, as one table that every implementation of them runs: the pure
rules (`domain/sync.py`), this machine's store on restore, the backup database on backup.

Each case: what the receiving side holds, what arrives, and what it must hold after.
Times are minutes after noon; `undo` is when the chat was last brought back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from domain.sync import Arrival, ChatState

NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def minute(value: int | None) -> datetime | None:
    return None if value is None else NOON + timedelta(minutes=value)


@dataclass(frozen=True)
class Held:
    title: str
    updated: int
    deleted: int | None = None
    undo: int | None = None

    def state(self) -> ChatState:
        return ChatState(self.title, NOON + timedelta(minutes=self.updated),
                         minute(self.deleted), minute(self.undo))  # fmt: skip


@dataclass(frozen=True)
class Arriving:
    title: str | None = None  # a copy of the chat, if any
    updated: int = 0
    undo: int | None = None
    deleted: int | None = None  # a deletion, if any

    def arrival(self) -> Arrival:
        copy = None
        if self.title is not None:
            copy = ChatState(self.title, NOON + timedelta(minutes=self.updated),
                             undeleted_at=minute(self.undo))  # fmt: skip
        return Arrival(copy, minute(self.deleted))


Outcome = tuple[str, str | None]
"""("live", its title) or ("deleted", None)."""


def outcome(state: ChatState | None) -> Outcome:
    assert state is not None
    return ("deleted", None) if state.deleted else ("live", state.content)


CASES: dict[str, tuple[Held, Arriving, Outcome]] = {
    "a newer copy wins": (Held("old", 1), Arriving("new", 2), ("live", "new")),
    "an older copy loses": (Held("new", 2), Arriving("old", 1), ("live", "new")),
    "a deletion wins over a copy that did not know of it": (
        Held("kept", 1), Arriving(deleted=2), ("deleted", None),
    ),
    "an Undo after the deletion brings the chat back": (
        Held("gone", 1, deleted=2), Arriving("back", 3, undo=3), ("live", "back"),
    ),
    "an Undo at the deletion's very time brings it back too": (
        Held("gone", 2, deleted=2), Arriving("back", 3, undo=2), ("live", "back"),
    ),
    "an Undo before the deletion does not": (
        Held("gone", 1, deleted=3), Arriving("edit", 4, undo=2), ("deleted", None),
    ),
    "an edit made without knowing of the deletion does not bring it back": (
        Held("gone", 1, deleted=2), Arriving("edit", 5), ("deleted", None),
    ),
    "a deletion older than the Undo held is no deletion": (
        Held("back", 3, undo=3), Arriving(deleted=2), ("live", "back"),
    ),
    "a deletion at the Undo's very time is the one it undid": (
        Held("back", 3, undo=3), Arriving(deleted=3), ("live", "back"),
    ),
}  # fmt: skip


# Generated cases: times from a few minutes, so that ties come up often.
times = st.integers(min_value=0, max_value=6).map(minute)
maybe_times = st.none() | times
contents = st.sampled_from(["a", "b", "c"])


@st.composite
def held_states(draw: st.DrawFn) -> ChatState:
    """A chat as a place can hold it: live, or deleted after its last Undo."""
    undeleted_at = draw(maybe_times)
    deleted_at = draw(maybe_times)
    if deleted_at is not None and undeleted_at is not None and undeleted_at >= deleted_at:
        deleted_at = None  # an Undo at or after the deletion: the chat is live
    updated = draw(times)
    assert updated is not None
    if deleted_at is not None:
        updated = max(updated, deleted_at)  # deleting a chat touches it
    if undeleted_at is not None:
        updated = max(updated, undeleted_at)  # so does bringing it back
    return ChatState(draw(contents), updated, deleted_at, undeleted_at)


@st.composite
def arrivals(draw: st.DrawFn) -> Arrival:
    """A live copy (with the last Undo its sender knew of) or a deletion."""
    if draw(st.booleans()):
        copy = draw(held_states())
        return Arrival(replace(copy, deleted_at=None) if not copy.deleted else None,
                       copy.deleted_at)  # fmt: skip
    return Arrival(deleted_at=draw(times))
