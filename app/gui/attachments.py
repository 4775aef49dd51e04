"""Files on their way into a message: the 📎 button, a paste (Ctrl+V of a picture or of
copied files) or a drop on the composer attach them; each shows as a chip above the
composer (thumbnail, name, size, ✕) until the message is sent. Opening an attachment of a
sent message copies it out under its own name, for the system's viewer."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.elided_label import ElidedLabel
from app.gui.icons import resource_icon
from app.gui.operations import Op
from domain.attachments import Attachment, FileKind, size_text
from domain.errors import PrimerError

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow

CHIP_PICTURE = 40


def chip_pixmap(attachment: Attachment, side: int = CHIP_PICTURE) -> QPixmap:
    """The file's thumbnail, or a page icon for a file without one."""
    thumbnail = attachment.file.thumbnail
    if thumbnail:
        picture = QPixmap.fromImage(QImage.fromData(thumbnail))
        if not picture.isNull():
            return picture.scaled(
                QSize(side, side),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
    return resource_icon("file.svg").pixmap(QSize(side - 12, side - 12))


class AttachmentChip(QFrame):
    remove = Signal(object)

    def __init__(self, attachment: Attachment) -> None:
        super().__init__()
        self.attachment = attachment
        self.setObjectName("attachmentChip")
        self.setStyleSheet(
            "#attachmentChip { background: palette(alternate-base); border: 1px solid "
            "palette(mid); border-radius: 10px; }"
        )
        self.setFixedHeight(CHIP_PICTURE + 12)
        self.setMaximumWidth(260)
        picture = QLabel()
        picture.setFixedSize(CHIP_PICTURE, CHIP_PICTURE)
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        picture.setPixmap(chip_pixmap(attachment))
        name = ElidedLabel(attachment.name)
        name.setToolTip(attachment.name)
        kind = attachment.file.kind
        what = {FileKind.IMAGE: "Image", FileKind.PDF: "PDF", FileKind.TEXT: "Text"}.get(kind, "")
        details = QLabel(
            " · ".join(part for part in (what, size_text(attachment.file.size)) if part)
        )
        details.setStyleSheet("color: palette(placeholder-text); font-size: 11px;")
        words = QVBoxLayout()
        words.setSpacing(0)
        words.addWidget(name)
        words.addWidget(details)
        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setToolTip(f"Remove {attachment.name}")
        self.remove_button.setAccessibleName(f"Remove {attachment.name}")
        self.remove_button.clicked.connect(lambda: self.remove.emit(self.attachment))
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 6, 4, 6)
        row.addWidget(picture)
        row.addLayout(words, 1)
        row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)


class AttachmentTray(QWidget):
    """The chips of the files attached to the message being written."""

    removed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 4)
        self._row.addStretch(1)
        self.hide()

    def attachments(self) -> tuple[Attachment, ...]:
        return tuple(chip.attachment for chip in self.chips())

    def chips(self) -> list[AttachmentChip]:
        return [
            item.widget()
            for index in range(self._row.count())
            if isinstance((item := self._row.itemAt(index)).widget(), AttachmentChip)
        ]  # type: ignore[misc]

    def add(self, attachment: Attachment) -> None:
        chip = AttachmentChip(attachment)
        chip.remove.connect(self._remove)
        self._row.insertWidget(self._row.count() - 1, chip)
        self.show()

    def _remove(self, attachment: Attachment) -> None:
        for chip in self.chips():
            if chip.attachment is attachment:
                chip.deleteLater()
                self._row.removeWidget(chip)
        self.setVisible(bool(self.chips()))
        self.removed.emit(attachment)

    def clear(self) -> None:
        """The message was sent: the files are its own now."""
        for chip in self.chips():
            self._row.removeWidget(chip)
            chip.deleteLater()
        self.hide()


class Attacher(QObject):
    def __init__(self, window: MainWindow, tray: AttachmentTray) -> None:
        super().__init__(window)
        self.window = window
        self.tray = tray
        self.busy = 0
        """Files being copied in now (Send waits for them)."""
        tray.removed.connect(self._forget)

    def choose(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self.window,
            "Attach files",
            str(Path.home()),
            "Images, PDFs and text (*.png *.jpg *.jpeg *.webp *.gif *.pdf *.txt *.md *.csv "
            "*.json *.py);;All files (*)",
        )
        for path in paths:
            self.attach(path)

    def attach(self, path: str, name: str | None = None, *, then_remove: bool = False) -> None:
        """Copy the file in and look at it on a worker (a large file takes a while)."""
        primer = self.window.primer
        if primer is None:
            return
        self.busy += 1

        def attached(attachment: Attachment) -> None:
            self.busy -= 1
            self.tray.add(attachment)
            if then_remove:
                Path(path).unlink(missing_ok=True)

        def failed(error: PrimerError) -> None:
            self.busy -= 1
            if then_remove:
                Path(path).unlink(missing_ok=True)
            self.window.message_bar.show_message(error.message, kind="error")

        Op(primer.attach_file, path, name).success(attached).failure(failed).on_network(
            self.window.dispatcher, fallback=failed
        )

    def attach_picture(self, picture: QImage) -> None:
        """A pasted picture (a screenshot): saved as PNG, then attached like a file."""
        if picture.isNull() or self.window.primer is None:
            return
        folder = self.window.primer.data_dir / "cache"
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".png", delete=False) as made:
            path = made.name
        if not picture.save(path, "PNG"):
            self.window.message_bar.show_message("The pasted picture could not be saved.")
            return
        self.attach(path, "Pasted image.png", then_remove=True)

    def _forget(self, attachment: Attachment) -> None:
        primer = self.window.primer
        if primer is not None:
            Op(primer.send_message.forget, [attachment]).on_store(self.window.lane)

    def open(self, attachment: Attachment, *, save: bool = False) -> None:
        """Open the file in the system's viewer, or save a copy where the person says."""
        primer = self.window.primer
        if primer is None:
            return
        if save:
            target, _ = QFileDialog.getSaveFileName(
                self.window, "Save attachment", str(Path.home() / attachment.name)
            )
            if not target:
                return
        else:
            folder = primer.data_dir / "cache" / "opened" / attachment.sha256[:16]
            target = str(folder / attachment.name)

        def copied(path: str) -> None:
            if save:
                self.window.statusBar().showMessage(f"Saved {Path(path).name}.", 4000)
            else:
                QDesktopServices.openUrl(QUrl.fromLocalFile(path))

        Op(primer.save_attachment, attachment, target).success(copied).on_network(
            self.window.dispatcher, fallback=self.window.show_error
        )
