"""A one-line label that never asks for more width than it gets: a long chat title is cut
with "…" instead of pushing the sidebar narrower (its whole text is in the tooltip)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._full = ""
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._elide()
        super().resizeEvent(event)

    def _elide(self) -> None:
        # By hand rather than QFontMetrics.elidedText, whose mode is an enum of the `Qt`
        # namespace that the first paint does not build (app.gui.qt_namespace).
        metrics, text, width = self.fontMetrics(), self._full, self.width()
        if metrics.horizontalAdvance(text) <= width:
            super().setText(text)
            return
        low, high = 0, len(text)  # the longest start that fits with "…" after it
        while low < high:
            middle = (low + high + 1) // 2
            if metrics.horizontalAdvance(text[:middle].rstrip() + "…") <= width:
                low = middle
            else:
                high = middle - 1
        super().setText(text[:low].rstrip() + "…")
