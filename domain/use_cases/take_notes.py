"""Highlight text in a message, note something on it, change or delete a note, and list
them: the Notes view, the message's margin and `primer notes` read the same lists."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from domain.clock import Clock, utc_now
from domain.ids import new_id
from domain.notes import Note, NoteView, highlight, note_text, quoted
from domain.ports import UnitOfWorkFactory


class TakeNotes:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock = utc_now,
        make_id: Callable[[], str] = new_id,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._new_id = make_id

    def add(self, message_id: str, text: str, quote: str = "", colour: str | None = None) -> Note:
        """A note on the message; `quote`: the exact text of it to highlight."""
        with self._uow_factory() as uow:
            message = uow.messages.get(message_id)
            quote = quoted(quote, message.content)
            now = self._clock()
            note = Note(self._new_id(), message.id, message.chat_id, note_text(text, quote),
                        quote, highlight(colour), now, now)  # fmt: skip
            uow.notes.add(note)
            uow.commit()
        return note

    def edit(self, note_id: str, text: str | None = None, colour: str | None = None) -> Note:
        with self._uow_factory() as uow:
            note = uow.notes.get(note_id)
            changed = dataclasses.replace(
                note,
                text=note.text if text is None else note_text(text, note.quote),
                colour=note.colour if colour is None else highlight(colour),
                updated_at=self._clock(),
            )
            uow.notes.update(changed)
            uow.commit()
        return changed

    def delete(self, note_id: str) -> None:
        with self._uow_factory() as uow:
            uow.notes.get(note_id)  # (an unknown note says so)
            uow.notes.delete(note_id, self._clock())
            uow.commit()

    def listed(self, chat_id: str | None = None) -> list[NoteView]:
        """Newest change first; only the chat's, if one is named."""
        with self._uow_factory() as uow:
            return uow.notes.listed(chat_id)

    def of_message(self, message_id: str) -> list[Note]:
        with self._uow_factory() as uow:
            return uow.notes.of_message(message_id)
