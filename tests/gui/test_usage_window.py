"""Usage in the window (issue 18): a reply's tokens, cost and speed in its head, the chat's
total above the conversation, File → Usage… by day, model, provider or chat, and a reply
stopped on screen still counted."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.gui.message_html import message_html
from app.gui.usage_view import UsageDialog, day_name
from app.settings import ModelPrice, SettingsStore
from tests.gui.conftest import on_lane, open_window, screenshot
from tests.gui.test_main_window import TIMEOUT, send
from tests.support.fake_providers import FakeProviderServer, Reply, openai_sse


def _priced_window(qtbot: QtBot, folder: Path) -> MainWindow:
    store = SettingsStore(folder)
    store.save(replace(store.load(), prices={"openai/gpt-test": ModelPrice(2, 10)}))
    return open_window(qtbot, folder)


def _rows(dialog: UsageDialog) -> list[list[str]]:
    return dialog.shown_rows()


def test_a_reply_shows_what_it_used_and_the_usage_view_sums_it(
    qtbot: QtBot, configured_data_dir: Path, fake_server: FakeProviderServer
) -> None:
    window = _priced_window(qtbot, configured_data_dir)
    fake_server.queue(Reply(body=openai_sse(["Lisbon ", "has seven hills."], usage=(1200, 300))))
    reply = send(qtbot, window, "Tell me about Lisbon")
    assert (reply.input_tokens, reply.output_tokens) == (1200, 300)
    assert reply.cost == (1200 * 2 + 300 * 10) / 1e6
    head, _ = message_html(reply, last=True, streaming=False, version=None, dark=False)
    assert "1,200 in · 300 out · $0.0054" in head
    qtbot.waitUntil(lambda: window.header.spent_label.text() == "1,500 tokens · $0.0054",
                    timeout=TIMEOUT)  # fmt: skip

    window.usage_action.trigger()  # File → Usage…
    dialog = window.findChild(UsageDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: len(_rows(dialog)) == 1, timeout=TIMEOUT)
    assert _rows(dialog) == [["Today", "1", "1,200", "300", "0", "0", "$0.0054"]]
    assert "$0.0054" in dialog.total.text() and "1 requests" in dialog.total.text()
    screenshot(dialog, "usage-by-day")  # type: ignore[arg-type]
    dialog.by_box.setCurrentIndex(dialog.by_box.findData("chat"))
    chat_row = ["Tell me about Lisbon", "1", "1,200", "300", "0", "0", "$0.0054"]
    qtbot.waitUntil(lambda: _rows(dialog) == [chat_row], timeout=TIMEOUT)
    dialog.by_box.setCurrentIndex(dialog.by_box.findData("provider"))
    qtbot.waitUntil(lambda: _rows(dialog)[0][0] == "openai", timeout=TIMEOUT)
    dialog.period_box.setCurrentText("Last 7 days")
    qtbot.waitUntil(lambda: _rows(dialog)[0][:2] == ["openai", "1"], timeout=TIMEOUT)
    dialog.refresh()
    dialog.close()  # deleted while its report is on the way: the report is dropped
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qtbot.waitUntil(lambda: window.lane.pending == 0, timeout=TIMEOUT)
    window.new_chat()  # a new chat has used nothing yet
    assert window.header.spent_label.text() == ""
    window.close()


def test_a_reply_stopped_on_screen_is_counted_when_its_stream_ends(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    gate = threading.Event()
    fake_server.queue(Reply(body=openai_sse([f"word{i} " for i in range(50)]), gate=gate,
                            gate_after=3))  # fmt: skip
    window.composer.setPlainText("Tell me a long story")
    qtbot.keyClick(window.composer, Qt.Key.Key_Return)
    shown = window.message_model.messages
    qtbot.waitUntil(lambda: len(shown()) == 2 and "word0" in shown()[1].content, timeout=TIMEOUT)
    with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT) as finished:
        qtbot.keyClick(window.composer, Qt.Key.Key_Escape)
    reply_id = finished.args[0].id
    gate.set()  # the server goes on; the stream, told to stop, ends

    def counted() -> bool:
        usage = window.primer.show_usage  # type: ignore[union-attr]
        return reply_id in on_lane(qtbot, window, lambda: usage.of_messages([reply_id]))

    qtbot.waitUntil(counted, timeout=TIMEOUT)
    entry = on_lane(qtbot, window, lambda: window.primer.show_usage.of_messages([reply_id]))  # type: ignore[union-attr]
    assert entry[reply_id].usage.estimated  # stopped before the server's figures came


def test_days_are_named_as_people_say_them() -> None:
    today = date(2026, 11, 30)
    assert day_name("2026-11-30", today) == "Today"
    assert day_name("2026-11-29", today) == "Yesterday"
    assert day_name("2026-11-02", today) == "Mon 02 Nov 2026"
