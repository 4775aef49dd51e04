"""What a person without a mouse, or with a screen reader, needs of the main window (issue
18): every button drawn as an icon or a symbol says what it does (a tooltip) and has a
name a screen reader reads; Tab reaches every control of the window, and comes back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from tests.gui.test_main_window import send


def test_every_icon_or_symbol_button_has_a_tooltip_and_an_accessible_name(
    qtbot: QtBot, window: MainWindow
) -> None:
    send(qtbot, window, "Something to show")
    window.find_bar.open_bar()  # its buttons too
    window.message_bar.show_message("A message with its close button", kind="info")
    found = []
    for button in window.findChildren(QAbstractButton):
        words = "".join(ch for ch in button.text() if ch.isalpha())
        if words or not button.isVisibleTo(window):
            continue  # its text says what it does; or it is not shown now
        found.append(button)
        parent = button.parent().objectName() if button.parent() else ""
        assert button.toolTip(), f"{button.objectName() or button!r} in {parent} has no tooltip"
        assert button.accessibleName(), f"{button.toolTip()!r} has no accessible name"
    assert len(found) >= 5  # attach, system prompt, filters, find ▲ ▼ ✕, close …


def test_tab_reaches_every_control_and_comes_back(qtbot: QtBot, window: MainWindow) -> None:
    send(qtbot, window, "Something to show")
    window.composer.setFocus()
    qtbot.waitUntil(window.composer.hasFocus)
    start = QApplication.focusWidget()
    reached: list[QWidget] = []
    for _ in range(60):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        here = QApplication.focusWidget()
        if here is start:
            break
        reached.append(here)
    else:
        raise AssertionError(f"Tab never came back: {[w.objectName() for w in reached]}")
    wanted = {
        "the chat list": window.sidebar.view,
        "chat search": window.sidebar.search_field,
        "New chat": window.sidebar.new_chat_button,
        "Backup now": window.sidebar.backup_button,
        "Settings": window.sidebar.settings_button,
        "the provider and model": window.header.model_picker,
        "the system prompt": window.header.system_button,
        "attach": window.attach_button,
        "send": window.send_button,
        "the conversation": window.conversation,
    }
    missing = [name for name, widget in wanted.items()
               if not any(w is widget or widget.isAncestorOf(w) for w in reached)]  # fmt: skip
    assert not missing, f"Tab does not reach: {missing}"
