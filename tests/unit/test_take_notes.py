"""Notes on messages (issue 19), on the in-memory fakes: what a note must hold, the order
they are listed in, and a note that outlives its message."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from domain.chats import new_chat
from domain.entities import Message, MessageStatus, Role
from domain.errors import NotFoundError, PrimerError
from domain.use_cases.take_notes import TakeNotes
from tests.support.fakes import FakeStore

START = datetime(2026, 11, 30, 12, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def seeded() -> tuple[FakeStore, TakeNotes]:
    store = FakeStore()
    with store() as uow:
        for chat_id, title in (("c1", "Rust questions"), ("c2", "Recipes")):
            chat = new_chat(title=title, provider="openai", model="m", system_prompt="", now=START)
            uow.chats.add(dataclasses.replace(chat, id=chat_id))
            uow.messages.add(Message(f"m-{chat_id}", chat_id, None, Role.ASSISTANT,
                                     "Borrowing lets a function use a value without owning it.",
                                     MessageStatus.COMPLETE, START))  # fmt: skip
        uow.commit()
    return store, TakeNotes(store, clock=Clock())


def test_a_note_highlights_exact_text_of_its_message_or_says_something() -> None:
    _, notes = seeded()
    note = notes.add("m-c1", "The key idea", quote="without owning it", colour="green")
    assert (note.chat_id, note.quote, note.colour) == ("c1", "without owning it", "green")
    assert notes.add("m-c1", "", quote="Borrowing").text == ""  # a bare highlight
    with pytest.raises(PrimerError, match="not in the message"):
        notes.add("m-c1", "x", quote="owning it without")
    with pytest.raises(PrimerError, match="needs some words"):
        notes.add("m-c1", "   ")
    with pytest.raises(PrimerError, match="yellow, green, blue, pink"):
        notes.add("m-c1", "x", colour="ultraviolet")
    with pytest.raises(NotFoundError):
        notes.add("no-such-message", "x")


def test_notes_are_listed_newest_change_first_and_by_chat() -> None:
    _, notes = seeded()
    first = notes.add("m-c1", "first")
    second = notes.add("m-c2", "second")
    assert [v.note.id for v in notes.listed()] == [second.id, first.id]
    notes.edit(first.id, "first, changed")
    listed = notes.listed()
    assert [v.note.text for v in listed] == ["first, changed", "second"]
    assert [v.chat_title for v in listed] == ["Rust questions", "Recipes"]
    assert [v.note.id for v in notes.listed("c2")] == [second.id]
    notes.delete(second.id)
    assert [v.note.id for v in notes.listed()] == [first.id]
    with pytest.raises(NotFoundError):
        notes.edit(second.id, "too late")


def test_a_note_outlives_its_message_marked_orphaned() -> None:
    store, notes = seeded()
    note = notes.add("m-c1", "Worth keeping", quote="Borrowing")
    assert notes.listed()[0].orphaned is False
    with store() as uow:  # its chat is deleted
        chat = uow.chats.get("c1")
        uow.chats.update(dataclasses.replace(chat, deleted_at=START + timedelta(hours=1)))
        uow.commit()
    (view,) = notes.listed()
    assert view.note == note and view.orphaned
