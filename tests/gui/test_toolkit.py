"""The Qt binding itself: faults that would take the window down, and what its start costs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.gui.qt_namespace import (
    DISPLAY_ROLE,
    EDIT_ROLE,
    USER_ROLE,
    set_enum_properties,
    set_shortcut,
)


def test_qt_calls_leave_the_references_to_none_alone(qtbot: QtBot) -> None:
    """PySide6 6.12.0 releases a reference to None it never took on each call of a method
    that returns nothing. On Python 3.11 None's count then reaches zero after some minutes of
    scrolling, and the interpreter aborts the app. (On 3.12+ None is immortal: no change.)"""
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(1000):
        widget.update()
        QCoreApplication.processEvents()
    assert sys.getrefcount(None) > before - 100


FIRST_PAINT_PROBE = """
import sys
from pathlib import Path

import PySide6.QtCore as core
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from app.gui.launch import start_window


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print("namespace built" if "Qt" in vars(core) else "namespace not built")
        return False


window = start_window(Path(sys.argv[1]), report_first_paint=True)
window.installEventFilter(FirstPaint(window))
sys.exit(QApplication.exec())
"""


def test_the_first_paint_leaves_the_qt_namespace_unbuilt(tmp_path: Path) -> None:
    """Building PySide's `Qt` namespace costs a tenth of the cold start (qt_namespace). Only
    the very first start builds it before painting, to ask the OS for its colour scheme."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }

    def start() -> list[str]:
        command = [sys.executable, "-c", FIRST_PAINT_PROBE, str(tmp_path)]
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    assert start() == ["namespace built", "first-paint"]
    assert "os_dark=false" in (tmp_path / "window.ini").read_text()
    assert start() == ["namespace not built", "first-paint"]


def test_the_numbers_and_names_that_stand_in_for_the_namespace_are_qt_s(qtbot: QtBot) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QListView

    roles = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.UserRole
    assert tuple(role.value for role in roles) == (DISPLAY_ROLE, EDIT_ROLE, USER_ROLE)
    view = QListView()
    qtbot.addWidget(view)
    set_enum_properties(view, focusPolicy="ClickFocus", textElideMode="ElideMiddle")
    assert view.focusPolicy() == Qt.FocusPolicy.ClickFocus
    assert view.textElideMode() == Qt.TextElideMode.ElideMiddle
    with pytest.raises(ValueError, match="focusPolicy cannot be set to 'Clickfocus'"):
        set_enum_properties(view, focusPolicy="Clickfocus")
    action = QAction("Copy", view)
    set_shortcut(action, "Ctrl+Shift+B")
    assert action.shortcut().toString() == "Ctrl+Shift+B"
