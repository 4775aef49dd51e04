"""Open the window first, then the store: the first paint never waits for SQLite."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from app.gui import crash
from app.gui.main_window import MainWindow
from app.gui.operations import Op
from app.gui.theme import STYLE_ARGUMENTS
from app.logs import log_to_file
from app.settings import SettingsStore
from app.version import APP_ID, __version__
from domain.errors import PrimerError

FIRST_PAINT_VARIABLE = "PRIMER_EXIT_AFTER_FIRST_PAINT"


class _AfterFirstPaint(QObject):
    """Runs `then` once the window has painted; with `report`, prints and quits (benchmarks)."""

    def __init__(self, window: MainWindow, then: Callable[[], None], *, report: bool) -> None:
        super().__init__(window)
        self._then = then
        self._report = report

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            if self._report:
                print("first-paint", flush=True)
                QTimer.singleShot(0, QApplication.quit)
            QTimer.singleShot(0, self._then)
        return False


def open_store_in_background(window: MainWindow) -> None:
    """Build Primer on the lane (imports, migrations, recovery) and attach it when ready."""
    from app.bootstrap import build

    def open_everything():
        from app.bootstrap import restore_pending_copy

        restored = restore_pending_copy(window.data_dir)  # asked for before the restart
        primer = build(window.data_dir)
        if restored:
            window.local_copies.restored = restored
        # Markdown and highlighting (27 ms of imports) load here, off the GUI thread: not
        # before the first paint, and not as the first message is shown (bench.stall).
        importlib.import_module("app.gui.markdown")
        return primer, primer.providers.key_sources()

    def failed(error: PrimerError) -> None:
        from PySide6.QtWidgets import QMessageBox  # dialogs' classes: not for the first paint

        box = QMessageBox(
            QMessageBox.Icon.Critical, "Primer cannot open your chats", error.message, parent=window
        )
        box.finished.connect(lambda _r: QApplication.exit(1))
        window.fatal_dialog = box  # type: ignore[attr-defined]
        box.open()

    Op(open_everything).success(lambda opened: window.attach(*opened)).failure(failed).on_store(
        window.lane
    )


def create_window(data_dir: Path) -> MainWindow:
    window = MainWindow(data_dir, theme=SettingsStore(data_dir).load().theme)
    QApplication.styleHints().colorSchemeChanged.connect(window.follow_os_color_scheme)
    return window


def start_window(data_dir: Path, *, report_first_paint: bool = False) -> MainWindow:
    """Create the application and show the window; the store opens after the first paint."""
    app = QApplication([*sys.argv[:1], *STYLE_ARGUMENTS])
    app.setApplicationName("Primer")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    crash.install()
    window = create_window(data_dir)

    def after_first_paint() -> None:
        # Whatever the first paint does not need waits until it has happened.
        import gc

        from app.gui.icons import resource_icon

        gc.freeze()  # what the start-up made lives as long as the program (app.cli)
        # Collection stays off: the window collects on this thread (app.gui.garbage).
        app.setWindowIcon(resource_icon("primer.svg"))
        window.follow_os_color_scheme()
        log_to_file(data_dir, "primer.log")
        open_store_in_background(window)

    window.installEventFilter(
        _AfterFirstPaint(window, after_first_paint, report=report_first_paint)
    )
    window.show()
    return window


def run_window(data_dir: Path) -> int:
    from app.gui.system_libraries import problem

    missing = problem()
    if missing:
        print(f"primer: {missing}", file=sys.stderr)
        return 1
    start_window(data_dir, report_first_paint=bool(os.environ.get(FIRST_PAINT_VARIABLE)))
    return QApplication.exec()
