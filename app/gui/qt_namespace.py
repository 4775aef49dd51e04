"""PySide's `Qt` namespace, built on first use, and ways to set Qt enums without it.

Building the namespace makes its 93 enums into Python enums: about 14 ms on Python 3.11,
a tenth of the window's cold start, and the first frame needs none of them (bench.run).
So the widgets built before the first paint set enum properties by key name, as a Qt
Designer form does, item roles are Qt's fixed numbers, and shortcuts are parsed from text.
tests/gui/test_toolkit.py checks that the first paint leaves the namespace unbuilt and
that these numbers are Qt's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from PySide6.QtCore import QObject, Qt
else:

    class _Namespace:
        def __getattr__(self, name: str) -> Any:
            from PySide6.QtCore import Qt as built

            value = getattr(built, name)
            setattr(self, name, value)  # later lookups skip __getattr__
            return value

    Qt = _Namespace()

DISPLAY_ROLE = 0  # Qt.ItemDataRole.DisplayRole
EDIT_ROLE = 2  # Qt.ItemDataRole.EditRole
USER_ROLE = 0x0100  # Qt.ItemDataRole.UserRole


def set_enum_properties(widget: QObject, **keys: str) -> None:
    """`set_enum_properties(view, focusPolicy="ClickFocus")`: Qt turns the key into the
    value itself. A property or key that does not exist raises."""
    for name, key in keys.items():
        if not widget.setProperty(name, key):
            raise ValueError(f"{type(widget).__name__}.{name} cannot be set to {key!r}")


def set_shortcut(action: QAction, text: str) -> None:
    """`action.setShortcut(QKeySequence(text))`, whose overload checks build the namespace."""
    action.setShortcuts([QKeySequence.fromString(text)])
