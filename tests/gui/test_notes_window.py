"""Notes in the window (issue 19): highlight text of a reply, note a message, see both
under it and the highlight in its text, find them in Chat → Notes… and open one, and
delete one from its link."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.gui.message_model import NOTES_ROLE
from app.gui.message_text import quote_cursor
from app.gui.notes import NoteDialog, NotesView
from domain.notes import HIGHLIGHTS
from tests.gui.conftest import screenshot
from tests.gui.test_main_window import TIMEOUT, click_link, send, text_point


def notes_on(window: MainWindow, row: int) -> tuple:
    return window.message_model.index(row).data(NOTES_ROLE) or ()


def test_highlight_note_find_open_and_delete(qtbot: QtBot, window: MainWindow) -> None:
    send(qtbot, window, "Say hello")
    reply = window.message_model.message(1)
    assert reply.content == "Hello from the fake."
    menu = QMenu(window)
    window.notes.add_menu_entries(menu, reply, "from the fake")  # as if selected
    highlight = next(a.menu() for a in menu.actions() if a.text() == "Highlight")
    next(a for a in highlight.actions() if a.text() == "Green").trigger()
    qtbot.waitUntil(lambda: len(notes_on(window, 1)) == 1, timeout=TIMEOUT)
    (green,) = notes_on(window, 1)
    assert (green.quote, green.colour, green.text) == ("from the fake", "green", "")

    # The highlight is drawn under its words, in its colour over the page.
    index = window.message_model.index(1)
    document, _ = window.delegate.document(index, window.conversation.viewport().width())
    place = quote_cursor(document, "from the fake")
    assert place is not None
    middle = (place.selectionStart() + place.selectionEnd()) // 2
    point = text_point(window, 1, middle)
    painted = window.conversation.viewport().grab().toImage()
    shade, page = QColor(HIGHLIGHTS["green"]), painted.pixelColor(5, 5)
    blend = [round(p + (s - p) * 110 / 255) for p, s in
             zip(page.getRgb()[:3], shade.getRgb()[:3], strict=True)]  # fmt: skip
    near = [painted.pixelColor(point + QPoint(dx, dy)).getRgb()[:3]
            for dx in range(-8, 8) for dy in range(-5, 5)]  # fmt: skip
    assert any(all(abs(a - b) <= 6 for a, b in zip(c, blend, strict=True)) for c in near)
    view = window.conversation
    assert window.delegate.tooltip_at(index, view.visualRect(index), point) == "Highlighted"

    # A note with words, on the whole message.
    menu = QMenu(window)
    window.notes.add_menu_entries(menu, reply, "")
    next(a for a in menu.actions() if a.text() == "Add a note…").trigger()
    dialog = window.notes.dialog
    assert isinstance(dialog, NoteDialog)
    dialog.editor.setPlainText("Friendly, as always")
    dialog._save()
    qtbot.waitUntil(lambda: len(notes_on(window, 1)) == 2, timeout=TIMEOUT)
    document, _ = window.delegate.document(index, window.conversation.viewport().width())
    assert "Friendly, as always" in document.toPlainText()  # shown under the message
    screenshot(window, "19-notes")

    # Chat → Notes… lists both, newest first; a second chat; opening one goes to it.
    window.new_chat()
    send(qtbot, window, "A second chat")
    window.notes.view_action.trigger()
    view = window.notes.notes_view
    assert isinstance(view, NotesView)
    qtbot.waitUntil(lambda: view.list.count() == 2, timeout=TIMEOUT)
    assert view.list.item(0).text().endswith("Friendly, as always")
    assert "“from the fake”" in view.list.item(1).text()
    with qtbot.waitSignal(window.conversation_shown, timeout=TIMEOUT):
        view.list.itemActivated.emit(view.list.item(1))
    assert window.current_chat_id == reply.chat_id
    view.close()

    # Deleting from the note's link.
    qtbot.waitUntil(lambda: len(notes_on(window, 1)) == 2, timeout=TIMEOUT)
    click_link(qtbot, window, 1, f"note-delete:{green.id}")
    qtbot.waitUntil(lambda: len(notes_on(window, 1)) == 1, timeout=TIMEOUT)
    assert notes_on(window, 1)[0].text == "Friendly, as always"
