"""Titles in the window (issue 18): the first line at once, a model's title after the
first reply (from the provider's cheapest model), Chat → Regenerate title, and a model
that fails leaves the title as it was without a word."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.settings import SettingsStore
from tests.gui.conftest import open_window
from tests.gui.test_main_window import TIMEOUT, send
from tests.support.fake_providers import FakeProviderServer, Reply, error_json, openai_sse


def titled(window: MainWindow, title: str) -> bool:
    model = window.chat_model
    return any(model.index(row, 0).data() == title for row in range(model.rowCount()))


def window_with_titles(qtbot: QtBot, folder: Path) -> MainWindow:
    store = SettingsStore(folder)
    store.save(replace(store.load(), title_model="auto"))
    return open_window(qtbot, folder)


def test_a_model_titles_the_chat_after_its_first_reply_and_again_when_asked(
    qtbot: QtBot, configured_data_dir: Path, fake_server: FakeProviderServer
) -> None:
    window = window_with_titles(qtbot, configured_data_dir)
    fake_server.queue(
        Reply(body=openai_sse(["Rome", " in three days."])),  # the reply
        Reply(body=openai_sse(['"Three days', ' in Rome"'])),  # the title
    )
    send(qtbot, window, "# Plan a **trip** to Rome")
    assert titled(window, "Plan a trip to Rome")  # the first line, at once, no Markdown
    qtbot.waitUntil(lambda: titled(window, "Three days in Rome"), timeout=TIMEOUT)
    title_request = fake_server.last_chat_request().body
    assert title_request["model"] == "gpt-test-mini"  # the provider's cheapest
    assert "at most six words" in title_request["messages"][0]["content"]

    window.update_chat(window.current_chat_id, title="My Rome notes")
    qtbot.waitUntil(lambda: titled(window, "My Rome notes"), timeout=TIMEOUT)
    send(qtbot, window, "And a fourth day?")  # a typed title stays
    assert titled(window, "My Rome notes")
    fake_server.queue(Reply(body=openai_sse(["Rome, day by day"])))
    window.retitle_action.trigger()  # Chat → Regenerate title: asked, so replaced
    qtbot.waitUntil(lambda: titled(window, "Rome, day by day"), timeout=TIMEOUT)
    window.close()


def test_a_model_that_fails_leaves_the_title_without_a_word(
    qtbot: QtBot, configured_data_dir: Path, fake_server: FakeProviderServer
) -> None:
    window = window_with_titles(qtbot, configured_data_dir)
    fake_server.queue(
        Reply(body=openai_sse(["Sure."])),
        error_json(500, "The title model is down"),
    )
    send(qtbot, window, "Tell me about Lisbon")

    def title_asked() -> bool:
        return any(isinstance(r.body, dict) and r.body.get("model") == "gpt-test-mini"
                   for r in fake_server.received)  # fmt: skip

    qtbot.waitUntil(title_asked, timeout=TIMEOUT)  # the model was asked, and failed
    qtbot.waitUntil(lambda: not window.titles.asking, timeout=TIMEOUT)
    assert titled(window, "Tell me about Lisbon")
    assert not window.message_bar.isVisible()
    window.close()
