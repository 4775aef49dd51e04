"""Icons shipped in resources/icons, loaded through importlib.resources so frozen builds find
them. Line icons (Lucide's, drawn in `currentColor`) take the colour of the palette they are
drawn with, so they follow the light or dark theme as it changes, at any scale."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QImage, QPainter, QPalette, QPixmap


@cache
def resource_icon(name: str) -> QIcon:
    """An icon drawn in its own colours (the app's icon, a file)."""
    return QIcon(str(_path(name)))


def _path(name: str) -> str:
    from importlib import resources  # not needed before the first paint

    icon = resources.files("resources") / "icons" / name
    with resources.as_file(icon) as path:
        return str(path)


@cache
def _svg(name: str) -> str:
    with open(_path(name), encoding="utf-8") as file:
        return file.read()


@cache
def _renderer(name: str, colour: str) -> object:
    from PySide6.QtSvg import QSvgRenderer  # (loaded with the first icon drawn)

    return QSvgRenderer(QByteArray(_svg(name).replace("currentColor", colour).encode()))


def draw_line_icon(painter: QPainter, rect: QRect, name: str, colour: str) -> None:
    _renderer(name, colour).render(painter, rect)  # type: ignore[attr-defined]


def line_image(name: str, colour: str, side: int, scale: float) -> QImage:
    """A line icon as an image `side` pixels square on screen, sharp at `scale` (HiDPI)."""
    image = QImage(QSize(round(side * scale), round(side * scale)), QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw_line_icon(painter, image.rect(), name, colour)
    painter.end()
    image.setDevicePixelRatio(scale)
    return image


class _LineIconEngine(QIconEngine):
    """Draws the icon in the application palette's button text colour (greyed when
    disabled), or in `colour` if one is given, whenever it is drawn."""

    def __init__(self, name: str, colour: str | None) -> None:
        super().__init__()
        self.name = name
        self.colour = colour

    def _colour(self, mode: QIcon.Mode) -> str:
        palette = QGuiApplication.palette()
        if mode == QIcon.Mode.Disabled:
            return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText).name()
        return self.colour or palette.color(QPalette.ColorRole.ButtonText).name()

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw_line_icon(painter, rect, self.name, self._colour(mode))
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        side = min(size.width(), size.height())
        return QPixmap.fromImage(line_image(self.name, self._colour(mode), side, scale))

    def clone(self) -> QIconEngine:
        return _LineIconEngine(self.name, self.colour)


def line_icon(name: str, colour: str | None = None) -> QIcon:
    """A Lucide icon (`name` without .svg) in the theme's text colour, or in `colour`."""
    return QIcon(_LineIconEngine(f"{name}.svg", colour))
