"""Search by meaning in the window (issue 19), as a person turns it on and uses it:
Settings → Search shows what embedding the history sends before anything is sent; saving
embeds it in the background; the search field's Words / Meaning / Both find a chat that
shares no word with the query; a new reply is embedded a moment after it arrives; Find
similar lists other chats' messages; a long run shows progress and stops on Cancel; a
provider that refuses is said in a sentence and the chat goes on."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from app.bootstrap import build
from app.gui.main_window import MainWindow
from app.gui.meaning import AFTER_REPLY_MS
from app.gui.search import HIT_ROLE
from app.gui.settings_dialog import SettingsDialog
from domain.search import Hit
from tests.gui.conftest import on_lane, open_window, screenshot
from tests.gui.test_main_window import TIMEOUT, send
from tests.support.fake_providers import FakeProviderServer, Reply, error_json, openai_sse
from tests.support.seeding import add_chat


def embedding_requests(fake_server: FakeProviderServer) -> int:
    return sum(1 for r in fake_server.received if r.path.endswith("/embeddings"))


def results_shown(window: MainWindow) -> tuple[list[Hit], list[str]]:
    """The hits, and the lines above them."""
    results = window.sidebar.results
    items = [results.item(r) for r in range(results.count())]
    return ([h for i in items if (h := i.data(HIT_ROLE))],
            [i.text() for i in items if not i.data(HIT_ROLE)])  # fmt: skip


def turn_on(qtbot: QtBot, window: MainWindow) -> SettingsDialog:
    """Settings → Search → OpenAI, as a person chooses it; the dialog, not saved yet."""
    window.open_settings()
    dialog = window.settings_dialog
    dialog.tabs.setCurrentWidget(dialog.search_page)
    page = dialog.search_page
    qtbot.waitUntil(lambda: "Nothing is sent" in page.estimate.text(), timeout=TIMEOUT)
    page.provider.setCurrentIndex(page.provider.findData("openai"))
    assert page.model.text() == "text-embedding-3-small"
    return dialog


def save_turned_on(qtbot: QtBot, window: MainWindow) -> list[object]:
    """`turn_on`, saved; how the run that follows ended (its `finished` arguments)."""
    with qtbot.waitSignal(window.search.meaning.finished, timeout=TIMEOUT) as finished:
        turn_on(qtbot, window).buttons.accepted.emit()
    return finished.args


def test_turn_on_search_by_meaning_and_find_by_it(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    fake_server.queue(Reply(body=openai_sse(["Take the vehicle to a mechanic."])))
    send(qtbot, window, "My automobile makes a noise")
    noisy = window.current_chat_id
    window.new_chat()
    fake_server.queue(Reply(body=openai_sse(["A flourless cake."])))
    send(qtbot, window, "Best chocolate dessert?")
    sweet = window.current_chat_id

    dialog = turn_on(qtbot, window)
    page = dialog.search_page
    qtbot.waitUntil(lambda: "Embedding your history sends: 4 messages" in page.estimate.text(),
                    timeout=TIMEOUT)  # fmt: skip
    assert "to openai (text-embedding-3-small)" in page.estimate.text()
    assert embedding_requests(fake_server) == 0  # nothing sent before saving
    screenshot(dialog, "meaning-settings")
    indexer = window.search.meaning
    with qtbot.waitSignal(indexer.finished, timeout=TIMEOUT) as finished:
        dialog.buttons.accepted.emit()
    assert finished.args == [4] and embedding_requests(fake_server) > 0

    # Both (the default once on): no word in common, found by meaning.
    field = window.sidebar.search_field
    field.setFocus()
    qtbot.keyClicks(field, "car repair")
    qtbot.waitUntil(lambda: bool(results_shown(window)[0]), timeout=TIMEOUT)
    modes = window.sidebar.search_modes
    assert modes.isVisible() and modes.mode == "both"
    hits, _ = results_shown(window)
    assert hits[0].chat_id == noisy and hits[0].score is not None
    screenshot(window, "meaning-search-both")
    with qtbot.waitSignal(window.search_shown, timeout=TIMEOUT):
        modes.buttons["words"].click()
    hits, lines = results_shown(window)
    assert hits == [] and "No matches." in lines  # the words alone find nothing
    modes.buttons["meaning"].click()
    qtbot.waitUntil(lambda: bool(results_shown(window)[0]), timeout=TIMEOUT)
    assert results_shown(window)[0][0].chat_id == noisy

    # A new reply is embedded a moment after it arrives, and found.
    window.search.dismiss()
    window.open_chat(sweet or "")
    fake_server.queue(Reply(body=openai_sse(["Fresh pasta near the Pantheon."])))
    with qtbot.waitSignal(indexer.finished, timeout=TIMEOUT) as finished:
        send(qtbot, window, "Where should I eat in Rome?")
    assert finished.args == [2]

    # Find similar: the automobile question's like, from other chats only.
    window.open_chat(noisy or "")
    qtbot.waitUntil(lambda: window.message_model.rowCount() == 2, timeout=TIMEOUT)
    question = window.message_model.message(0)
    window.search.similar(question.id)
    qtbot.waitUntil(lambda: bool(results_shown(window)[0]), timeout=TIMEOUT)
    hits, lines = results_shown(window)
    assert lines[0] == "Like “My automobile makes a noise”, in other chats:"
    assert not window.sidebar.search_modes.isVisible()
    assert hits and all(hit.chat_id != noisy for hit in hits)
    assert window.search.active
    screenshot(window, "meaning-find-similar")
    window.search.dismiss()
    assert window.sidebar.stack.currentWidget() is window.chat_list


def test_a_long_run_shows_progress_and_stops_on_cancel(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    primer = window.primer
    assert primer is not None
    on_lane(qtbot, window, lambda: add_chat(primer, "Big", 600))
    fake_server.embeddings_gate = gate = threading.Event()
    dialog = turn_on(qtbot, window)
    qtbot.waitUntil(lambda: "600 messages" in dialog.search_page.estimate.text(),
                    timeout=TIMEOUT)  # fmt: skip
    indexer = window.search.meaning
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(indexer.strip.isVisible, timeout=TIMEOUT)
    assert indexer.label.text() == "Embedding for search by meaning: 0 of 600"
    screenshot(window, "meaning-progress")
    indexer.cancel_button.click()
    assert indexer.label.text() == "Stopping after this batch…"
    with qtbot.waitSignal(indexer.finished, timeout=TIMEOUT) as finished:
        gate.set()
    assert 0 < finished.args[0] < 600 and not indexer.strip.isVisible()
    assert "Embedding stopped after" in window.statusBar().currentMessage()
    status = on_lane(qtbot, window, primer.index_meaning.status)
    assert status.embedded == finished.args[0] and status.waiting == 600 - status.embedded


def test_a_provider_refusing_embeddings_is_said_and_the_chat_goes_on(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    send(qtbot, window, "Hello?")
    fake_server.embeddings_error = error_json(401, "Incorrect API key provided")
    indexer = window.search.meaning
    assert save_turned_on(qtbot, window) == [-1]
    with qtbot.waitSignal(indexer.finished, timeout=TIMEOUT) as finished:
        reply = send(qtbot, window, "Still there?")  # the send is not held up
    assert reply.content == "Hello from the fake." and finished.args == [-1]
    said = window.statusBar().currentMessage()
    assert said.startswith("Search by meaning could not embed new messages: ")
    assert "API key" in said and "Traceback" not in said


def test_settings_say_what_is_embedded_and_off_stops_it(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    send(qtbot, window, "Hello?")
    save_turned_on(qtbot, window)
    window.open_settings()
    dialog = window.settings_dialog
    dialog.tabs.setCurrentWidget(dialog.search_page)
    page = dialog.search_page
    said = "2 messages embedded with openai text-embedding-3-small"
    qtbot.waitUntil(lambda: said in page.estimate.text(), timeout=TIMEOUT)
    page.provider.setCurrentIndex(page.provider.findData(None))
    assert "Nothing is sent" in page.estimate.text() and not page.model.isEnabled()
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT)
    assert window.primer is not None and window.primer.settings.embeddings is None
    sent = embedding_requests(fake_server)
    send(qtbot, window, "Anyone?")
    qtbot.wait(AFTER_REPLY_MS + 500)  # (when a reply's messages would be embedded)
    assert embedding_requests(fake_server) == sent and window.search.mode() == "words"
    # On again with the same model: what came while it was off is embedded at once.
    assert save_turned_on(qtbot, window) == [2]


def test_a_window_opened_with_it_on_embeds_what_came_while_it_was_closed(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    send(qtbot, window, "Hello?")
    save_turned_on(qtbot, window)
    data_dir = window.data_dir
    window.close()
    meanwhile = build(data_dir)  # (the command line, while the window was closed)
    add_chat(meanwhile, "Written meanwhile", 6)
    del meanwhile
    again = open_window(qtbot, data_dir)
    with qtbot.waitSignal(again.search.meaning.finished, timeout=TIMEOUT) as finished:
        pass  # (the look through every message, a moment after the chats show)
    assert finished.args == [6]
    again.close()
