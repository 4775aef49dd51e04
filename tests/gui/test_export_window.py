"""Export and import in the window, as a person uses them: a file chosen in the dialog
(or dropped on the window), what will happen, what did."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from app.bootstrap import build
from app.export_files import ExportFormat, write_export
from app.gui.main_window import MainWindow
from tests.gui.conftest import on_lane
from tests.support.seeding import add_chat

TIMEOUT = 20000


def choose_file(monkeypatch: pytest.MonkeyPatch, path: Path, kind: str) -> None:
    """The system's save dialog, answered: this path, with this kind of file."""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args: (str(path), kind))


def test_export_the_chat_on_screen_and_every_chat(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    primer = window.primer
    assert primer is not None
    on_lane(qtbot, window, lambda: add_chat(primer, "Colours", 4))
    shapes = on_lane(qtbot, window, lambda: add_chat(primer, "Shapes", 2))
    window.refresh_chats(select=shapes.id)
    qtbot.waitUntil(lambda: window.current_chat_id == shapes.id, timeout=TIMEOUT)

    choose_file(monkeypatch, tmp_path / "shapes", "Markdown (*.md)")  # (no suffix typed)
    window.export_action.trigger()
    qtbot.waitUntil(lambda: (tmp_path / "shapes.md").exists(), timeout=TIMEOUT)
    assert (tmp_path / "shapes.md").read_text(encoding="utf-8").startswith("# Shapes\n")
    qtbot.waitUntil(lambda: "Exported 1 chat(s)" in window.message_bar.label.text())

    choose_file(monkeypatch, tmp_path / "all.json", "JSON, keeps every version (*.json)")
    window.export_all_action.trigger()
    qtbot.waitUntil(lambda: (tmp_path / "all.json").exists(), timeout=TIMEOUT)
    chats = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))["chats"]
    assert {c["title"]: len(c["messages"]) for c in chats} == {"Colours": 4, "Shapes": 2}

    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "all.html").mkdir()  # a folder where the file would go
    choose_file(monkeypatch, tmp_path / "locked" / "all.html", "Web page (*.html)")
    window.export_all_action.trigger()
    qtbot.waitUntil(lambda: "Could not write" in window.message_bar.label.text(), timeout=TIMEOUT)


def test_import_by_menu_and_by_drop_shows_what_comes_then_what_came(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = build(tmp_path / "elsewhere")
    chat = add_chat(source, "From elsewhere", 6)
    export = tmp_path / "elsewhere.json"
    write_export(source.export_chats, [chat.id], ExportFormat.JSON, export)
    source.store.close()

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_args: (str(export), ""))
    window.import_action.trigger()
    qtbot.waitUntil(lambda: window.importer is not None and hasattr(window.importer, "confirmation")
                    and window.importer.confirmation.isVisible(), timeout=TIMEOUT)  # fmt: skip
    assert window.importer is not None
    box = window.importer.confirmation
    assert "Will add 1 new chat (6 messages)." in box.text()
    go = next(b for b in box.buttons() if b.text() == "Import")
    go.click()
    assert window.message_bar.action_button.text() == "Cancel"  # while it imports
    qtbot.waitUntil(lambda: "Imported from elsewhere.json" in window.message_bar.label.text(),
                    timeout=TIMEOUT)  # fmt: skip
    assert "Added 1 new chat (6 messages)." in window.message_bar.label.text()
    qtbot.waitUntil(lambda: chat.id in [window.chat_model.summary(r).id
                                        for r in range(window.chat_model.rowCount())])  # fmt: skip

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(export))])
    dropped = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime,
                         Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dropEvent(dropped)
    qtbot.waitUntil(lambda: "all of it is here already" in window.message_bar.label.text(),
                    timeout=TIMEOUT)  # fmt: skip


def test_cancel_stops_an_export_and_writes_no_file(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    primer = window.primer
    assert primer is not None
    for number in range(3):
        on_lane(qtbot, window, lambda n=number: add_chat(primer, f"Chat {n}", 2))
    gate = threading.Event()
    window.lane.run(lambda: gate.wait(20))  # the store's thread busy: the export waits
    exports = tmp_path / "exports"
    exports.mkdir()
    choose_file(monkeypatch, exports / "all.json", "JSON, keeps every version (*.json)")
    window.export_all_action.trigger()
    assert window.message_bar.action_button.text() == "Cancel"
    window.message_bar.action_button.click()
    gate.set()
    qtbot.waitUntil(lambda: "Export stopped" in window.message_bar.label.text(), timeout=TIMEOUT)
    assert list(exports.iterdir()) == []  # no file, no temporary one


def import_three_chats_asked(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> list[str]:
    """Three chats exported elsewhere, dropped on the window: its ids, once the window asks
    whether to import them."""
    source = build(tmp_path / "elsewhere")
    ids = [add_chat(source, f"Chat {n}", 2).id for n in range(3)]
    export = tmp_path / "three.json"
    write_export(source.export_chats, ids, ExportFormat.JSON, export)
    source.store.close()
    window.import_file(export)
    qtbot.waitUntil(lambda: window.importer is not None and hasattr(window.importer, "confirmation")
                    and window.importer.confirmation.isVisible(), timeout=TIMEOUT)  # fmt: skip
    return ids


def test_cancel_stops_an_import_between_chats(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    ids = import_three_chats_asked(qtbot, window, tmp_path)
    assert window.importer is not None
    gate = threading.Event()
    window.lane.run(lambda: gate.wait(20))  # the store's thread busy: the import waits
    next(b for b in window.importer.confirmation.buttons() if b.text() == "Import").click()
    window.message_bar.action_button.click()  # Cancel
    gate.set()
    qtbot.waitUntil(lambda: "Stopped when asked" in window.message_bar.label.text(),
                    timeout=TIMEOUT)  # fmt: skip
    assert "Added nothing (0 messages)" in window.message_bar.label.text()
    assert not any(
        window.chat_model.summary(r).id in ids for r in range(window.chat_model.rowCount())
    )


def test_the_window_reaches_its_store_while_a_long_import_runs(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    import_three_chats_asked(qtbot, window, tmp_path)
    assert window.importer is not None
    reading, go_on = threading.Event(), threading.Event()

    def hold_the_import(_chats: int) -> None:  # on the import's own thread, after a chat
        if not reading.is_set():
            reading.set()
            go_on.wait(20)

    window.importer.progress.connect(hold_the_import, Qt.ConnectionType.DirectConnection)
    next(b for b in window.importer.confirmation.buttons() if b.text() == "Import").click()
    qtbot.waitUntil(reading.is_set, timeout=TIMEOUT)
    primer = window.primer
    assert primer is not None  # mid-import, the store answers the window at once
    assert len(on_lane(qtbot, window, lambda: primer.list_chats())) == 1
    go_on.set()
    qtbot.waitUntil(lambda: "Imported from three.json" in window.message_bar.label.text(),
                    timeout=TIMEOUT)  # fmt: skip
    assert len(on_lane(qtbot, window, lambda: primer.list_chats())) == 3
