"""File → Import… and a file dropped on the window (a Primer, ChatGPT, Claude or Gemini
export): what the file holds and how much of it is here already first, then the import
with progress and Cancel, then what it did."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.gui.operations import Op
from app.import_files import DamagedFile, read_chats
from domain.errors import PrimerError
from domain.export import WholeChat
from domain.use_cases.import_chats import ImportReport

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow


def _count(number: int, thing: str) -> str:
    return f"{number:,} {thing}{'' if number == 1 else 's'}"


def describe(report: ImportReport, *, preview: bool) -> str:
    """ "Will add 3 new chats and new messages in 1 chat here (40 messages)." """
    parts = []
    if report.chats_added:
        parts.append(_count(report.chats_added, "new chat"))
    if report.chats_updated:
        parts.append(f"new messages in {_count(report.chats_updated, 'chat')} here")
    text = f"{'Will add' if preview else 'Added'} {' and '.join(parts) or 'nothing'}"
    text += f" ({_count(report.messages_added, 'message')})."
    if report.skipped:
        text += f" Skipped {len(report.skipped)}: " + "; ".join(
            f"{s.item} ({s.reason})" for s in report.skipped[:5]
        )
    return text


class Importer(QObject):
    progress = Signal(int)  # chats read so far (emitted from the store's thread)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._cancel = threading.Event()
        self.progress.connect(self._show_progress)

    def choose_file(self) -> None:
        path, _kind = QFileDialog.getOpenFileName(
            self.window,
            "Import chats (a Primer, ChatGPT, Claude or Gemini export)",
            str(Path.home()),
            "Exports (*.json *.zip *.html);;All files (*)",
        )
        if path:
            self.start(Path(path))

    def start(self, path: Path) -> None:
        """Read the file once without writing (what it holds, what is here), then ask."""
        primer = self.window.primer
        if primer is None:
            return

        lane = self.window.lane

        def preview() -> tuple[ImportReport, PrimerError | None]:
            report = ImportReport()
            try:
                primer.import_chats(read_chats(path, report), report, dry_run=True, store=lane)
            except DamagedFile as damage:
                return report, damage
            return report, None

        self.window.statusBar().showMessage(f"Reading {path.name}…")
        # The file is read on a worker; each chat's look-up is a job of the store's lane.
        Op(preview).success(lambda found: self._confirm(path, *found)).failure(
            self._failed
        ).on_network(self.window.dispatcher, fallback=self._failed)

    def _confirm(self, path: Path, report: ImportReport, damage: PrimerError | None) -> None:
        self.window.statusBar().clearMessage()
        if not (report.chats_added or report.chats_updated):
            extra = f" {damage.message}" if damage else ""
            self.window.message_bar.show_message(
                f"Nothing to import from {path.name}: all of it is here already.{extra}",
                kind="error" if damage else "info",
                timeout_ms=0 if damage else 8000,
            )
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Import chats",
            f"{path.name}. {describe(report, preview=True)}"
            + (f"\n\n{damage.message}" if damage else ""),
            QMessageBox.StandardButton.Cancel,
            self.window,
        )
        go = box.addButton("Import", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(go)
        box.finished.connect(lambda _result: self._run(path) if box.clickedButton() is go else None)
        self.confirmation = box  # (alive while open; the tests answer it)
        box.open()

    def _run(self, path: Path) -> None:
        primer = self.window.primer
        assert primer is not None
        self._cancel.clear()

        def run() -> tuple[ImportReport, PrimerError | None]:
            report = ImportReport()
            chats = read_chats(path, report, primer.attach_file)

            def counted() -> Iterator[WholeChat]:
                for number, whole in enumerate(chats, 1):
                    yield whole
                    self.progress.emit(number)

            try:
                primer.import_chats(
                    counted(), report, cancelled=self._cancel.is_set, store=self.window.lane
                )
            except DamagedFile as damage:
                return report, damage
            return report, None

        self.window.message_bar.show_message(
            f"Importing {path.name}…", kind="info", action=("Cancel", self._cancel.set)
        )
        # Read and attached on a worker, each chat stored by the lane: the window's own
        # store work goes between chats, not after the whole import.
        Op(run).success(lambda done: self._done(path, *done)).failure(self._failed).on_network(
            self.window.dispatcher, fallback=self._failed
        )

    def _show_progress(self, chats: int) -> None:
        if not self._cancel.is_set():
            self.window.message_bar.label.setText(f"Importing… {chats} chat(s) read")

    def _done(self, path: Path, report: ImportReport, damage: PrimerError | None) -> None:
        stopped = " Stopped when asked." if self._cancel.is_set() else ""
        text = f"Imported from {path.name}. {describe(report, preview=False)}{stopped}"
        if damage is not None:
            self.window.message_bar.show_message(f"{text} {damage.message}", kind="error")
        else:
            self.window.message_bar.show_message(text, kind="info", timeout_ms=15000)
        self.window.refresh_chats(select=self.window.current_chat_id)
        self.window.search.meaning.start()  # (the chats' messages are older than the newest)

    def _failed(self, error: PrimerError) -> None:
        self.window.statusBar().clearMessage()
        self.window.show_error(error)
