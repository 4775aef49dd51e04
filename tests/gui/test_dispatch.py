"""Results from worker threads reach the GUI thread, and are dropped once the window is gone."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.gui.dispatch import Dispatcher, run_in_thread
from domain.errors import PrimerError


def test_a_result_after_the_window_closed_is_dropped_quietly(qtbot: QtBot) -> None:
    window = QWidget()
    dispatcher = Dispatcher(window)
    seen: list[object] = []
    run_in_thread(dispatcher, lambda: "first", seen.append, seen.append).join()
    qtbot.waitUntil(lambda: seen == ["first"])

    window.deleteLater()
    qtbot.waitUntil(lambda: not _alive(dispatcher))

    def fails() -> str:
        raise PrimerError("the network went away")

    # Before the fix, posting from the worker raised "Signal source has been deleted" there.
    run_in_thread(dispatcher, fails, seen.append, seen.append).join()
    run_in_thread(dispatcher, lambda: "late", seen.append, seen.append).join()
    assert seen == ["first"]


def _alive(dispatcher: Dispatcher) -> bool:
    import shiboken6

    return shiboken6.isValid(dispatcher)
