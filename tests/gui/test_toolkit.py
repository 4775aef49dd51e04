"""The Qt binding itself: faults that would take the window down."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot


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
