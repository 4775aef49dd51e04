"""Notes on messages: a highlight of text in a message (a few colours), with words of the
person's own, or a note on a whole message. A note names its message and keeps the text it
highlights, so it outlives an edit elsewhere in the chat and, marked as orphaned, the
message itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.errors import PrimerError
from domain.tags import Tag

HIGHLIGHTS = {
    "yellow": "#f5c542",
    "green": "#4cbb6c",
    "blue": "#4d8bf0",
    "pink": "#e26aa6",
}
"""The highlight colours a note can take, by name."""
MAX_NOTE = 20_000


@dataclass(frozen=True, slots=True)
class Note:
    id: str
    message_id: str
    chat_id: str
    text: str
    """The person's words ('' for a bare highlight)."""
    quote: str
    """The exact text of the message it highlights ('': the whole message)."""
    colour: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NoteView:
    """A note as the Notes view and `primer notes` list it: with its chat's title, and
    whether its message is gone (orphaned: deleted, or its chat deleted)."""

    note: Note
    chat_title: str
    orphaned: bool
    tags: tuple[Tag, ...] = ()
    """Its chat's tags (the Notes view filters by them)."""


def highlight(colour: str | None) -> str:
    """A highlight colour's name (yellow when none is given)."""
    name = (colour or "yellow").strip().lower()
    if name not in HIGHLIGHTS:
        raise PrimerError(f"Highlights come in {', '.join(HIGHLIGHTS)}; not “{colour}”.")
    return name


def note_text(text: str, quote: str) -> str:
    """The note's words, checked: a note says something or highlights something."""
    text = text.strip()
    if not text and not quote:
        raise PrimerError("A note needs some words, or text of the message to highlight.")
    if len(text) > MAX_NOTE:
        raise PrimerError(f"A note holds at most {MAX_NOTE:,} characters.")
    return text


def quoted(quote: str, content: str) -> str:
    """The text to highlight, as the message has it; it must be in the message."""
    quote = quote.strip()
    if quote and quote not in content:
        raise PrimerError("That text is not in the message; copy it from the message exactly.")
    return quote


class NoteRepository(Protocol):
    def add(self, note: Note) -> None: ...
    def get(self, note_id: str) -> Note: ...
    def update(self, note: Note) -> None: ...
    def delete(self, note_id: str, when: datetime) -> None:
        """Gone from every list; kept as a mark so a backup can tell the deletion on."""

    def listed(self, chat_id: str | None = None) -> list[NoteView]:
        """Newest change first; only the chat's, if one is named."""

    def of_message(self, message_id: str) -> list[Note]: ...
    def exists(self, note_id: str) -> bool:
        """Whether the note is here, or was and was deleted."""
