"""The window's modern look as a person meets it (issue 18): the chat list under date
headings with short relative times, a message's actions as icons that show when the mouse
is over it and say what they do, and one picker for the provider and model."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from app.gui.chat_list import HEADING_ROLE, WHEN_ROLE
from app.gui.main_window import MainWindow
from domain.chats import new_chat
from tests.gui.conftest import on_lane, screenshot
from tests.gui.test_main_window import TIMEOUT, link_point, send
from tests.support.fake_providers import FakeProviderServer, Reply, openai_sse


def headings(window: MainWindow) -> list[tuple[str | None, str]]:
    model = window.chat_model
    return [(model.index(row).data(HEADING_ROLE), model.index(row).data())
            for row in range(model.rowCount())]  # fmt: skip


def test_the_chat_list_is_grouped_by_date_with_relative_times(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    primer = window.primer
    assert primer is not None
    # The list's clock reads noon today: run just after midnight, "5 min ago" would be
    # yesterday's.
    now = datetime.now().astimezone().replace(hour=12, minute=0, second=0, microsecond=0)
    monkeypatch.setattr("app.gui.chat_list._now", lambda: now)
    window.chat_model.tick()

    def seed() -> None:
        with primer.uow_factory() as uow:
            ages = {"Old": timedelta(days=3), "Fresh": timedelta(minutes=5),
                    "Older": timedelta(days=4), "Fresher": timedelta(minutes=2)}  # fmt: skip
            for title, age in ages.items():
                when = now - age
                uow.chats.add(new_chat(title=title, provider="openai", model="gpt-test",
                                       system_prompt="", now=when))  # fmt: skip
            uow.commit()

    on_lane(qtbot, window, seed)
    with qtbot.waitSignal(window.chats_loaded, timeout=TIMEOUT):
        window.refresh_chats()
    expected = [("Today", "Fresher"), (None, "Fresh"), ("Previous 7 days", "Old"), (None, "Older")]
    assert headings(window) == expected
    assert window.chat_model.index(1).data(WHEN_ROLE) == "5 min"
    view, rows = window.chat_list, window.chat_model.rowCount()
    qtbot.waitUntil(lambda: view.visualRect(window.chat_model.index(rows - 1)).isValid())
    heading_row, plain_row = (view.visualRect(window.chat_model.index(r)) for r in (2, 3))
    assert heading_row.height() > plain_row.height()  # room for "Previous 7 days" above it
    screenshot(window, "18-date-groups")

    # Pinned where it is, the newest chat goes under "Pinned"; the next one now begins
    # "Today", and its row grows to hold the heading.
    fresher = window.chat_model.summary(0)
    with qtbot.waitSignal(window.chats_loaded, timeout=TIMEOUT):
        window.update_chat(fresher.id, pinned=True)
    qtbot.waitUntil(lambda: headings(window)[:2] == [("Pinned", "Fresher"), ("Today", "Fresh")])
    qtbot.waitUntil(
        lambda: view.visualRect(window.chat_model.index(1)).height() == heading_row.height()
    )


def icon_colours(window: MainWindow, point: QPoint) -> int:
    """How many colours the conversation shows in the 12 px square around `point`."""
    image: QImage = window.conversation.viewport().grab().toImage()
    return len({image.pixel(point.x() + dx, point.y() + dy)
                for dx in range(-6, 6) for dy in range(-6, 6)})  # fmt: skip


def test_message_actions_are_icons_shown_on_hover_and_named_in_tooltips(
    qtbot: QtBot, window: MainWindow
) -> None:
    send(qtbot, window, "First question")
    send(qtbot, window, "Second question")
    delegate, view = window.delegate, window.conversation
    first = window.message_model.index(0)
    copy = link_point(window, 0, "action:copy")
    assert not delegate.actions_shown(first)  # neither the newest nor under the mouse
    hidden = icon_colours(window, copy + QPoint(5, 0))
    qtbot.mouseMove(view.viewport(), pos=copy)
    qtbot.waitUntil(lambda: delegate.actions_shown(first))
    assert icon_colours(window, copy + QPoint(5, 0)) > hidden  # the icon is drawn now
    assert delegate.tooltip_at(first, view.visualRect(first), copy) == "Copy message"
    edit = link_point(window, 0, "action:edit")
    assert delegate.tooltip_at(first, view.visualRect(first), edit).startswith("Edit")
    last = window.message_model.index(window.message_model.rowCount() - 1)
    assert delegate.actions_shown(last)  # the newest reply's always show
    screenshot(window, "18-hover-actions")


def test_one_picker_shows_and_changes_provider_and_model(qtbot: QtBot, window: MainWindow) -> None:
    send(qtbot, window, "Hello")
    picker = window.header.model_picker
    assert picker.text() == "openai · gpt-test"
    menu = window.header.model_menu
    menu.aboutToShow.emit()
    submenus = {action.text(): action.menu() for action in menu.actions() if action.menu()}
    assert set(submenus) >= {"openai", "gemini"}
    ticked = [a.text() for a in submenus["openai"].actions() if a.isChecked()]
    assert ticked == ["gpt-test"]
    gemini_models = [a for a in submenus["gemini"].actions() if a.isEnabled()]
    assert gemini_models, "the Gemini submenu lists its models"
    chosen = gemini_models[0].text()
    with qtbot.waitSignal(window.chats_loaded, timeout=TIMEOUT):
        gemini_models[0].trigger()
    summary = window.sidebar.current_summary()
    assert summary is not None and (summary.provider, summary.model) == ("gemini", chosen)
    assert picker.text() == f"gemini · {chosen}"
    # A model no list names, typed (Another model by name…)
    window.header.choose("gemini", "gemini-custom-tuned")
    qtbot.waitUntil(
        lambda: getattr(window.sidebar.current_summary(), "model", "") == "gemini-custom-tuned"
    )
    assert picker.text() == "gemini · gemini-custom-tuned"


def test_at_a_new_day_the_headings_are_laid_out_again(qtbot: QtBot, window: MainWindow) -> None:
    send(qtbot, window, "Hello")
    model = window.chat_model
    model.now -= timedelta(days=1)  # the list was last laid out yesterday
    with qtbot.waitSignal(model.layoutChanged, timeout=TIMEOUT):
        model.tick()
    with qtbot.assertNotEmitted(model.layoutChanged):
        model.tick()  # the same day: nothing to move


def test_a_wide_code_block_scrolls_sideways_and_its_copy_stays_put(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer
) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent

    from app.gui.wide_tables import wide_tables

    long_line = "total = " + " + ".join(f"value_{n}" for n in range(60))
    fake_server.queue(Reply(body=openai_sse([f"Here:\n\n```python\n{long_line}\n```\n\nDone."])))
    send(qtbot, window, "Show me a long line")
    view, delegate = window.conversation, window.delegate
    reply = window.message_model.index(1)
    document, origin = delegate.text_origin(reply, view.visualRect(reply))
    (wide,) = wide_tables(document)  # the code's lines, wider than the message
    assert wide.area.width() > wide.shown.width() and wide.most > 0
    copy_before = link_point(window, 1, "copy-code:0")
    inside = origin + wide.shown.center().toPoint()
    start = delegate.position_at(reply, view.visualRect(reply), inside)

    def wheel(x: int, y: int, shift: bool = False) -> None:
        modifiers = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
        event = QWheelEvent(QPointF(inside), QPointF(view.viewport().mapToGlobal(inside)),
                            QPoint(), QPoint(x, y), Qt.MouseButton.NoButton, modifiers,
                            Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
        QApplication.sendEvent(view.viewport(), event)

    bar = view.verticalScrollBar().value()
    wheel(-120, 0)  # a sideways wheel: the code moves left, the conversation stays
    assert delegate._offsets(window.message_model.message(1).id, 1) == [60.0]
    assert view.verticalScrollBar().value() == bar
    # What is under the same point is now further along the line
    assert delegate.position_at(reply, view.visualRect(reply), inside) > start
    for _ in range(200):
        wheel(0, -120, shift=True)  # Shift with the wheel does the same, up to the end
    assert delegate._offsets(window.message_model.message(1).id, 1) == [wide.most]
    assert link_point(window, 1, "copy-code:0") == copy_before  # the header does not move
    screenshot(window, "18-wide-code-scrolled")
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=copy_before)
    assert QApplication.clipboard().text() == long_line


def test_a_message_s_actions_are_reached_from_the_keyboard(
    qtbot: QtBot, window: MainWindow
) -> None:
    send(qtbot, window, "First question")
    send(qtbot, window, "Second question")
    view, delegate = window.conversation, window.delegate
    window.composer.setFocus()
    qtbot.waitUntil(window.composer.hasFocus)
    for _ in range(30):  # Tab on, round the window, to the conversation
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        if view.hasFocus():
            break
    assert view.hasFocus() and view.keyboard_current
    assert view.currentIndex().row() == 3  # the newest message first
    for _ in range(3):
        qtbot.keyClick(view, Qt.Key.Key_Up)
    first = window.message_model.index(0)
    assert view.currentIndex().row() == 0 and delegate.actions_shown(first)
    screenshot(window, "18-keyboard-message")
    menus: list[QMenu] = []

    def take_menu() -> None:
        menu = window.findChild(QMenu)
        if menu is None or not menu.isVisible():
            QTimer.singleShot(20, take_menu)
            return
        menus.append(menu)
        edit = next(a for a in menu.actions() if a.text() == "Edit…")
        menu.close()
        edit.trigger()

    QTimer.singleShot(20, take_menu)
    qtbot.keyClick(view, Qt.Key.Key_Return)  # its actions, as its right-click menu
    qtbot.waitUntil(lambda: window.composer.toPlainText() == "First question")
    assert window.message_actions.editing_message_id == window.message_model.message(0).id
