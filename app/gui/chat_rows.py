"""How a chat's row in the sidebar is drawn: the date heading it begins, its title, and
under it how long ago, the model and its tags as chips."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.gui.chat_list import (
    HEADING_ROLE,
    MODEL_ROLE,
    PINNED_ROLE,
    SHOWN_TAGS,
    TAGS_ROLE,
    WHEN_ROLE,
    ModelIndex,
)

if TYPE_CHECKING:
    from domain.tags import Tag


class ChatRows(QStyledItemDelegate):
    """A chat's row, drawn whole: the date heading it begins, if any; its title (a pin
    before it); under that, muted, how long ago and the model, and its tags as small chips
    of their colours at the end. The row under the mouse and the chosen one are lit."""

    PAD = 8

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._height_cache: dict[str, tuple[int, int]] = {}

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        title = QFont(option.font)  # type: ignore[attr-defined]
        small = QFont(title)
        small.setPointSizeF(title.pointSizeF() * 0.85)
        heading = QFont(small)
        heading.setWeight(QFont.Weight.DemiBold)
        return title, small, heading

    def _heights(self, option: QStyleOptionViewItem, heading: bool) -> tuple[int, int]:
        """(the heading's height, the chat's), in pixels: worked out once a font, as a
        layout of 10,000 rows asks for each row's (bench.stall)."""
        key = option.font.key()  # type: ignore[attr-defined]
        heights = self._height_cache.get(key)
        if heights is None:
            title, small, _ = self._fonts(option)
            line = QFontMetrics(small).height()
            chat = QFontMetrics(title).height() + line + 2 * self.PAD + 2
            heights = self._height_cache[key] = (line + 14, chat)
        return (heights[0] if heading else 0), heights[1]

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        top, chat = self._heights(option, index.data(HEADING_ROLE) is not None)
        return QSize(option.rect.width(), top + chat)  # type: ignore[attr-defined]

    def title_rect(self, option: QStyleOptionViewItem, index: ModelIndex) -> QRect:
        """Where the title is drawn (and its rename typed)."""
        top, _ = self._heights(option, index.data(HEADING_ROLE) is not None)
        whole: QRect = option.rect  # type: ignore[attr-defined]
        height = QFontMetrics(self._fonts(option)[0]).height()
        left = whole.left() + 2 * self.PAD + (18 if index.data(PINNED_ROLE) else 0)
        return QRect(left, whole.top() + top + self.PAD, whole.right() - left - self.PAD, height)

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem,
                             index: ModelIndex) -> None:  # fmt: skip
        editor.setGeometry(self.title_rect(option, index).adjusted(-4, -3, 4, 3))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        title_font, small, heading_font = self._fonts(option)
        palette: QPalette = option.palette  # type: ignore[attr-defined]
        state = option.state  # type: ignore[attr-defined]
        whole: QRect = option.rect  # type: ignore[attr-defined]
        heading = index.data(HEADING_ROLE)
        top, chat_height = self._heights(option, heading is not None)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if heading is not None:
            painter.setFont(heading_font)
            painter.setPen(muted)
            top_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
            painter.drawText(whole.adjusted(2 * self.PAD, 6, -self.PAD, 0), top_left, heading)
        chat = QRect(whole.left() + 4, whole.top() + top, whole.width() - 8, chat_height)
        selected = bool(state & QStyle.StateFlag.State_Selected)
        lit = QColor(palette.color(QPalette.ColorRole.Highlight))
        if selected or state & QStyle.StateFlag.State_MouseOver:
            lit.setAlpha(70 if selected else 28)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(lit)
            painter.drawRoundedRect(chat, 8, 8)
        if state & QStyle.StateFlag.State_HasFocus and self.parent().hasFocus():  # type: ignore[attr-defined]
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(chat.adjusted(0, 0, -1, -1), 8, 8)
        text = palette.color(QPalette.ColorRole.Text)
        title = self.title_rect(option, index)
        if index.data(PINNED_ROLE):
            from app.gui.icons import resource_icon  # QIcon is not needed for the first paint

            pin = QRect(title.left() - 18, title.center().y() - 7, 14, 14)
            resource_icon("pin.svg").paint(painter, pin)
        painter.setFont(title_font)
        painter.setPen(text)
        elided = QFontMetrics(title_font).elidedText(
            index.data(Qt.ItemDataRole.DisplayRole) or "", Qt.TextElideMode.ElideRight,
            title.width())  # fmt: skip
        painter.drawText(title, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
        metrics = QFontMetrics(small)
        line = QRect(title.left(), title.bottom() + 3, title.width(), metrics.height())
        tags = index.data(TAGS_ROLE) or ()
        painter.setFont(small)
        chips = _chips(tags, metrics, line.width() * 0.55) if tags else []
        widths = [metrics.horizontalAdvance(text) + 12 for text, _ in chips]
        room = sum(widths) + 4 * len(chips)
        about = " · ".join(part for part in (index.data(WHEN_ROLE), index.data(MODEL_ROLE)) if part)
        painter.setPen(muted)
        painter.drawText(line.adjusted(0, 0, -room - 6, 0),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(about, Qt.TextElideMode.ElideRight,
                                            max(0, line.width() - room - 6)))  # fmt: skip
        left = line.right() - room + 4
        for (name, shade), width in zip(chips, widths, strict=True):
            colour = QColor(shade)
            chip = QRect(left, line.top(), width, line.height())
            fill = QColor(colour)
            fill.setAlpha(48)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(chip, chip.height() / 2, chip.height() / 2)
            painter.setPen(colour)
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, name)
            left += width + 4
        painter.restore()


def _chips(tags: Sequence[Tag], metrics: QFontMetrics, most: float) -> list[tuple[str, str]]:
    """(text, colour) of the chips that fit in `most` pixels: the first tags, each cut to a
    short name, then how many more (+2)."""
    chips = [(metrics.elidedText(tag.name, Qt.TextElideMode.ElideRight, 80), tag.colour)
             for tag in tags[:SHOWN_TAGS]]  # fmt: skip
    while True:
        more = len(tags) - len(chips)
        shown = chips + ([(f"+{more}", "#6b7280")] if more > 0 else [])
        width = sum(metrics.horizontalAdvance(text) + 16 for text, _ in shown)
        if width <= most:
            return shown
        if len(chips) == 1:  # the first tag stays, cut to the room left
            left = int(most - (width - metrics.horizontalAdvance(chips[0][0])))
            if left < metrics.horizontalAdvance("Wo…"):
                return [(f"+{len(tags)}", "#6b7280")]
            name = metrics.elidedText(tags[0].name, Qt.TextElideMode.ElideRight, left)
            return [(name, tags[0].colour), *shown[1:]]
        chips = chips[:-1]
