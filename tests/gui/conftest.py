from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from pytestqt.qtbot import QtBot

from app.gui.launch import create_window, open_store_in_background
from app.gui.main_window import MainWindow

SCREENSHOTS = os.environ.get("PRIMER_SCREENSHOTS")
T = TypeVar("T")


def open_window(qtbot: QtBot, data_dir: Path) -> MainWindow:
    window = create_window(data_dir)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.chats_loaded, timeout=20000):
        open_store_in_background(window)
    return window


def screenshot(window: MainWindow, name: str) -> None:
    """Save what the window shows, when PRIMER_SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        window.grab().save(str(Path(SCREENSHOTS) / f"{name}.png"))


@pytest.fixture
def window(qtbot: QtBot, configured_data_dir: Path) -> Iterator[MainWindow]:
    win = open_window(qtbot, configured_data_dir)
    yield win
    win.close()


def on_lane(qtbot: QtBot, window: MainWindow, job: Callable[[], T]) -> T:
    """Run `job` on the window's database lane (the store's one thread) and wait for it."""
    future = window.lane.submit(job)
    qtbot.waitUntil(future.done, timeout=10_000)
    return future.result()
