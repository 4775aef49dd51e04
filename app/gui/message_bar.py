"""A non-blocking bar for known failures and undo offers; it never steals focus."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

# (background, text, border) per kind, for light and dark palettes.
COLOURS = {
    ("error", False): ("#fdecea", "#8c1d18", "#f1b8b3"),
    ("info", False): ("#e8f0fe", "#1a3e72", "#b6ccf5"),
    ("error", True): ("#3b1f1f", "#ffb4ab", "#7a3530"),
    ("info", True): ("#1b2a42", "#c6dbff", "#35507d"),
}


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.action_button = QPushButton()
        self.action_button.setAutoDefault(False)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.setAccessibleName("Dismiss the message")
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(close)
        self._action: Callable[[], None] | None = None
        self.action_button.clicked.connect(self._act)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self._kind = "error"
        self._styled: tuple[str, bool] | None = None  # (kind, dark) of the current style
        self._watching = False
        self.hide()

    def show_message(
        self,
        text: str,
        *,
        kind: str = "error",
        action: tuple[str, Callable[[], None]] | None = None,
        timeout_ms: int = 0,
    ) -> None:
        self._kind = kind
        self._restyle()
        self.label.setText(text)
        self._action = action[1] if action else None
        self.action_button.setVisible(action is not None)
        if action:
            self.action_button.setText(action[0])
        self._timer.stop()
        if timeout_ms:
            self._timer.start(timeout_ms)
        self.show()

    def _restyle(self) -> None:
        """Colours for the kind of message and the palette in use (the ✕ included)."""
        from PySide6.QtGui import QPalette

        dark = self.window().palette().color(QPalette.ColorRole.Window).lightness() < 128
        if self._styled == (self._kind, dark):
            return  # setting the same style again would only raise another change
        self._styled = (self._kind, dark)
        background, text, border = COLOURS[(self._kind, dark)]
        self.setStyleSheet(
            f"#messageBar {{ background:{background}; border:1px solid {border};"
            " border-radius:6px; }"
            f"#messageBar QLabel, #messageBar QToolButton {{ color:{text}; }}"
        )

    def showEvent(self, event: QShowEvent) -> None:
        # A widget with a style sheet is not told of palette changes; its window is.
        if not self._watching:
            self.window().installEventFilter(self)
            self._watching = True
        super().showEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.PaletteChange and self.isVisible():
            self._restyle()
        return False

    def _act(self) -> None:
        action, self._action = self._action, None
        self.hide()
        if action:
            action()
