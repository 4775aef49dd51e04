"""Tags in the window (issue 18): Chat → Tags… adds a new tag and ticks or unticks one, the
chat list draws them and can show only the chats carrying one, and a tag is renamed in
every chat from the same dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from app.gui.chat_list import TAGS_ROLE
from app.gui.main_window import MainWindow
from app.gui.tags import TagsDialog
from tests.gui.conftest import screenshot
from tests.gui.test_main_window import TIMEOUT, send
from tests.support.fake_providers import FakeProviderServer, Reply, openai_sse


def tags_of(window: MainWindow, title: str) -> list[str]:
    model = window.chat_model
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if index.data() == title:
            return [tag.name for tag in index.data(TAGS_ROLE)]
    return []


def open_dialog(qtbot: QtBot, window: MainWindow) -> TagsDialog:
    window.tags.edit_action.trigger()  # Chat → Tags…
    qtbot.waitUntil(lambda: window.findChild(TagsDialog) is not None, timeout=TIMEOUT)
    dialog = window.findChild(TagsDialog)
    assert dialog is not None
    return dialog


def test_tag_chats_from_the_dialog_and_show_only_those_carrying_a_tag(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer, monkeypatch
) -> None:
    fake_server.queue(Reply(body=openai_sse(["Sure."])), Reply(body=openai_sse(["Yes."])))
    send(qtbot, window, "Plan a garden")
    window.new_chat()
    send(qtbot, window, "Plan a trip")

    dialog = open_dialog(qtbot, window)
    dialog.name.setText("Travel")
    dialog.colour.setCurrentIndex(dialog.colour.findText("Teal"))
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tags_of(window, "Plan a trip") == ["Travel"], timeout=TIMEOUT)
    assert tags_of(window, "Plan a garden") == []
    screenshot(window, "tags-in-the-list")
    dialog.close()

    window.open_chat(next(window.chat_model.summary(row).id for row in
                          range(window.chat_model.rowCount())
                          if window.chat_model.summary(row).title == "Plan a garden"))  # fmt: skip
    qtbot.waitUntil(lambda: window.title_label.text() == "Plan a garden", timeout=TIMEOUT)
    dialog = open_dialog(qtbot, window)
    (travel,) = dialog.list.findItems("Travel", Qt.MatchFlag.MatchExactly)
    assert travel.checkState() == Qt.CheckState.Unchecked
    travel.setCheckState(Qt.CheckState.Checked)  # ticked: the garden is travel too
    qtbot.waitUntil(lambda: tags_of(window, "Plan a garden") == ["Travel"], timeout=TIMEOUT)

    dialog.list.setCurrentItem(travel)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Trips", True))
    dialog._rename()  # Rename…: every chat carrying it
    qtbot.waitUntil(lambda: tags_of(window, "Plan a trip") == ["Trips"]
                    and tags_of(window, "Plan a garden") == ["Trips"], timeout=TIMEOUT)  # fmt: skip
    qtbot.waitUntil(lambda: bool(dialog.list.findItems("Trips", Qt.MatchFlag.MatchExactly)),
                    timeout=TIMEOUT)  # fmt: skip
    (trips,) = dialog.list.findItems("Trips", Qt.MatchFlag.MatchExactly)
    trips.setCheckState(Qt.CheckState.Unchecked)  # unticked: off the garden again
    qtbot.waitUntil(lambda: tags_of(window, "Plan a garden") == [], timeout=TIMEOUT)
    dialog.close()

    window.sidebar.show_tagged("trips")  # Chat → Show chats tagged → Trips
    qtbot.waitUntil(lambda: window.chat_model.rowCount() == 1, timeout=TIMEOUT)
    assert window.chat_model.summary(0).title == "Plan a trip"
    assert "tagged “trips”" in window.sidebar.archive_label.text()
    window.sidebar.show_tagged(None)
    qtbot.waitUntil(lambda: window.chat_model.rowCount() == 2, timeout=TIMEOUT)


def test_a_row_shows_the_tags_that_fit_and_counts_the_rest(qtbot: QtBot) -> None:
    from PySide6.QtGui import QFont, QFontMetrics

    from app.gui.chat_rows import _chips
    from domain.tags import Tag

    metrics = QFontMetrics(QFont())
    tags = (
        Tag("A rather long tag name", "#22c55e"),
        Tag("Research", "#14b8a6"),
        Tag("X", "#000000"),
    )
    roomy = _chips(tags, metrics, 1000)
    assert [text for text, _ in roomy][1:] == ["Research", "+1"]
    narrow = _chips(tags, metrics, metrics.horizontalAdvance("A rather") + 60)
    assert len(narrow) == 2 and narrow[0][0].endswith("…") and narrow[1][0] == "+2"
    assert _chips(tags, metrics, 10) == [("+3", "#6b7280")]
