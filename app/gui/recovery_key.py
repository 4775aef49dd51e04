"""The recovery key, shown once after an account is made (or a new key is asked for): to
copy, print or save, with a plain word on what losing both it and the password means."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

EXPLANATION = (
    "Print this key or keep it in a password manager. If you forget your password, it "
    "lets you set a new one (Account → Sign in… → Forgot password). Without your password "
    "or this key, nobody can read your backup or your saved API keys, Primer included. "
    "It is shown only now."
)


class RecoveryKeyDialog(QDialog):
    def __init__(self, recovery_key: str, email: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recovery_key, self.email = recovery_key, email
        self.setWindowTitle("Your recovery key")
        self.setMinimumWidth(520)
        heading = QLabel(f"Recovery key for {email}")
        heading.setObjectName("heading")
        bold = heading.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.15)
        heading.setFont(bold)
        self.explanation = QLabel(EXPLANATION)
        self.explanation.setWordWrap(True)
        self.key = QLabel(recovery_key)
        self.key.setAccessibleName("Recovery key")
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.key.setFont(font)
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key.setObjectName("recoveryKey")
        self.key.setStyleSheet(
            "padding: 14px; border: 1px dashed palette(mid); border-radius: 8px;"
        )

        copy = QPushButton("Copy")
        copy.setToolTip("Copy the recovery key to the clipboard")
        copy.clicked.connect(self.copy)
        save = QPushButton("Save as file…")
        save.setToolTip("Save the recovery key in a text file (keep it off this computer)")
        save.clicked.connect(self.save)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(copy)
        actions.addWidget(save)

        self.saved = QCheckBox("I have saved my recovery key")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.done_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.done_button.setText("Done")
        self.done_button.setEnabled(False)
        self.saved.toggled.connect(self.done_button.setEnabled)
        self.buttons.accepted.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(self.explanation)
        layout.addWidget(self.key)
        layout.addLayout(actions)
        layout.addWidget(self.saved)
        layout.addWidget(self.buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.recovery_key)

    def save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the recovery key", str(Path.home() / "Primer recovery key.txt"),
            "Text files (*.txt)",
        )  # fmt: skip
        if path:
            self.write(Path(path))

    def write(self, path: Path) -> None:
        path.write_text(
            f"Primer recovery key for {self.email}\n\n{self.recovery_key}\n\n{EXPLANATION}\n",
            encoding="utf-8",
        )
