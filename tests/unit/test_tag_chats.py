"""Tags on chats against in-memory fakes: a chat's tags change with the chat (its
`updated_at` moves, so backup sends them and the newest change wins a merge)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import NotFoundError, PrimerError
from domain.tags import COLOURS, Tag, colour, tags_from_text, tags_text
from domain.use_cases.list_chats import ListChats
from domain.use_cases.send_message import NewChatSettings, SendMessage
from domain.use_cases.tag_chats import TagChats
from tests.support.fakes import FakeStore

SETTINGS = NewChatSettings("openai", "gpt-test", "")


class Ticking:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def chats(store: FakeStore, *titles: str) -> list[str]:
    send = SendMessage(store, lambda p, m: 8192, writer="me")
    return [send.send(None, title, new_chat=SETTINGS).chat.id for title in titles]


def test_tag_a_chat_untag_it_and_list_the_chats_carrying_a_tag() -> None:
    store, clock = FakeStore(), Ticking()
    rome, lisbon, oslo = chats(store, "Rome", "Lisbon", "Oslo")
    tagging = TagChats(store, clock)
    before = store.tables.chats[rome].updated_at
    tagged = tagging.add(rome, "  Travel   plans ", "red")
    assert tagged.tags == (Tag("Travel plans", COLOURS["red"]),)
    assert tagged.updated_at > before  # a change of the chat: backup sends it
    assert tagging.add(lisbon, "travel PLANS").tags == tagged.tags  # its spelling and colour
    tagging.add(lisbon, "Work")
    assert {s.id for s in ListChats(store)(tag="TRAVEL plans")} == {rome, lisbon}
    assert [(use.tag.name, use.chats) for use in tagging.tags()] == [
        ("Travel plans", 2), ("Work", 1)]  # fmt: skip
    assert tagging.remove(rome, "travel plans").tags == ()
    assert {s.id for s in ListChats(store)(tag="Travel plans")} == {lisbon}
    with pytest.raises(NotFoundError):
        tagging.remove(oslo, "Work")
    with pytest.raises(PrimerError, match="needs a name"):
        tagging.add(oslo, "   ")
    with pytest.raises(PrimerError, match="Not a colour"):
        tagging.add(oslo, "Later", "sunset")


def test_rename_recolour_and_delete_change_every_chat_carrying_the_tag() -> None:
    store = FakeStore()
    a, b, c = chats(store, "A", "B", "C")
    tagging = TagChats(store, Ticking())
    for chat in (a, b):
        tagging.add(chat, "draft", "blue")
    tagging.add(c, "Ideas", "green")
    assert tagging.rename("Draft", "Drafts") == 2
    assert {t.name for chat in (a, b) for t in store.tables.chats[chat].tags} == {"Drafts"}
    assert tagging.recolour("drafts", "#AABBCC") == 2
    assert store.tables.chats[a].tags == (Tag("Drafts", "#aabbcc"),)
    assert tagging.rename("Drafts", "ideas") == 2  # into a tag that exists: one tag
    assert [(use.tag, use.chats) for use in tagging.tags()] == [
        (Tag("Ideas", COLOURS["green"]), 3)]  # fmt: skip
    assert tagging.delete("IDEAS") == 3
    assert tagging.tags() == [] and all(not chat.tags for chat in store.tables.chats.values())
    with pytest.raises(NotFoundError):
        tagging.delete("Ideas")


def test_a_new_tags_colour_is_drawn_from_its_name_and_rows_read_back_what_they_wrote() -> None:
    assert colour(None, "Work") == colour(None, "work") in COLOURS.values()
    tags = (Tag("b", "#000000"), Tag("A", "#ffffff"))
    assert tags_from_text(tags_text(tags)) == (Tag("A", "#ffffff"), Tag("b", "#000000"))
    assert tags_text(()) == "[]"
    assert tags_from_text("not json") == () and tags_from_text(None) == ()
