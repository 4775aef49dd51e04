"""Chat → Export… and File → Export all…: a file chosen in the system's dialog, written on
the store's thread with progress and Cancel, the result told in the message bar."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from app.export_files import ExportFormat, write_export
from app.gui.operations import Op
from domain.errors import PrimerError
from domain.export import WholeChat, file_stem

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow

FILTERS = {
    "Markdown (*.md)": ExportFormat.MARKDOWN,
    "JSON, keeps every version (*.json)": ExportFormat.JSON,
    "Web page (*.html)": ExportFormat.HTML,
}


class ExportStopped(PrimerError):
    """Cancel was pressed."""


class Exporter(QObject):
    progress = Signal(int, int)  # chats written, of how many (from the store's thread)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._cancel = threading.Event()
        self.progress.connect(self._show_progress)

    def export_chat(self) -> None:
        chat_id = self.window.current_chat_id
        if self.window.primer is None or chat_id is None:
            self.window.statusBar().showMessage("Open a chat to export it.", 4000)
            return
        summary = self.window.sidebar.current_summary()
        title = summary.title if summary is not None else "chat"
        self._export([chat_id], f"{file_stem(title)}.md", f"Export “{title}”")

    def export_all(self) -> None:
        if self.window.primer is None:
            return
        self._export(None, "Primer chats.md", "Export all chats")

    def _export(self, chat_ids: list[str] | None, suggested: str, caption: str) -> None:
        primer = self.window.primer
        assert primer is not None
        path, chosen = QFileDialog.getSaveFileName(
            self.window, caption, str(Path.home() / suggested), ";;".join(FILTERS)
        )
        if not path:
            return
        export_format = FILTERS.get(chosen, ExportFormat.MARKDOWN)
        out = Path(path)
        if out.suffix.lower() != f".{export_format.value}":
            out = out.with_name(out.name + f".{export_format.value}")

        self._cancel.clear()

        lane = self.window.lane

        def export() -> int:
            """On a worker: each chat is read by the store's lane, a job at a time, so the
            window's own store work goes between them; the file is written here."""
            ids = (
                lane.submit(primer.export_chats.chat_ids).result() if chat_ids is None else chat_ids
            )

            def load(chat_id: str) -> WholeChat:
                if self._cancel.is_set():  # (the file is not written: nothing half done)
                    raise ExportStopped(f"Export stopped: {out.name} was not written.")
                whole = lane.submit(primer.export_chats, chat_id).result()
                self.progress.emit(next(counted), len(ids))
                return whole

            counted = itertools.count(1)
            # (the dialog asked before replacing a file)
            write_export(load, ids, export_format, out, force=True,
                         copy_file=primer.files.copy_out)  # fmt: skip
            return len(ids)

        self.window.message_bar.show_message(
            f"Exporting to {out}…", kind="info", action=("Cancel", self._cancel.set)
        )
        Op(export).success(
            lambda count: self.window.message_bar.show_message(
                f"Exported {count} chat(s) to {out}.", kind="info", timeout_ms=8000
            )
        ).failure(self._failed).on_network(self.window.dispatcher, fallback=self._failed)

    def _show_progress(self, done: int, total: int) -> None:
        if total > 1 and not self._cancel.is_set():
            self.window.message_bar.label.setText(f"Exporting… {done:,} of {total:,} chats")

    def _failed(self, error: PrimerError) -> None:
        kind = "info" if isinstance(error, ExportStopped) else "error"
        self.window.message_bar.show_message(error.message, kind=kind)
