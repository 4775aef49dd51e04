"""Help → About Primer: its version, and where this computer keeps the chats."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from app.version import __version__

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow


def show_about(window: MainWindow) -> None:
    QMessageBox.about(
        window,
        "About Primer",
        f"<h3>Primer {__version__}</h3><p>A local-first chat app for large language models."
        f"</p><p>Your chats live on this computer, in<br><code>{window.data_dir}</code></p>",
    )
