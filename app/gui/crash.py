"""Bugs reach a dialog with a report the user can copy; known failures never come here."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication

from app.version import __version__

log = logging.getLogger("primer.crash")


def report(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> str:
    import platform

    lines = traceback.format_exception(kind, error, tb)
    return (
        f"Primer {__version__} on {platform.platform()}, Python {platform.python_version()}\n\n"
        + "".join(lines)
    )


def install() -> None:
    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        text = report(kind, error, tb)
        log.error("unexpected error\n%s", text)
        sys.__stderr__.write(text) if sys.__stderr__ else None
        if QApplication.instance() is None or issubclass(kind, KeyboardInterrupt):
            return
        from PySide6.QtWidgets import QMessageBox  # dialogs' classes: not for the first paint

        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "Primer hit a bug",
            "Something went wrong inside Primer. Your chats are safe on disk.\n\n"
            "Please copy the details below into a bug report.",
        )
        box.setDetailedText(text)
        box.open()
        hook.last_dialog = box  # type: ignore[attr-defined]

    sys.excepthook = hook
