"""Code blocks and tables wider than a message scroll sideways, each on its own, as in a
browser: their long lines are not wrapped. A message is one QTextDocument painted by the
delegate, with no scrolling inside it, so the delegate draws the document twice: once for
everything but the wide parts, cut at the message's width, then each wide part shifted by
its offset and cut to the message's width, with a thin bar that shows where it is. Points
from the mouse are shifted the same way before the document is asked what is there."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QPainter,
    QRegion,
    QTextDocument,
    QTextTable,
)


@dataclass(frozen=True, slots=True)
class Wide:
    """A table wider than its message: `area` is the part that scrolls, as laid out (a
    code block's lines, under its header; all of a table), `shown` what the message's
    width leaves of it on screen."""

    area: QRectF
    shown: QRectF

    @property
    def most(self) -> float:
        """The furthest it scrolls."""
        return max(0.0, self.area.width() - self.shown.width())


def wide_tables(document: QTextDocument) -> list[Wide]:
    """The document's tables wider than its text width, in order."""
    layout = document.documentLayout()
    width = document.textWidth()
    found = []
    for frame in document.rootFrame().childFrames():
        if not isinstance(frame, QTextTable):
            continue
        rect = layout.frameBoundingRect(frame)
        if rect.right() <= width + 1:
            continue
        top = rect.top()
        code = frame.format().background().style() != Qt.BrushStyle.NoBrush
        if code and frame.rows() > 1:  # a code block: its header (language, Copy) stays put
            lines = frame.cellAt(frame.rows() - 1, 0).firstCursorPosition().block()
            top = layout.blockBoundingRect(lines).top() - frame.format().cellPadding()
        area = QRectF(rect.left(), top, rect.width(), rect.bottom() - top)
        found.append(Wide(area, QRectF(area.left(), top, width - area.left(), area.height())))
    return found


def draw(
    painter: QPainter,
    document: QTextDocument,
    context: QAbstractTextDocumentLayout.PaintContext,
    bottom: float,
    offsets: list[float],
    edge: QColor,
) -> None:
    """Draw `document` down to `bottom`, its wide tables shifted left by `offsets`."""
    layout = document.documentLayout()
    wides = wide_tables(document)
    width = document.textWidth()
    if not wides:
        painter.setClipRect(
            QRectF(0, 0, document.size().width(), bottom), Qt.ClipOperation.IntersectClip
        )
        layout.draw(painter, context)
        return
    rest = QRegion(QRectF(0, 0, width + 1, bottom).toAlignedRect())
    for wide in wides:
        rest -= QRegion(wide.shown.toAlignedRect())
    painter.save()
    painter.setClipRegion(rest, Qt.ClipOperation.IntersectClip)
    layout.draw(painter, context)
    painter.restore()
    for wide, offset in zip(wides, offsets, strict=True):
        painter.save()
        painter.setClipRect(wide.shown, Qt.ClipOperation.IntersectClip)
        painter.translate(-offset, 0)
        layout.draw(painter, context)
        painter.restore()
        painter.save()
        painter.setPen(edge)  # the table's own right border lies further on
        painter.drawLine(QPointF(width, wide.area.top()), QPointF(width, wide.area.bottom()))
        thumb = wide.shown.width() * wide.shown.width() / wide.area.width()
        left = wide.shown.left() + offset * wide.shown.width() / wide.area.width()
        bar = QRectF(left + 2, wide.shown.bottom() - 6, thumb - 4, 4)
        tint = QColor(edge)
        tint.setAlpha(200)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(tint)
        painter.drawRoundedRect(bar, 2, 2)
        painter.restore()


def to_document(point: QPointF, wides: list[Wide], offsets: list[float]) -> QPointF:
    """A point in the message, as drawn, to where it falls in the laid-out document."""
    for wide, offset in zip(wides, offsets, strict=True):
        if wide.shown.contains(point):
            return QPointF(point.x() + offset, point.y())
    return point
