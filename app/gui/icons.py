"""Icons shipped in resources/, loaded through importlib.resources so frozen builds find them."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon


@cache
def resource_icon(name: str) -> QIcon:
    from importlib import resources  # not needed before the first paint

    icon = resources.files("resources") / "icons" / name
    with resources.as_file(icon) as path:
        return QIcon(str(path))
