"""A non-blocking bar for known failures and undo offers; it never steals focus."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from app.gui.qt_namespace import set_enum_properties

STYLES = {
    "error": "background:#fdecea; color:#8c1d18; border:1px solid #f1b8b3;",
    "info": "background:#e8f0fe; color:#1a3e72; border:1px solid #b6ccf5;",
}


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        set_enum_properties(
            self.label, textInteractionFlags="TextSelectableByMouse|LinksAccessibleByMouse"
        )
        self.action_button = QPushButton()
        self.action_button.setAutoDefault(False)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(close)
        self._action: Callable[[], None] | None = None
        self.action_button.clicked.connect(self._act)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(
        self,
        text: str,
        *,
        kind: str = "error",
        action: tuple[str, Callable[[], None]] | None = None,
        timeout_ms: int = 0,
    ) -> None:
        self.setStyleSheet(
            f"#messageBar {{ {STYLES[kind]} border-radius:6px; }}"
            f"#messageBar QLabel {{ {STYLES[kind].split(';')[1]}; }}"
        )
        self.label.setText(text)
        self._action = action[1] if action else None
        self.action_button.setVisible(action is not None)
        if action:
            self.action_button.setText(action[0])
        self._timer.stop()
        if timeout_ms:
            self._timer.start(timeout_ms)
        self.show()

    def _act(self) -> None:
        action, self._action = self._action, None
        self.hide()
        if action:
            action()
