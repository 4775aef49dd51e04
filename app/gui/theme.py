"""Light and dark palettes for the Fusion style; "system" follows the OS as it changes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

# The palettes are made for Fusion on every OS. It is given to QApplication as `-style`:
# setStyle from Python would cost the first paint ~10 ms, while PySide builds its QStyle
# wrapper on first use (bench.run). For the same reason a light start keeps the palette
# Qt starts with, unless the desktop is dark or Primer's dark palette is in place.
STYLE_ARGUMENTS = ["-style", "fusion"]
_dark_palette_applied = False


def os_prefers_dark() -> bool:
    """The OS's colour scheme (asked after the first paint; the window starts with the
    answer it remembered in window.ini)."""
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def _dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1f2124",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#17181a",
        QPalette.ColorRole.AlternateBase: "#25272b",
        QPalette.ColorRole.ToolTipBase: "#2b2d31",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#8a8f98",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#2b2d31",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Link: "#7ab7ff",
        QPalette.ColorRole.LinkVisited: "#b69cff",
        QPalette.ColorRole.Highlight: "#3d6fb6",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Mid: "#3a3d42",
        QPalette.ColorRole.Midlight: "#34373c",
        QPalette.ColorRole.Dark: "#111214",
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b6f76"))
    return palette


def apply_theme(theme: str, *, starting: bool = False, os_dark: bool | None = None) -> bool:
    """Set the palette for `theme`; return whether it is dark. `os_dark`: the OS's colour
    scheme, if known; otherwise the OS is asked when it matters."""
    global _dark_palette_applied
    app = QApplication.instance()
    assert isinstance(app, QApplication)

    def os_is_dark() -> bool:
        return os_prefers_dark() if os_dark is None else os_dark

    dark = theme == "dark" or (theme == "system" and os_is_dark())
    if dark:
        app.setPalette(_dark_palette())
    elif not starting or _dark_palette_applied or os_is_dark():
        app.setPalette(app.style().standardPalette())
    _dark_palette_applied = dark
    return dark
