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
    qtbot.waitUntil(lambda: not dispatcher.alive())

    def fails() -> str:
        raise PrimerError("the network went away")

    # Before the fix, posting from the worker raised "Signal source has been deleted" there.
    run_in_thread(dispatcher, fails, seen.append, seen.append).join()
    run_in_thread(dispatcher, lambda: "late", seen.append, seen.append).join()
    qtbot.wait(50)  # let anything posted arrive: it must be dropped
    assert seen == ["first"]


def test_workers_may_post_while_their_window_is_being_deleted(qtbot: QtBot) -> None:
    """The crash found under load: an emit from a worker while the GUI thread deleted the
    dispatcher's parent. Many workers post while windows come and go."""
    import threading

    seen: list[int] = []
    for _round in range(20):
        window = QWidget()
        dispatcher = Dispatcher(window)
        go = threading.Event()

        def work(dispatcher: Dispatcher = dispatcher, go: threading.Event = go) -> None:
            go.wait(5)
            for number in range(200):
                dispatcher.post(seen.append, number)

        workers = [threading.Thread(target=work) for _ in range(4)]
        for worker in workers:
            worker.start()
        go.set()
        window.deleteLater()
        qtbot.wait(1)
        for worker in workers:
            worker.join()
    qtbot.wait(50)
