"""Where the user types: Enter sends, Shift+Enter adds a line; Send and Stop under it, the
Attach button and the chips of attached files, and the banner that says an earlier message is
being edited. A picture or files pasted or dropped here are attached, not typed."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QKeyCombination, QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.attachments import AttachmentTray


def local_files(source: QMimeData) -> list[str]:
    return [url.toLocalFile() for url in source.urls() if url.isLocalFile()]


class Composer(QPlainTextEdit):
    submitted = Signal()
    files_given = Signal(list)
    """Paths of files pasted or dropped here."""
    picture_given = Signal(QImage)
    """A picture pasted here (a screenshot)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.setPlaceholderText("Message Primer…  (Enter to send, Shift+Enter for a new line)")
        self.setTabChangesFocus(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(64)

    def event(self, event: QEvent) -> bool:
        # Ctrl+K searches, even from here (an editor would take it to delete to the line's end)
        search = QKeyCombination(Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_K)
        if event.type() == QEvent.Type.ShortcutOverride and (
            isinstance(event, QKeyEvent) and event.keyCombination() == search
        ):
            event.ignore()
            return True
        return super().event(event)

    def type_in(self, text: str) -> None:
        """Text typed elsewhere (in the conversation) that belongs here."""
        self.setFocus()
        self.insertPlainText(text)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return (
            bool(local_files(source)) or source.hasImage() or super().canInsertFromMimeData(source)
        )

    def insertFromMimeData(self, source: QMimeData) -> None:
        if files := local_files(source):
            self.files_given.emit(files)
        elif source.hasImage():
            self.picture_given.emit(QImage(source.imageData()))
        else:
            super().insertFromMimeData(source)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class ComposeArea(QWidget):
    """The composer in a rounded box, with Attach under it on the left and Send (Stop while
    a reply streams) on the right, as in the chat apps people know."""

    def __init__(self) -> None:
        super().__init__()
        self.edit_banner = QLabel()
        self.edit_banner.setObjectName("editBanner")
        self.edit_banner.hide()
        self.composer = Composer()
        self.composer.setFrameShape(QFrame.Shape.NoFrame)
        self.tray = AttachmentTray()
        self.attach_button = QToolButton()
        self.attach_button.setObjectName("attach")
        self.attach_button.setIconSize(QSize(18, 18))
        self.attach_button.setAutoRaise(True)
        self.attach_button.setToolTip("Attach images, PDFs or text files (or paste or drop them)")
        self.attach_button.setAccessibleName("Attach files")
        self.send_button = QToolButton()
        self.send_button.setObjectName("send")
        self.send_button.setToolTip("Send (Enter)")
        self.send_button.setAccessibleName("Send")
        self.stop_button = QToolButton()
        self.stop_button.setObjectName("stop")
        self.stop_button.setToolTip("Stop the reply and keep what arrived (Esc)")
        self.stop_button.setAccessibleName("Stop the reply")
        self.stop_button.hide()
        for button in (self.send_button, self.stop_button):
            button.setIconSize(QSize(18, 18))
            button.setFixedSize(QSize(34, 34))
        box = QFrame()
        box.setObjectName("composeBox")
        inside = QVBoxLayout(box)
        inside.setContentsMargins(10, 8, 8, 8)
        inside.setSpacing(4)
        inside.addWidget(self.tray)
        inside.addWidget(self.composer)
        row = QHBoxLayout()
        row.addWidget(self.attach_button)
        row.addStretch(1)
        row.addWidget(self.stop_button)
        row.addWidget(self.send_button)
        inside.addLayout(row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit_banner)
        layout.addWidget(box)

    def set_icons(self) -> None:
        """(After the first paint: the icons' SVG renderer is not needed for it.)"""
        from app.gui.icons import line_icon

        self.attach_button.setIcon(line_icon("paperclip"))
        self.send_button.setIcon(line_icon("arrow-up", "#ffffff"))
        self.stop_button.setIcon(line_icon("square"))
