"""A send in a big chat updates the window from what the use cases say changed: the chat
list and the visible branch are not read again (issue 13)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex
from pytestqt.qtbot import QtBot

from app.gui.chat_list import ChatListModel, ChatListView
from app.gui.main_window import MainWindow
from app.gui.message_model import VERSION_ROLE
from domain.chats import list_order
from domain.clock import utc_now
from domain.entities import Chat, ChatSummary
from tests.gui.conftest import on_lane
from tests.support.fake_providers import FakeProviderServer, Reply, openai_sse
from tests.support.seeding import add_chat

TIMEOUT = 20000


@contextmanager
def statements(window: MainWindow) -> Iterator[list[str]]:
    """The SQL statements the store runs meanwhile, as written. SQLite's trace also names
    a statement again for each trigger it fires, and the statements of a virtual table's
    own code (the search index's, starting "--"): those, and BEGIN and COMMIT, are left
    out."""
    assert window.primer is not None
    store = window.primer.store
    seen: list[str] = []

    def record(statement: str) -> None:
        statement = " ".join(statement.split())
        inner = statement.startswith("--") or statement in ("BEGIN", "COMMIT")
        if not inner and (not seen or seen[-1] != statement):
            seen.append(statement)

    store.trace(record)
    try:
        yield seen
    finally:
        store.trace(None)


LISTING = "FROM chats WHERE deleted_at IS NULL"
TREE = "SELECT id, parent_id FROM messages"
MESSAGES = "SELECT id, chat_id, parent_id, role"
ID = re.compile(r"'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'")


def test_the_statement_patterns_catch_what_they_look_for(qtbot: QtBot, window: MainWindow) -> None:
    """Else the tests below could pass on SQL that no longer reads as they expect."""
    primer = window.primer
    assert primer is not None
    chat = on_lane(qtbot, window, lambda: add_chat(primer, "Small", 4))
    with statements(window) as seen:
        on_lane(qtbot, window, primer.list_chats)
        on_lane(qtbot, window, lambda: primer.load_conversation(chat.id))
    assert sum(LISTING in s for s in seen) == 1
    assert sum(s.startswith(TREE) for s in seen) == 1
    assert sum(len(ID.findall(s)) for s in seen if s.startswith(MESSAGES)) == 4


def open_new_chat(qtbot: QtBot, window: MainWindow, title: str, messages: int) -> Chat:
    """A chat of `messages` messages, written on the store's thread and shown."""
    primer = window.primer
    assert primer is not None
    chat = on_lane(qtbot, window, lambda: add_chat(primer, title, messages))
    with qtbot.waitSignal(window.conversation_shown, timeout=TIMEOUT):
        window.refresh_chats(select=chat.id)
    return chat


def test_a_send_in_a_10000_message_chat_reads_neither_the_list_nor_the_branch_again(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    chat = open_new_chat(qtbot, window, "Big", 10_000)
    assert window.message_model.rowCount() == 50
    fake_server.queue(Reply(body=openai_sse(["Fine ", "thanks."])))
    window.composer.setPlainText("How are you?")
    with statements(window) as seen:
        with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT):
            window.replies.send()
        qtbot.waitUntil(lambda: window.lane.pending == 0, timeout=TIMEOUT)
    assert [s for s in seen if LISTING in s] == [], "the chat list was read again"
    assert sum(s.startswith(TREE) for s in seen) == 1, "the tree was read more than once"
    ids_read = sum(len(ID.findall(s)) for s in seen if s.startswith(MESSAGES))
    assert ids_read < 1_000, "the branch was read whole (the model's window holds far less)"
    assert len(seen) < 25, seen
    # and the window shows what changed
    shown = window.message_model.messages()
    assert len(shown) == 52 and [m.content for m in shown[-2:]] == ["How are you?", "Fine thanks."]
    assert window.chat_model.summary(0).id == chat.id
    assert window.chat_list.currentIndex().row() == 0
    assert window.title_label.text() == "Big"


def test_switching_versions_reads_the_tree_once(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    open_new_chat(qtbot, window, "Versions", 300)
    fake_server.queue(Reply(body=openai_sse(["Again."])))
    last_reply = window.message_model.messages()[-1].id
    with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT):
        window.replies.regenerate(last_reply)
    assert window.message_model.messages()[-1].content == "Again."
    assert window.message_model.index(49).data(VERSION_ROLE) == (2, 2)
    newest = window.message_model.messages()[-1].id
    with statements(window) as seen, qtbot.waitSignal(window.conversation_shown, timeout=TIMEOUT):
        window.switch_version(newest, -1)
    assert sum(s.startswith(TREE) for s in seen) == 1
    assert window.message_model.messages()[-1].id == last_reply


def test_the_chat_list_moves_one_row_and_keeps_qt_s_model_rules(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = ChatListModel()
    qtmodeltester.check(model, force_py=True)
    now = utc_now()
    chats = [
        ChatSummary(f"c{i}", f"Chat {i}", "openai", "m", False, now, active_at=now - timedelta(i))
        for i in range(5)
    ]
    model.show(chats)
    model.put(replace(chats[3], active_at=now + timedelta(1)))  # a send: to the top
    model.put(replace(chats[0], pinned=True))  # pinned above all
    model.put(ChatSummary("new", "New", "openai", "m", False, now, active_at=now))
    model.put(replace(chats[4], title="Renamed"))  # same place
    model.remove("c2")
    ids = [model.summary(row).id for row in range(model.rowCount())]
    assert ids == ["c0", "c3", "new", "c1", "c4"]
    assert model.summary(4).title == "Renamed"
    assert ids == [s.id for s in sorted(map(model.summary, range(5)), key=list_order)]


class CountingChatList(ChatListModel):
    def __init__(self) -> None:
        super().__init__()
        self.asked = 0

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        self.asked += 1
        return super().rowCount(parent)


def _big_list(qtbot: QtBot, rows: int) -> tuple[ChatListView, CountingChatList]:
    now = utc_now()
    model = CountingChatList()
    model.show(
        [
            ChatSummary(
                f"c{i}",
                f"Chat {i}",
                "openai",
                "m",
                False,
                now,
                active_at=now - timedelta(minutes=i),
            )
            for i in range(rows)
        ]
    )
    view = ChatListView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(300, 500)
    view.show()
    qtbot.waitExposed(view)
    return view, model


def test_a_new_chat_on_top_of_10000_costs_the_window_no_pass_over_every_row(
    qtbot: QtBot,
) -> None:
    """Each turn of the event loop asks the model about a bounded number of rows: a list
    laid out in one pass called Python for all 10,000 rows and stalled the window while a
    reply streamed (bench.stall)."""
    view, model = _big_list(qtbot, 10_000)
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 9_000)
    now = utc_now()
    model.put(ChatSummary("new", "New", "openai", "m", False, now, active_at=now + timedelta(1)))
    per_turn = []
    for _ in range(400):  # (a turn lays out one batch of rows)
        model.asked = 0
        QCoreApplication.processEvents()
        per_turn.append(model.asked)
        if view.visualRect(model.index(10_000)).isValid():
            break
    assert max(per_turn) < 1_000, per_turn  # a batch of 100 rows, each with its heading
    assert view.visualRect(model.index(0)).top() < view.visualRect(model.index(9_999)).top()
    assert view.visualRect(model.index(10_000)).isValid()  # all laid out in the end


def test_a_chat_chosen_far_down_a_big_list_is_scrolled_into_view(qtbot: QtBot) -> None:
    view, model = _big_list(qtbot, 10_000)
    model.show([model.summary(row) for row in range(model.rowCount())])  # a fresh list
    view.setCurrentIndex(model.index(6_000))  # before its row is laid out
    qtbot.waitUntil(lambda: view.viewport().rect().intersects(view.visualRect(model.index(6_000))))
