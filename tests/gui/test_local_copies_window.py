"""Local copies in the window (issue 18): the status bar names the last copy, a failure is
shown, never silent; Help → Restore a local copy… saves the chats as they are, and the copy
chosen is in place at the next start; quitting copies what changed."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from repositories.sqlite.local_copies import local_copies
from tests.gui.conftest import open_window, screenshot
from tests.gui.test_main_window import TIMEOUT, send


def titles(window: MainWindow) -> list[str]:
    model = window.chat_model
    return sorted(model.index(row, 0).data() for row in range(model.rowCount()))


def test_the_last_copy_is_named_and_a_failure_is_shown(qtbot: QtBot, window: MainWindow) -> None:
    controller = window.local_copies
    assert controller.label.text() == ""  # no copy yet
    send(qtbot, window, "Keep this")
    controller.check(by_hand=True)
    qtbot.waitUntil(lambda: controller.label.text().startswith("Local copy: today at"),
                    timeout=TIMEOUT)  # fmt: skip
    assert len(local_copies(window.data_dir / "primer.db")) == 1
    screenshot(window, "30-local-copy")

    backups = window.data_dir / "backups"
    for path in backups.iterdir():  # the folder made unusable: a file in its place
        if path.is_file():
            path.unlink()
    for path in sorted(backups.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    backups.rmdir()
    backups.write_text("not a folder")
    controller.check(by_hand=True)
    qtbot.waitUntil(lambda: controller.label.text() == "Local copy failed", timeout=TIMEOUT)
    assert "could not save a copy of your chats" in window.message_bar.label.text()
    assert window.message_bar.isVisible()
    window.message_bar.hide()  # dismissed: the next failed try does not say it again
    controller.check(by_hand=True)
    qtbot.waitUntil(lambda: not controller.running, timeout=TIMEOUT)
    assert controller.label.text() == "Local copy failed" and not window.message_bar.isVisible()
    assert "could not save" in controller.label.toolTip()


def test_restore_a_local_copy_saves_the_chats_first_and_puts_the_copy_in_place_at_start(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    send(qtbot, window, "In the copy")
    controller = window.local_copies
    controller.check(by_hand=True)
    qtbot.waitUntil(lambda: controller.label.text().startswith("Local copy"), timeout=TIMEOUT)
    window.new_chat()
    send(qtbot, window, "After the copy")
    qtbot.waitUntil(lambda: window.chat_model.rowCount() == 2, timeout=TIMEOUT)
    restarted: list[MainWindow] = []
    controller.restart = restarted.append

    window.local_copies.restore_action.trigger()
    dialog = controller.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT)
    assert dialog.list.count() == 1 and dialog.list.item(0).text().startswith("Today at")
    screenshot(dialog, "31-restore-local-copy")
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: restarted == [window], timeout=TIMEOUT)
    assert len(local_copies(window.data_dir / "primer.db")) == 2  # the chats as they were
    window.close()
    window.primer.writers.close()  # as the process ending does

    again = open_window(qtbot, window.data_dir)  # the next start
    assert [t.split(" ")[0] for t in titles(again)] == ["In"]
    assert "Your chats are as in the copy" in again.message_bar.label.text()
    again.close()


def test_quitting_copies_what_changed(qtbot: QtBot, configured_data_dir: Path) -> None:
    window = open_window(qtbot, configured_data_dir)
    send(qtbot, window, "Copied at quit")
    window.close()
    assert len(local_copies(configured_data_dir / "primer.db")) == 1
    window = open_window(qtbot, configured_data_dir)
    window.close()  # nothing changed: no second copy
    assert len(local_copies(configured_data_dir / "primer.db")) == 1
