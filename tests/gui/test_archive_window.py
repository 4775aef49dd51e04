"""Archived chats in the window (issue 18): out of the chat list, in a view of their own,
found by search, and back again."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from tests.gui.conftest import screenshot
from tests.gui.test_main_window import TIMEOUT, send


def titles(window: MainWindow) -> list[str]:
    model = window.chat_model
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def test_archive_a_chat_see_it_among_the_archived_and_bring_it_back(
    qtbot: QtBot, window: MainWindow
) -> None:
    send(qtbot, window, "Keep this one")
    window.new_chat()
    send(qtbot, window, "Put this away")
    qtbot.waitUntil(lambda: len(titles(window)) == 2, timeout=TIMEOUT)
    sidebar = window.sidebar
    sidebar.archive_action.trigger()  # Chat → Archive or unarchive, on the chat on screen
    qtbot.waitUntil(lambda: titles(window) == ["Keep this one"], timeout=TIMEOUT)

    sidebar.archived_view.setChecked(True)  # Chat → Show archived chats
    qtbot.waitUntil(lambda: titles(window) == ["Put this away"], timeout=TIMEOUT)
    assert sidebar.archive_label.isVisible()
    screenshot(window, "32-archived-chats")
    window.open_chat(sidebar.model.summary(0).id)
    qtbot.waitUntil(lambda: window.message_model.rowCount() == 2, timeout=TIMEOUT)
    sidebar.show_current()
    sidebar.archive_action.trigger()  # unarchive it from there
    qtbot.waitUntil(lambda: titles(window) == [], timeout=TIMEOUT)
    assert sidebar.view.empty_text == "No archived chats."

    sidebar.archived_view.setChecked(False)
    qtbot.waitUntil(lambda: sorted(titles(window)) == ["Keep this one", "Put this away"],
                    timeout=TIMEOUT)  # fmt: skip
    assert not sidebar.archive_label.isVisible()
