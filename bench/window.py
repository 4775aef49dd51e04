"""The benchmarks' window: Primer's own, opened on a data folder as `primer` opens it,
with its chat list shown."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.gui.launch import create_window, open_store_in_background
from app.gui.main_window import MainWindow


def open_window(app: QApplication, data_dir: Path) -> MainWindow:
    window = create_window(data_dir)
    window.resize(1100, 720)
    window.show()
    loaded: list[bool] = []
    window.chats_loaded.connect(lambda: loaded.append(True))
    open_store_in_background(window)
    while not loaded:
        app.processEvents()
    return window
