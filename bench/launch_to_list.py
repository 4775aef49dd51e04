"""Child of `bench.run`: start the window as `primer` does and print "chat-list" once the
chat list is on screen (the first thing a person can use), then quit."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.gui.launch import start_window


def main(data_dir: Path) -> int:
    window = start_window(data_dir)

    def listed() -> None:
        window.chat_list.viewport().repaint()  # on screen, not just in the model
        print("chat-list", flush=True)
        QTimer.singleShot(0, QApplication.quit)

    window.chats_loaded.connect(listed)
    return QApplication.exec()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
