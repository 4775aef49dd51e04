"""Search in the window as a person uses it: type, move, choose, land on the message (far
up a big chat, or on a version not shown), Esc back; the history indexed meanwhile."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidgetItem
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from app.gui.search import HIT_ROLE, WIDEN_ROLE
from domain.search import Hit
from domain.use_cases import search_messages
from repositories.migration_files import bundled_migrations
from repositories.sqlite.database import DATABASE_NAME
from repositories.sqlite.migrations import migrate
from tests.gui.conftest import on_lane, open_window
from tests.support.seeding import add_chat

TIMEOUT = 20000


def hits_shown(window: MainWindow) -> list[Hit]:
    results = window.sidebar.results
    return [h for r in range(results.count()) if (h := results.item(r).data(HIT_ROLE))]


def search(qtbot: QtBot, window: MainWindow, text: str) -> list[Hit]:
    field = window.sidebar.search_field
    field.setFocus()
    with qtbot.waitSignal(window.search_shown, timeout=TIMEOUT):
        qtbot.keyClicks(field, text)
    return hits_shown(window)


def test_type_choose_and_land_on_the_message_far_up_a_big_chat(
    qtbot: QtBot, window: MainWindow
) -> None:
    primer = window.primer
    assert primer is not None
    big = on_lane(qtbot, window, lambda: add_chat(primer, "Big", 2_000))
    on_lane(qtbot, window, lambda: add_chat(primer, "Small", 4))
    window.refresh_chats()
    hits = search(qtbot, window, "big message 37")
    assert window.sidebar.stack.currentWidget() is window.sidebar.results
    assert hits and hits[0].chat_id == big.id and "«37»" in hits[0].snippet
    field = window.sidebar.search_field
    qtbot.keyClick(field, Qt.Key.Key_Down)
    qtbot.keyClick(field, Qt.Key.Key_Up)
    with qtbot.waitSignal(window.conversation_shown, timeout=TIMEOUT):
        qtbot.keyClick(field, Qt.Key.Key_Return)
    model = window.message_model
    row = model.row_of(hits[0].message_id or "")
    assert row >= 0 and model.rowCount() == 50 and len(model.newer_ids) > 1_000
    assert (
        window.conversation.viewport()
        .rect()
        .intersects(window.conversation.visualRect(model.index(row)))
    )  # on screen, not merely loaded
    assert window.chat_list.currentIndex().data(Qt.ItemDataRole.DisplayRole) == "Big"
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert window.sidebar.stack.currentWidget() is window.chat_list and field.text() == ""


def test_a_hit_on_a_version_not_shown_switches_to_it(qtbot: QtBot, window: MainWindow) -> None:
    primer = window.primer
    assert primer is not None
    chat = on_lane(qtbot, window, lambda: add_chat(primer, "Versions", 2))
    first = on_lane(qtbot, window, lambda: primer.load_conversation(chat.id)).newest[0]
    on_lane(qtbot, window, lambda: primer.send_message.edit(first.id, "a rewritten question"))
    window.refresh_chats(select=chat.id)
    qtbot.waitUntil(lambda: window.message_model.rowCount() == 2, timeout=TIMEOUT)
    assert window.message_model.message(0).content == "a rewritten question"
    hits = search(qtbot, window, "Versions message 0")
    assert any(h.message_id == first.id for h in hits)
    while window.sidebar.results.currentItem().data(HIT_ROLE).message_id != first.id:
        qtbot.keyClick(window.sidebar.search_field, Qt.Key.Key_Down)
    with qtbot.waitSignal(window.conversation_shown, timeout=TIMEOUT):
        qtbot.keyClick(window.sidebar.search_field, Qt.Key.Key_Return)
    assert window.message_model.message(0).id == first.id


def test_a_store_from_before_search_is_indexed_while_the_window_is_used(
    qtbot: QtBot, configured_data_dir: Path
) -> None:
    path = configured_data_dir / DATABASE_NAME
    migrate(path, bundled_migrations("migrations_sqlite")[:8])
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO chats (id, user_id, title, provider, model, created_at, updated_at)"
            " VALUES ('c1', '00000000-0000-7000-8000-000000000001', 'Old', 'openai', 'm',"
            " '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')"
        )
        db.executemany(
            "INSERT INTO messages (id, chat_id, role, content, status, created_at)"
            " VALUES (?, 'c1', 'user', ?, 'complete', '2026-01-01T00:00:00.000000Z')",
            [(f"m{n:05}", f"note {n} about otters") for n in range(5_000)],
        )
    db.close()
    window = open_window(qtbot, configured_data_dir)
    qtbot.waitUntil(lambda: window.indexer.indexed >= 1.0, timeout=60_000)
    hits = search(qtbot, window, "otters")
    assert len(hits) == 50  # the first page
    window.close()


def test_ctrl_k_and_ctrl_shift_f_search_from_anywhere(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    for key, keys in ((Qt.Key.Key_K, ctrl), (Qt.Key.Key_F, ctrl | shift)):
        window.composer.setFocus()
        window.composer.setPlainText("a draft stays")
        qtbot.keyClick(window.composer, key, keys)
        qtbot.waitUntil(window.sidebar.search_field.hasFocus, timeout=TIMEOUT)
        assert window.composer.toPlainText() == "a draft stays"


def test_find_in_this_chat_counts_steps_and_reaches_pages_not_loaded(
    qtbot: QtBot, window: MainWindow
) -> None:
    primer = window.primer
    assert primer is not None
    chat = on_lane(qtbot, window, lambda: add_chat(primer, "Long", 300))
    on_lane(qtbot, window, lambda: add_chat(primer, "Other", 10))  # its matches are not counted
    with qtbot.waitSignal(window.conversation_shown, timeout=TIMEOUT):
        window.refresh_chats(select=chat.id)
    bar = window.find_bar
    bar.open_bar()
    assert bar.isVisible() and bar.field.hasFocus()
    qtbot.keyClicks(bar.field, "print")
    qtbot.waitUntil(lambda: bar.count.text() == "300 of 300", timeout=TIMEOUT)
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)  # round to the first, far up
    qtbot.waitUntil(lambda: bar.count.text() == "1 of 300", timeout=TIMEOUT)
    # the oldest match was in a page not loaded: it is loaded around it
    qtbot.waitUntil(lambda: window.message_model.row_of(bar.matches[0]) >= 0, timeout=TIMEOUT)
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert bar.count.text() == "300 of 300"
    bar.field.setText("nothing like this")
    qtbot.waitUntil(lambda: bar.count.text() == "No matches", timeout=TIMEOUT)
    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert not bar.isVisible()


def test_filters_and_order_from_the_menu(qtbot: QtBot, window: MainWindow) -> None:
    primer = window.primer
    assert primer is not None
    on_lane(qtbot, window, lambda: add_chat(primer, "Colours", 6))
    other = on_lane(qtbot, window, lambda: add_chat(primer, "Shapes", 6))
    window.refresh_chats(select=other.id)
    qtbot.waitUntil(lambda: window.current_chat_id == other.id, timeout=TIMEOUT)
    everything = search(qtbot, window, "message")
    assert {h.chat_title for h in everything} == {"Colours", "Shapes"}
    options = window.sidebar.search_options
    menu = {action.text(): action for action in options.menu().actions()}

    def choose(text: str) -> list[Hit]:
        with qtbot.waitSignal(window.search_shown, timeout=TIMEOUT):
            menu[text].trigger()
        return hits_shown(window)

    mine = choose("Only my messages")
    assert mine and all(h.role == "user" for h in mine)
    here = choose("Only the chat on screen")
    assert here and {h.chat_title for h in here} == {"Shapes"}
    assert options.text() == "Filters (2)"
    assert choose("Only pinned chats") == []
    choose("Only pinned chats")
    assert choose("Past week")  # written today
    assert choose("Best match")


def test_provider_model_and_dates_from_the_menu(qtbot: QtBot, window: MainWindow) -> None:
    from datetime import date, timedelta

    primer = window.primer
    assert primer is not None
    on_lane(qtbot, window, lambda: add_chat(primer, "Colours", 4))
    shapes = on_lane(qtbot, window, lambda: add_chat(primer, "Shapes", 4))
    moved = on_lane(qtbot, window, lambda: primer.update_chat(shapes.id, provider="gemini",
                                                              model="gemini-x"))  # fmt: skip
    assert moved.provider == "gemini"
    window.refresh_chats()
    qtbot.waitUntil(lambda: window.chat_model.rowCount() == 2, timeout=TIMEOUT)
    search(qtbot, window, "message")
    options = window.sidebar.search_options

    def pick(menu_name: str, item: str) -> set[str]:
        menu = {a.text(): a for a in options.menu().actions()}[menu_name].menu()
        menu.aboutToShow.emit()  # filled as it opens
        with qtbot.waitSignal(window.search_shown, timeout=TIMEOUT):
            {a.text(): a for a in menu.actions()}[item].trigger()
        results = window.sidebar.results
        return {
            h.chat_title for r in range(results.count()) if (h := results.item(r).data(HIT_ROLE))
        }

    assert pick("Provider", "gemini") == {"Shapes"}
    assert pick("Provider", "Any provider") == {"Colours", "Shapes"}
    assert pick("Model", "gpt-test") == {"Colours"}
    today = date.today()
    with qtbot.waitSignal(window.search_shown, timeout=TIMEOUT):
        options.choose_dates(today - timedelta(days=9), today - timedelta(days=2))
    assert window.sidebar.results.item(0).data(HIT_ROLE) is None  # "No matches." only
    with qtbot.waitSignal(window.search_shown, timeout=TIMEOUT):
        options.choose_dates(today, today)
    assert window.sidebar.results.item(0).data(HIT_ROLE) is not None  # written today
    assert options.text() == "Filters (2)"


def test_parts_of_words_are_looked_for_in_all_messages_when_asked(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_messages, "PARTS_WINDOW", 3)  # the newest 3 messages only
    primer = window.primer
    assert primer is not None
    on_lane(qtbot, window, lambda: add_chat(primer, "Hippopotamus", 2))
    on_lane(qtbot, window, lambda: add_chat(primer, "Filler", 4))
    results = window.sidebar.results

    def shown() -> tuple[list[Hit], QListWidgetItem | None]:
        items = [results.item(row) for row in range(results.count())]
        widen = [item for item in items if item.data(WIDEN_ROLE)]
        return hits_shown(window), widen[0] if widen else None

    assert search(qtbot, window, "ppopot") == []
    hits, note = shown()
    assert note is not None and "newest 3 messages only" in note.text()
    with qtbot.waitSignal(window.search_shown, timeout=TIMEOUT):
        qtbot.mouseClick(
            results.viewport(), Qt.MouseButton.LeftButton, pos=results.visualItemRect(note).center()
        )
    hits, note = shown()
    assert [h.chat_title for h in hits] == ["Hippopotamus"] * 2 and note is None

    field = window.sidebar.search_field
    with qtbot.waitSignal(window.search_shown, timeout=TIMEOUT):
        qtbot.keyClicks(field, "a")  # "ppopota": a new search, the newest messages again
    assert shown()[0] == []
    assert results.currentItem() is shown()[1]  # nothing found: the note is chosen
    with qtbot.waitSignal(window.search_shown, timeout=TIMEOUT):
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert len(shown()[0]) == 2
