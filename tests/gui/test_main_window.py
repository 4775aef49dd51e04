"""The window as a person uses it: real widgets, a real store, the real SDK on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence, QTextCursor
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.about import show_about
from app.gui.launch import create_window
from app.gui.main_window import MainWindow
from app.gui.message_model import VERSION_ROLE
from app.version import __version__
from domain.entities import Message, MessageStatus
from tests.gui.conftest import on_lane, open_window, screenshot
from tests.support.fake_providers import FakeProviderServer, Reply, error_json, openai_sse

TIMEOUT = 20000


def send(qtbot: QtBot, window: MainWindow, text: str) -> Message:
    window.composer.setFocus()
    window.composer.setPlainText(text)
    with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT) as finished:
        qtbot.keyClick(window.composer, Qt.Key.Key_Return)
    return finished.args[0]


def text_point(window: MainWindow, row: int, position: int) -> QPoint:
    """Where text `position` of message `row` is drawn, in viewport coordinates."""
    index = window.message_model.index(row)
    rect = window.conversation.visualRect(index)
    document, origin = window.delegate.text_origin(index, rect)
    block = document.findBlock(position)
    offset = position - block.position()
    line = block.layout().lineForTextPosition(offset)
    box = document.documentLayout().blockBoundingRect(block)
    x = box.left() + line.cursorToX(offset)[0]
    y = box.top() + line.y() + line.height() / 2
    return origin + QPoint(int(x), int(y))


def highlighted(window: MainWindow, row: int, start: int, end: int) -> bool:
    """Whether the selection's colour is painted under text `start`..`end` of message `row`
    (on the line where `start` is)."""
    highlight = window.conversation.palette().highlight().color().rgb()
    painted = window.conversation.viewport().grab().toImage()
    left, right = text_point(window, row, start), text_point(window, row, end)
    if right.y() != left.y():
        right = QPoint(painted.width() - 1, left.y())
    return highlight in {painted.pixel(x, left.y()) for x in range(left.x(), right.x())}


def link_point(window: MainWindow, row: int, href: str) -> QPoint:
    """Where the link to `href` is drawn in message `row`, in viewport coordinates."""
    index = window.message_model.index(row)
    document, _ = window.delegate.document(index, window.conversation.viewport().width())
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            if fragment.charFormat().anchorHref() == href:
                return text_point(window, row, fragment.position()) + QPoint(3, 0)
            iterator += 1
        block = block.next()
    raise AssertionError(f"no link to {href!r} in row {row}")


def drag(qtbot: QtBot, window: MainWindow, start: QPoint, end: QPoint) -> None:
    view = window.conversation.viewport()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view, pos=end)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=end)


def click_link(qtbot: QtBot, window: MainWindow, row: int, label: str) -> None:
    window.conversation.scrollTo(window.message_model.index(row))
    qtbot.mouseClick(
        window.conversation.viewport(),
        Qt.MouseButton.LeftButton,
        pos=link_point(window, row, label),
    )


def test_while_the_store_opens_the_window_claims_nothing(
    qtbot: QtBot, configured_data_dir: Path
) -> None:
    window = create_window(configured_data_dir)
    qtbot.addWidget(window)
    window.show()
    assert window.statusBar().currentMessage() == "Opening your chats…"
    assert window.chat_list.empty_text == window.conversation.empty_text == ""
    assert not window.composer.isEnabled()


def test_first_chat_streams_and_survives_a_restart(
    qtbot: QtBot, configured_data_dir: Path, fake_server: FakeProviderServer
) -> None:
    window = open_window(qtbot, configured_data_dir)
    assert window.chat_model.rowCount() == 0
    assert "No chats yet" in window.chat_list.empty_text
    assert "Type below" in window.conversation.empty_text
    screenshot(window, "01-empty")
    fake_server.queue(Reply(body=openai_sse(["**Rome** ", "in ", "spring."]), delay=0.05))
    reply = send(qtbot, window, "Plan a trip to Rome")
    assert reply.status is MessageStatus.COMPLETE and reply.content == "**Rome** in spring."
    assert window.composer.toPlainText() == ""
    assert [m.content for m in window.message_model.messages()] == [
        "Plan a trip to Rome",
        "**Rome** in spring.",
    ]
    qtbot.waitUntil(lambda: window.chat_model.rowCount() == 1, timeout=TIMEOUT)
    assert window.chat_model.summary(0).title == "Plan a trip to Rome"
    screenshot(window, "02-conversation")
    window.resize(700, 500)
    window.splitter.setSizes([150, 550])
    qtbot.wait(50)
    sidebar_width = window.splitter.sizes()[0]
    window.close()

    again = open_window(qtbot, configured_data_dir)
    qtbot.waitUntil(lambda: again.message_model.rowCount() == 2, timeout=TIMEOUT)
    assert again.current_chat_id == reply.chat_id
    assert again.message_model.messages()[1].content == "**Rome** in spring."
    assert (again.width(), again.height()) == (700, 500)
    qtbot.waitUntil(lambda: again.splitter.sizes()[0] == sidebar_width, timeout=TIMEOUT)
    again.close()


def test_stream_arrives_piece_by_piece_and_stop_keeps_the_partial_reply(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    fake_server.queue(Reply(body=openai_sse([f"word{i} " for i in range(200)]), delay=0.03))
    window.composer.setPlainText("Tell me a long story")
    qtbot.keyClick(window.composer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stop_button.isVisible(), timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: (
            window.message_model.rowCount() == 2
            and "word3" in window.message_model.messages()[1].content
        ),
        timeout=TIMEOUT,
    )
    screenshot(window, "03-streaming")
    with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT) as finished:
        qtbot.keyClick(window.composer, Qt.Key.Key_Escape)
    stopped: Message = finished.args[0]
    assert stopped.status is MessageStatus.INTERRUPTED and stopped.metadata["stopped"]
    assert stopped.content.startswith("word0 word1 word2 word3")
    assert "word199" not in stopped.content
    assert window.send_button.isVisible() and not window.stop_button.isVisible()
    qtbot.wait(300)  # late chunks from the stopped stream must not change the stored reply
    assert window.message_model.messages()[1].content == stopped.content


def test_two_chats_stream_at_once_and_stop_acts_on_the_chat_on_screen(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    import threading

    first_gate, second_gate = threading.Event(), threading.Event()
    pieces = [f"part{i} " for i in range(6)]
    # Each reply sends two pieces, then waits for its gate: both are mid-stream at once.
    fake_server.queue(Reply(body=openai_sse(pieces), gate=first_gate, gate_after=3))
    fake_server.queue(Reply(body=openai_sse(pieces), gate=second_gate, gate_after=3))
    try:
        window.composer.setPlainText("First chat")
        qtbot.keyClick(window.composer, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: len(window.replies.streams) == 1, timeout=TIMEOUT)
        first_chat = window.current_chat_id
        qtbot.waitUntil(lambda: "part1" in window.message_model.messages()[-1].content)

        window.new_chat()
        assert window.send_button.isVisible() and not window.stop_button.isVisible()
        window.composer.setPlainText("Second chat")
        qtbot.keyClick(window.composer, Qt.Key.Key_Return)  # allowed: another chat
        qtbot.waitUntil(lambda: len(window.replies.streams) == 2, timeout=TIMEOUT)
        assert window.current_chat_id != first_chat and window.stop_button.isVisible()
        qtbot.waitUntil(lambda: "part1" in window.message_model.messages()[-1].content)

        with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT) as stopped:
            qtbot.keyClick(window.composer, Qt.Key.Key_Escape)  # stops the second only
        assert stopped.args[0].status is MessageStatus.INTERRUPTED
        assert list(window.replies.streams) == [first_chat]

        with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT) as finished:
            first_gate.set()
        whole = finished.args[0]
        assert whole.chat_id == first_chat and whole.status is MessageStatus.COMPLETE
        assert whole.content == "".join(pieces)
    finally:
        first_gate.set()
        second_gate.set()


def test_a_long_title_does_not_move_the_sidebar(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(900, 600)
    send(qtbot, window, "Short")
    window.splitter.setSizes([250, 650])
    qtbot.wait(20)
    before = window.splitter.sizes()
    long_title = "A very long title " * 12
    send(qtbot, window, "Another")  # (in the same chat)
    primer, chat_id = window.primer, window.current_chat_id
    on_lane(qtbot, window, lambda: primer.update_chat(chat_id, title=long_title))
    window.refresh_chats()
    window.open_chat(window.current_chat_id)
    qtbot.waitUntil(lambda: window.title_label.full_text() == long_title.strip(), timeout=TIMEOUT)
    qtbot.wait(20)
    assert window.splitter.sizes() == before
    assert window.title_label.text().endswith("…") and window.title_label.toolTip()
    assert not window.chat_list.horizontalScrollBar().isVisible()  # its row is cut too


def test_a_new_chat_shows_its_question_as_soon_as_it_is_stored(
    qtbot: QtBot, window: MainWindow
) -> None:
    from domain.use_cases.send_message import NewChatSettings

    assert window.primer is not None
    primer = window.primer
    pending = on_lane(
        qtbot,
        window,
        lambda: primer.send_message.send(
            None, "Hi there", new_chat=NewChatSettings("openai", "gpt-test")
        ),
    )
    with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT):
        window.replies.begin(pending)  # what happens once the question is stored
        # Shown before any read of the store: no empty "New chat" view meanwhile.
        assert [m.content for m in window.message_model.messages()] == ["Hi there", ""]
        assert window.title_label.full_text() == "Hi there"


def test_server_error_shows_a_message_and_retry_succeeds(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    fake_server.queue(error_json(500, "overloaded"))
    failed = send(qtbot, window, "Are you there?")
    assert failed.status is MessageStatus.ERROR
    assert "server error (500)" in (failed.error or "")
    index = window.message_model.index(1)
    document, _ = window.delegate.document(index, window.conversation.viewport().width())
    assert "Retry<" in document.toHtml()
    assert window.message_model.messages()[0].content == "Are you there?"
    screenshot(window, "04-error")
    with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT) as finished:
        click_link(qtbot, window, 1, "action:regenerate")
    assert finished.args[0].status is MessageStatus.COMPLETE
    qtbot.waitUntil(
        lambda: (
            window.message_model.rowCount() == 2
            and window.message_model.messages()[1].content == "Hello from the fake."
        ),
        timeout=TIMEOUT,
    )
    # The retry replaced the failure: no ❮ 2 / 2 ❯ to switch back to it.
    assert window.message_model.index(1).data(VERSION_ROLE) is None


def test_wrong_key_tells_the_user_where_to_fix_it(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    fake_server.queue(error_json(401, "Incorrect API key provided"))
    failed = send(qtbot, window, "Hi")
    assert "rejected the API key" in (failed.error or "")
    assert "sk-test-openai" not in (failed.error or "")
    # Retrying the same key cannot help: the reply offers the way to the key instead.
    document, _ = window.delegate.document(
        window.message_model.index(1), window.conversation.viewport().width()
    )
    assert ">Set the API key…<" in document.toHtml() and "Retry<" not in document.toHtml()
    click_link(qtbot, window, 1, "action:settings")
    qtbot.waitUntil(lambda: window.settings_dialog.isVisible(), timeout=TIMEOUT)
    window.settings_dialog.reject()


def test_rename_in_place_pin_delete_and_undo(qtbot: QtBot, window: MainWindow) -> None:
    send(qtbot, window, "First chat")
    send(qtbot, window, "More in first chat")
    window.new_chat()
    send(qtbot, window, "Second chat")
    qtbot.waitUntil(lambda: window.chat_model.rowCount() == 2, timeout=TIMEOUT)
    assert window.chat_model.summary(0).title == "Second chat"

    qtbot.waitUntil(lambda: window.lane.pending == 0, timeout=TIMEOUT)
    row = window.chat_model.row_of(window.current_chat_id or "")
    window.chat_list.setCurrentIndex(window.chat_model.index(row))
    window.chat_list.setFocus()
    qtbot.keyClick(window.chat_list, Qt.Key.Key_F2)
    editor = window.chat_list.findChild(QLineEdit)
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, "Renamed trip")
    with qtbot.waitSignal(window.chats_loaded, timeout=TIMEOUT):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.chat_model.summary(0).title == "Renamed trip", timeout=TIMEOUT)
    assert window.title_label.full_text() == "Renamed trip"

    first = window.chat_model.summary(1)
    window.chat_list.setCurrentIndex(window.chat_model.index(1))
    qtbot.waitUntil(lambda: window.current_chat_id == first.id, timeout=TIMEOUT)
    with qtbot.waitSignal(window.chats_loaded, timeout=TIMEOUT):
        window.sidebar.toggle_pin()
    qtbot.waitUntil(lambda: window.chat_model.summary(0).id == first.id, timeout=TIMEOUT)
    assert window.chat_model.summary(0).pinned

    window.chat_list.setFocus()
    with qtbot.waitSignal(window.chats_loaded, timeout=TIMEOUT):
        qtbot.keyClick(window.chat_list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: window.chat_model.rowCount() == 1, timeout=TIMEOUT)
    assert window.message_bar.isVisible() and "Deleted" in window.message_bar.label.text()
    screenshot(window, "05-deleted-undo")
    with qtbot.waitSignal(window.chats_loaded, timeout=TIMEOUT):
        qtbot.mouseClick(window.message_bar.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.chat_model.rowCount() == 2, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.message_model.rowCount() == 4, timeout=TIMEOUT)


def test_edit_makes_a_branch_and_keeps_the_original(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    send(qtbot, window, "What is 2+2?")
    click_link(qtbot, window, 0, "action:edit")
    assert window.composer.toPlainText() == "What is 2+2?"
    assert window.edit_banner.isVisible()
    window.composer.setPlainText("What is 3+3?")
    with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT):
        qtbot.keyClick(window.composer, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            window.message_model.rowCount() == 2
            and window.message_model.messages()[0].content == "What is 3+3?"
        ),
        timeout=TIMEOUT,
    )
    assert fake_server.last_chat_request().body["messages"][-1]["content"] == "What is 3+3?"
    primer = window.primer
    assert primer is not None
    chat_id = window.current_chat_id or ""
    everything = on_lane(qtbot, window, lambda: primer.export_chats(chat_id).messages)
    assert [m.content for m in everything if m.role.value == "user"] == [
        "What is 2+2?",
        "What is 3+3?",
    ]


def test_arrows_switch_between_versions_and_the_choice_survives_a_restart(
    qtbot: QtBot, configured_data_dir: Path, fake_server: FakeProviderServer
) -> None:
    window = open_window(qtbot, configured_data_dir)
    fake_server.queue(Reply(body=openai_sse(["Four."])))
    send(qtbot, window, "What is 2+2?")
    click_link(qtbot, window, 0, "action:edit")
    fake_server.queue(Reply(body=openai_sse(["Six."])))
    window.composer.setPlainText("What is 3+3?")
    with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT):
        qtbot.keyClick(window.composer, Qt.Key.Key_Return)

    def shown() -> list[str]:
        return [m.content for m in window.message_model.messages()]

    qtbot.waitUntil(lambda: shown() == ["What is 3+3?", "Six."], timeout=TIMEOUT)
    with pytest.raises(AssertionError, match="no link"):
        link_point(window, 0, "action:newer-version")  # the newest has nothing newer
    with qtbot.waitSignal(window.conversation_shown, timeout=TIMEOUT):
        click_link(qtbot, window, 0, "action:older-version")
    assert shown() == ["What is 2+2?", "Four."]
    version = window.message_model.index(0).data(VERSION_ROLE)
    assert version == (1, 2)
    screenshot(window, "05-older-version")
    window.close()

    window = open_window(qtbot, configured_data_dir)
    qtbot.waitUntil(lambda: shown() == ["What is 2+2?", "Four."], timeout=TIMEOUT)
    fake_server.queue(Reply(body=openai_sse(["Eight."])))
    send(qtbot, window, "And 4+4?")  # continues the version on screen
    qtbot.waitUntil(lambda: len(shown()) == 4, timeout=TIMEOUT)
    assert shown() == ["What is 2+2?", "Four.", "And 4+4?", "Eight."]
    sent = [m["content"] for m in fake_server.last_chat_request().body["messages"]]
    assert "What is 3+3?" not in sent and sent[-1] == "And 4+4?"
    with qtbot.waitSignal(window.conversation_shown, timeout=TIMEOUT):
        click_link(qtbot, window, 0, "action:newer-version")
    assert shown() == ["What is 3+3?", "Six."]
    window.close()


def test_regenerate_replaces_the_shown_reply(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    send(qtbot, window, "Name a colour")
    fake_server.queue(Reply(body=openai_sse(["Blue."])))
    with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT):
        click_link(qtbot, window, 1, "action:regenerate")
    qtbot.waitUntil(
        lambda: (
            window.message_model.rowCount() == 2
            and window.message_model.messages()[1].content == "Blue."
        ),
        timeout=TIMEOUT,
    )


def test_text_in_a_message_can_be_selected_and_copied(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    fake_server.queue(Reply(body=openai_sse(["The quick brown fox jumps."])))
    send(qtbot, window, "Say something")
    view = window.conversation.viewport()
    index = window.message_model.index(1)
    document, _ = window.delegate.document(index, view.width())
    start = document.toPlainText().index("quick")
    end = start + len("quick brown")
    QGuiApplication.clipboard().clear()

    drag(qtbot, window, text_point(window, 1, start), text_point(window, 1, end))
    assert window.conversation.selected_text() == "quick brown"
    assert highlighted(window, 1, start, end)  # the selection is drawn, not only remembered
    screenshot(window, "07-selection")
    qtbot.keySequence(window.conversation, QKeySequence.StandardKey.Copy)
    assert QGuiApplication.clipboard().text() == "quick brown"

    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=text_point(window, 1, start + 7))
    assert window.conversation.selected_text() == "brown"
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=text_point(window, 1, start))
    assert window.conversation.selected_text() == ""  # a plain click clears it

    qtbot.keyClicks(window.conversation, "Thanks")  # typing goes to the composer
    assert window.composer.toPlainText() == "Thanks"
    assert window.composer.hasFocus()


def test_a_selection_spans_messages_but_not_their_names_or_links(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    fake_server.queue(Reply(body=openai_sse(["The quick brown fox jumps."])))
    send(qtbot, window, "Say something")
    question = window.delegate.document(window.message_model.index(0), 800)[0].toPlainText()
    something = question.index("something")
    answer = window.delegate.document(window.message_model.index(1), 800)[0].toPlainText()
    quick_end = answer.index("quick") + len("quick")

    drag(qtbot, window, text_point(window, 0, something), text_point(window, 1, quick_end))
    assert window.conversation.selected_text() == "something\n\nThe quick"
    assert highlighted(window, 0, something, something + len("something"))  # both show theirs
    assert highlighted(window, 1, answer.index("The"), quick_end)
    assert not highlighted(window, 1, quick_end + 1, answer.index("jumps"))
    screenshot(window, "07-selection-across-messages")
    qtbot.keySequence(window.conversation, QKeySequence.StandardKey.SelectAll)
    assert window.conversation.selected_text() == "Say something\n\nThe quick brown fox jumps."

    # From the reply's text down to its links (Copy · Regenerate) and up into "You":
    # the names and the links are never part of it.
    reply_rect = window.conversation.visualRect(window.message_model.index(1))
    fox = answer.index("fox")
    drag(qtbot, window, text_point(window, 1, fox), reply_rect.bottomLeft() + QPoint(40, -4))
    assert window.conversation.selected_text() == "fox jumps."
    top = window.conversation.visualRect(window.message_model.index(0)).topLeft()
    drag(qtbot, window, text_point(window, 0, something), top + QPoint(30, 12))
    assert window.conversation.selected_text() == "Say "


def test_dragging_past_the_bottom_scrolls_and_keeps_selecting(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    lines = [f"Line {n} of a long answer.\n\n" for n in range(1, 61)]
    fake_server.queue(Reply(body=openai_sse(lines)))
    send(qtbot, window, "Tell me a lot")
    bar = window.conversation.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=TIMEOUT)
    bar.setValue(0)
    view = window.conversation.viewport()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=text_point(window, 0, 0))
    qtbot.mouseMove(view, pos=QPoint(200, view.height() + 40))
    qtbot.waitUntil(lambda: bar.value() == bar.maximum(), timeout=TIMEOUT)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(200, view.height() - 5))
    copied = window.conversation.selected_text()
    assert copied.startswith("Tell me a lot\n\nLine 1 of a long answer.")
    assert copied.endswith("Line 60 of a long answer.")


def right_click_menu(qtbot: QtBot, view: QAbstractItemView, pos: QPoint) -> list[str]:
    """The entries of the menu a right click at `pos` opens, which is then closed."""
    from PySide6.QtGui import QContextMenuEvent

    viewport = view.viewport()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, viewport.mapToGlobal(pos))
    QApplication.sendEvent(viewport, event)

    def open_menus() -> list[QMenu]:
        widgets = QApplication.topLevelWidgets()
        return [w for w in widgets if isinstance(w, QMenu) and w.isVisible()]

    qtbot.waitUntil(lambda: bool(open_menus()))
    menu = open_menus()[0]
    menu.close()
    return [action.text() for action in menu.actions() if not action.isSeparator()]


def test_right_clicks_open_menus_for_the_chat_and_the_message(
    qtbot: QtBot, window: MainWindow
) -> None:
    send(qtbot, window, "Hello there")
    qtbot.waitUntil(lambda: window.chat_model.rowCount() == 1, timeout=TIMEOUT)
    chat_row = window.chat_list.visualRect(window.chat_model.index(0)).center()
    assert right_click_menu(qtbot, window.chat_list, chat_row) == [
        "Rename",
        "Pin to top",
        "Archive",
        "Tags…",
        "Delete",
    ]
    reply_row = window.conversation.visualRect(window.message_model.index(1)).center()
    assert right_click_menu(qtbot, window.conversation, reply_row) == [
        "Copy message",
        "Regenerate",
        "Add a note…",
        "Find similar",
    ]


def test_code_block_copy_button(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    fake_server.queue(Reply(body=openai_sse(["Try:\n\n```python\n", "print('hi')\n", "```\n"])))
    send(qtbot, window, "Show code")
    QGuiApplication.clipboard().clear()
    click_link(qtbot, window, 1, "copy-code:0")
    assert QGuiApplication.clipboard().text() == "print('hi')"
    screenshot(window, "06-code")


def test_models_pass_the_qt_model_tester(qtbot: QtBot, qtmodeltester, window: MainWindow) -> None:
    send(qtbot, window, "Hello")
    qtbot.waitUntil(lambda: window.chat_model.rowCount() == 1, timeout=TIMEOUT)
    qtmodeltester.check(window.chat_model)
    qtmodeltester.check(window.message_model)


def test_settings_dialog_stores_key_in_keyring_and_adds_a_local_server(
    qtbot: QtBot, window: MainWindow, memory_keyring
) -> None:
    memory_keyring.calls_on_main_thread.clear()
    window.open_settings()
    dialog = window.settings_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT)
    screenshot(dialog, "07-settings")  # type: ignore[arg-type]
    assert dialog.key_fields["openai"].placeholderText().startswith("Stored")
    dialog.key_fields["openai"].setText("sk-typed-in-settings")
    dialog._add_server_row(
        __import__("app.settings", fromlist=["x"]).ProviderConfig(
            "ollama", "openai_compatible", "http://localhost:11434/v1", "llama3.2", 32000
        )
    )
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT):
        dialog.save()
        assert not dialog.buttons.isEnabled()  # saving: the keyring is written off this thread
    entry = ("Primer", f"openai @ {window.data_dir}")  # named by its data folder
    assert memory_keyring.passwords[entry] == "sk-typed-in-settings"
    assert memory_keyring.calls_on_main_thread == []
    assert window.key_sources["openai"] == "keyring"
    primer = window.primer
    assert primer is not None
    assert primer.settings.provider("ollama").context_window == 32000  # type: ignore[union-attr]
    assert primer.settings_store.load().theme == "dark"
    assert "sk-typed" not in primer.settings_store.path.read_text()
    assert "ollama" in window.header.provider_names()
    assert window.delegate.dark
    # The widgets take the new palette when the event loop next runs.
    qtbot.waitUntil(lambda: window.palette().base().color().lightness() < 64)
    screenshot(window, "08-dark")
    from app.gui.theme import apply_theme

    apply_theme("light")


def test_the_system_theme_starts_as_the_os_was_and_follows_what_it_is(
    qtbot: QtBot, configured_data_dir: Path
) -> None:
    """The start takes the OS's colour scheme from window.ini; the OS is asked once the
    window has painted."""
    from PySide6.QtCore import QSettings

    from app.gui.main_window import OS_DARK_KEY

    ini = str(configured_data_dir / "window.ini")
    QSettings(ini, QSettings.Format.IniFormat).setValue(OS_DARK_KEY, True)  # dark last time
    window = create_window(configured_data_dir)  # settings.json: theme "system"
    qtbot.addWidget(window)
    window.show()
    assert window.delegate.dark
    qtbot.waitUntil(lambda: window.palette().base().color().lightness() < 64)
    # A notice in dark mode is dark too, its ✕ readable; it follows the scheme when it changes.
    bar = window.message_bar
    bar.show_message("A notice", kind="info")
    assert "#1b2a42" in bar.styleSheet() and "QToolButton { color:#c6dbff" in bar.styleSheet()
    screenshot(window, "09-dark-notice")
    window.follow_os_color_scheme()  # this test's OS (offscreen) has no dark scheme
    assert not window.delegate.dark
    qtbot.waitUntil(lambda: window.palette().base().color().lightness() > 192)
    qtbot.waitUntil(lambda: "#e8f0fe" in bar.styleSheet())
    window.close()
    assert QSettings(ini, QSettings.Format.IniFormat).value(OS_DARK_KEY, type=bool) is False


def test_settings_dialog_rejects_a_bad_server_url(qtbot: QtBot, window: MainWindow) -> None:
    window.open_settings()
    dialog = window.settings_dialog
    dialog._add_server_row(
        __import__("app.settings", fromlist=["x"]).ProviderConfig(
            "bad", "openai_compatible", "localhost:1234"
        )
    )
    dialog.save()
    assert dialog.isVisible() and "http://" in dialog.error.text()
    dialog.reject()


def test_enter_sends_and_shift_enter_adds_a_line(qtbot: QtBot, window: MainWindow) -> None:
    window.composer.setFocus()
    qtbot.keyClicks(window.composer, "line one")
    qtbot.keyClick(window.composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(window.composer, "line two")
    assert window.composer.toPlainText() == "line one\nline two"
    window.composer.moveCursor(QTextCursor.MoveOperation.End)
    with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT):
        qtbot.keyClick(window.composer, Qt.Key.Key_Return)
    assert window.message_model.messages()[0].content == "line one\nline two"


def test_view_follows_a_stream_until_the_user_scrolls_up(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    for number in range(6):
        fake_server.queue(Reply(body=openai_sse([f"Answer {number}. " * 40])))
        send(qtbot, window, f"Question {number}")
    bar = window.conversation.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=TIMEOUT)
    fake_server.queue(Reply(body=openai_sse([f"line {i}\n\n" for i in range(120)]), delay=0.02))
    window.composer.setPlainText("Stream a lot")
    qtbot.keyClick(window.composer, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: "line 10" in window.message_model.messages()[-1].content, timeout=TIMEOUT
    )
    assert bar.value() == bar.maximum()  # following the reply as it grows
    bar.setValue(0)  # the user scrolls up to read
    with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT):
        pass
    assert bar.value() < bar.maximum() / 2  # left where the user put it


def test_closing_before_the_store_opens_keeps_the_remembered_chat(
    qtbot: QtBot, configured_data_dir: Path
) -> None:
    from PySide6.QtCore import QSettings

    from app.gui.launch import create_window

    ini = str(configured_data_dir / "window.ini")
    QSettings(ini, QSettings.Format.IniFormat).setValue("last_chat", "chat-to-reopen")
    early = create_window(configured_data_dir)
    qtbot.addWidget(early)
    early.show()
    early.close()  # the store never opened
    assert QSettings(ini, QSettings.Format.IniFormat).value("last_chat") == "chat-to-reopen"


def test_about_names_the_version_and_the_data_folder(window: MainWindow) -> None:
    seen: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, read_and_close)
            return
        seen.append(box.text())
        box.accept()

    QTimer.singleShot(50, read_and_close)
    show_about(window)  # modal: returns once the box is closed
    assert f"Primer {__version__}" in seen[0] and str(window.data_dir) in seen[0]


def test_messages_with_awkward_bytes_are_shown(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    """NUL, escapes, right-to-left text and a 5 MB reply: each is drawn, none stops the view."""
    from tests.integration.test_backup import AWKWARD

    texts = [*AWKWARD, "5 MB " + "x\0y " * 1_250_000]
    for text in texts:
        fake_server.queue(Reply(body=openai_sse([text])))
    send(qtbot, window, texts[0])  # a question with a NUL in it, sent to the model
    for _ in texts[1:]:
        send(qtbot, window, "next")
    shown = window.message_model.messages()
    assert [m.content for m in shown if m.role.value == "assistant"] == texts
    width = window.conversation.viewport().width()
    for row in range(window.message_model.rowCount()):
        document, _ = window.delegate.document(window.message_model.index(row), width)
        assert document.size().height() > 0
    assert fake_server.last_chat_request().body["messages"][0]["content"] == texts[0]


def test_settings_show_the_base_url_the_environment_sets(
    qtbot: QtBot, data_dir: Path, memory_keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    window = open_window(qtbot, data_dir)  # no base URL set in Primer: the SDK's is in use
    window.open_settings()
    openai, gemini = (window.settings_dialog.url_fields[name] for name in ("openai", "gemini"))
    assert openai.text() == ""
    assert openai.placeholderText() == "http://127.0.0.1:9/v1 (from OPENAI_BASE_URL)"
    assert gemini.placeholderText() == "Google's default endpoint"  # nothing set for it
    window.settings_dialog.reject()
    window.close()


def test_without_a_keyring_settings_points_to_the_choice_below_not_to_itself(
    qtbot: QtBot, data_dir: Path
) -> None:
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        window = open_window(qtbot, data_dir)
        window.open_settings()
        text = window.settings_dialog.key_storage.text()
        assert "No system keyring" in text and "below" in text and "in Settings" not in text
        window.settings_dialog.reject()
        window.close()
    finally:
        keyring.set_keyring(previous)
