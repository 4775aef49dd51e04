"""Copies of the store kept on this computer, from the window: made on a worker when one is
due (checked every few minutes, and at quit), the last one named in the status bar, a
failure always shown; Help → Restore a local copy… puts one in place at the next start,
after saving the chats as they are."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QProcess, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from app.gui.backup_controller import when
from app.gui.operations import Op
from domain.errors import PrimerError
from domain.local_copies import CopyReport, LocalCopy

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow

log = logging.getLogger(__name__)
CHECK_EVERY_MS = 5 * 60 * 1000
FIRST_CHECK_MS = 60 * 1000


class LocalCopyController(QObject):
    def __init__(self, window: MainWindow, help_menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.running = False
        self.failing = False
        """The last copy failed: said once in the message bar, not every few minutes."""
        self.label = QLabel()
        self.label.setObjectName("localCopyState")
        self.label.setContentsMargins(14, 0, 4, 0)  # apart from the backup's state beside it
        window.statusBar().addPermanentWidget(self.label)
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.check)
        self.restore_action = help_menu.addAction("Restore a local copy…")
        self.restore_action.setToolTip("Put a copy of your chats saved on this computer back")
        self.restore_action.triggered.connect(self.choose)
        self.restore_action.setEnabled(False)
        self.restart = restart_primer
        """How the window starts again after a restore is asked for (tests replace it)."""
        self.restored = ""
        """Said once the store is open: a local copy was put in place at this start."""

    def attach(self) -> None:
        if self.restored:
            self.window.message_bar.show_message(self.restored, kind="info")
        self.restore_action.setEnabled(True)
        self.timer.start()
        QTimer.singleShot(FIRST_CHECK_MS, self.check)
        primer = self.window.primer
        assert primer is not None
        Op(lambda: primer.local_copies.newest()).success(self._show).on_network(
            self.window.dispatcher, fallback=self._failed
        )

    def _show(self, newest: LocalCopy | None) -> None:
        self.failing = False
        self.label.setStyleSheet("")
        if newest is None:
            self.label.setText("")
            return
        self.label.setText(f"Local copy: {when(newest.saved_at.isoformat())}")
        self.label.setToolTip(f"{newest.name}, in the data folder's backups/")

    def check(self, *, by_hand: bool = False) -> None:
        """Make a copy on a worker if one is due (or asked for), then let old ones go."""
        primer = self.window.primer
        if primer is None or self.running:
            return
        self.running = True

        def done(report: CopyReport) -> None:
            self.running = False
            if report.made is not None:
                self._show(report.made)

        def failed(error: PrimerError) -> None:
            self.running = False
            self._failed(error)

        Op(lambda: primer.local_copies(by_hand=by_hand)).success(done).failure(failed).on_network(
            self.window.dispatcher, fallback=failed
        )

    def _failed(self, error: PrimerError) -> None:
        self.label.setText("Local copy failed")
        self.label.setStyleSheet("color: #c0392b;")
        self.label.setToolTip(error.message)  # the status bar keeps saying it
        if not self.failing:
            self.window.message_bar.show_message(error.message, kind="error")
        self.failing = True

    def at_quit(self) -> None:
        """What changed since the last copy is copied as the window closes."""
        primer = self.window.primer
        if primer is None:
            return
        try:
            primer.local_copies(at_quit=True)
        except PrimerError as error:
            log.error("local copy at quit: %s", error.message)

    # ---------------------------------------------------------------- restore
    def choose(self) -> None:
        primer = self.window.primer
        if primer is None:
            return
        self.dialog = RestoreCopyDialog(primer.local_copies.copies(), self.window)
        self.dialog.accepted.connect(lambda: self._restore(self.dialog.chosen()))
        self.dialog.open()

    def _restore(self, name: str | None) -> None:
        primer = self.window.primer
        if name is None or primer is None:
            return

        def save_then_ask() -> None:
            primer.local_copies(by_hand=True)  # the chats as they are now: a copy too
            primer.restore_copy_at_start(name)

        Op(save_then_ask).success(lambda _r: self.restart(self.window)).on_network(
            self.window.dispatcher, fallback=self.window.show_error
        )


class RestoreCopyDialog(QDialog):
    def __init__(self, copies: list[LocalCopy], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore a local copy")
        self.setMinimumWidth(460)
        intro = QLabel(
            "Primer first saves your chats as they are now (as one more copy), then starts "
            "again with the copy you choose. Nothing is deleted."
            if copies
            else "There are no copies yet. Primer saves one every hour while something "
            "changes, and when you quit."
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Saved copies")
        for copy in copies:
            kind = "" if copy.automatic else f" · {copy.kind}"
            text = f"{when(copy.saved_at.isoformat())} · {copy.size / 1_048_576:.1f} MB{kind}"
            item = QListWidgetItem(text[:1].upper() + text[1:])
            item.setData(0x0100, copy.name)  # Qt.UserRole
            item.setToolTip(copy.name)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button = buttons.addButton(
            "Restore and restart", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.restore_button.setEnabled(bool(copies))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list)
        layout.addWidget(buttons)

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(0x0100))


def restart_primer(window: MainWindow) -> None:
    """Start Primer again as it was started, then close this window."""
    program, arguments = sys.executable, sys.orig_argv[1:]
    if getattr(sys, "frozen", False):  # the installed program: its own executable
        arguments = sys.argv[1:]
    QProcess.startDetached(program, arguments)
    window.close()
