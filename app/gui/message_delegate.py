"""How a message is painted: a Markdown document in a bubble, with action links under it
(copy, edit, regenerate, versions) that the delegate turns into `action` signals."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QTextDocument,
)
from PySide6.QtWidgets import QStyledItemDelegate

from app.gui import message_text
from app.gui.icons import line_image, resource_icon
from app.gui.message_html import (
    ACTION_ICON_SIDE,
    ACTION_ICONS,
    FILE_ICON_URL,
    colors,
    icon_url,
    message_html,
    picture_url,
)
from app.gui.message_model import MESSAGE_ROLE, NOTES_ROLE, VERSION_ROLE, ModelIndex
from domain.attachments import FileKind

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStyleOptionViewItem

    from app.gui.conversation import ConversationView
    from domain.entities import Message
    from domain.notes import Note

MARGIN = 8
PADDING = 12
MAX_TEXT_WIDTH = 860
THUMBNAILS_KEPT = 200
"""Decoded thumbnails kept (256 px: about 250 KB each at most, 50 MB in all)."""


@cache
def _file_icon() -> QImage:
    return resource_icon("file.svg").pixmap(28, 28).toImage()


@cache
def _action_icon(action: str, colour: str, scale: float) -> QImage:
    return line_image(f"{ACTION_ICONS[action]}.svg", colour, ACTION_ICON_SIDE, scale)


class _MessageDocument(QTextDocument):
    """A message's document whose thumbnails are decoded when first drawn: their size is
    in the markup, so laying out a chat of photos decodes none, and opening it decodes
    only those on screen."""

    def __init__(self) -> None:
        super().__init__()
        self.pictures: dict[str, Callable[[], QImage]] = {}

    def loadResource(self, kind: int, name: QUrl) -> Any:
        picture = self.pictures.get(name.toString())
        if picture is not None and kind == QTextDocument.ResourceType.ImageResource.value:
            return picture()
        return super().loadResource(kind, name)


class MessageDelegate(QStyledItemDelegate):
    """Paints a message and turns clicks on its links into `action(name, message_id, arg)`."""

    action = Signal(str, str, str)

    def __init__(self, view: ConversationView, *, dark: bool = False) -> None:
        super().__init__(view)
        self._view = view
        self.dark = dark
        self._marked: tuple[str | None, tuple[str, ...]] = (None, ())
        self._cache: OrderedDict[tuple[Any, ...], tuple[QTextDocument, tuple[str, ...]]] = (
            OrderedDict()
        )
        self._thumbnails: OrderedDict[str, QImage] = OrderedDict()
        self._scrolled: dict[str, list[float]] = {}
        """Each message's wide tables' sideways scrolling, by message id."""

    def mark(self, message_id: str | None, terms: tuple[str, ...] = ()) -> None:
        """Mark `terms` in one message (a search hit opened); None marks nothing."""
        self._marked = (message_id, terms)
        self._view.viewport().update()

    def set_dark(self, dark: bool) -> None:
        self.dark = dark
        self._cache.clear()

    def _text_width(self, option_width: int) -> int:
        return max(120, min(MAX_TEXT_WIDTH, option_width - 2 * (MARGIN + PADDING)))

    def document(self, index: ModelIndex, width: int) -> tuple[QTextDocument, tuple[str, ...]]:
        from domain.entities import MessageStatus, Role  # loaded by then: not at start-up

        message: Message = index.data(MESSAGE_ROLE)
        version: tuple[int, int] | None = index.data(VERSION_ROLE)
        notes: tuple[Note, ...] = index.data(NOTES_ROLE) or ()
        last = index.row() == index.model().rowCount() - 1
        streaming = message.status is MessageStatus.STREAMING
        key = (message.id, message.content, message.status, message.error, notes)
        scale = self._view.devicePixelRatioF()
        key += (version, last, width, self.dark, scale)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        markup, blocks = message_html(
            message, last=last, streaming=streaming, version=version, dark=self.dark, notes=notes
        )
        document = _MessageDocument()
        document.setDocumentMargin(0)
        document.setDefaultFont(self._view.font())
        for attachment in message.attachments:  # (before the markup that names them)
            if attachment.file.kind is not FileKind.IMAGE:
                document.addResource(
                    QTextDocument.ResourceType.ImageResource, QUrl(FILE_ICON_URL), _file_icon()
                )
            elif attachment.file.thumbnail:
                document.pictures[picture_url(attachment)] = lambda a=attachment: self._thumbnail(
                    a.sha256, a.file.thumbnail or b""
                )
        muted = colors(self.dark)["muted"]
        for action in ACTION_ICONS:
            document.addResource(
                QTextDocument.ResourceType.ImageResource,
                QUrl(icon_url(action)),
                _action_icon(action, muted, scale),
            )
        document.setDefaultStyleSheet(f"a {{ color: {colors(self.dark)['link']}; }}")
        document.setHtml(markup)
        document.setTextWidth(self._text_width(width))
        if message.role is Role.USER:  # a bubble as wide as its text, at the right
            document.setTextWidth(min(document.textWidth(), document.idealWidth() + 1))
        self._cache[key] = (document, blocks)
        if len(self._cache) > 400:
            self._cache.popitem(last=False)
        return document, blocks

    def _thumbnail(self, sha256: str, png: bytes) -> QImage:
        """A thumbnail decoded once (a chat reopened, a message laid out anew at another
        width, the same picture in many messages)."""
        picture = self._thumbnails.get(sha256)
        if picture is None:
            picture = self._thumbnails[sha256] = QImage.fromData(png)
            if len(self._thumbnails) > THUMBNAILS_KEPT:
                self._thumbnails.popitem(last=False)
        else:
            self._thumbnails.move_to_end(sha256)
        return picture

    def _bubble(self, rect: QRect, document: QTextDocument, user: bool) -> QRect:
        """Where the message is drawn: a user's at the right, under the reply's column's
        end; a reply at the left."""
        height = int(document.size().height()) + 2 * PADDING
        width = int(document.textWidth()) + 2 * PADDING
        left = rect.left() + MARGIN
        if user:
            column = self._text_width(self._view.viewport().width()) + 2 * PADDING
            left += max(0, column - width)
        return QRect(left, rect.top() + MARGIN, width, height)

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        width = self._view.viewport().width()
        document, _ = self.document(index, width)
        return QSize(width, int(document.size().height()) + 2 * (PADDING + MARGIN))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        from domain.entities import Role  # loaded by then: not at start-up

        message: Message = index.data(MESSAGE_ROLE)
        document, _ = self.document(index, self._view.viewport().width())
        user = message.role is Role.USER
        bubble = self._bubble(option.rect, document, user)  # type: ignore[attr-defined]
        actions = None
        if message_text.has_actions(document):  # drawn under the bubble, not in it
            actions = document.documentLayout().blockBoundingRect(document.lastBlock())
            bubble.setHeight(int(actions.top()) + PADDING)
        bubble_colour = colors(self.dark)["user"]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        if user:
            painter.setBrush(QColor(bubble_colour))
            painter.drawRoundedRect(bubble, 10, 10)
        painter.translate(bubble.topLeft() + QPoint(PADDING, PADDING))
        context = QAbstractTextDocumentLayout.PaintContext()
        palette = option.palette  # type: ignore[attr-defined]
        context.palette = palette
        spans = []
        if message.id == self._marked[0]:  # a search hit: its terms, as a marker pen would
            marker = QColor("#7a6420" if self.dark else "#ffe27a")
            found = message_text.found(document, self._marked[1])
            spans += [(place, marker, None) for place in found]
        from app.gui.wide_tables import draw, wide_tables  # (after the first paint)
        from domain.notes import HIGHLIGHTS

        for note in index.data(NOTES_ROLE) or ():  # highlights, in their colours
            place = message_text.quote_cursor(document, note.quote)
            if place is not None:
                shade = QColor(HIGHLIGHTS[note.colour])
                shade.setAlpha(110)
                spans.append((place, shade, None))
        selected = self._view.selected_range(index.row())
        if selected is not None:
            selection = message_text.cursor(document, *selected)
            spans.append((selection, palette.highlight(), palette.highlightedText()))
        context.selections = [message_text.selection(*span) for span in spans]
        bottom = document.size().height() + PADDING
        if actions is not None and not self.actions_shown(index):  # shown on hover
            bottom = actions.top()
        offsets = self._offsets(message.id, len(wide_tables(document)))
        edge = QColor(colors(self.dark)["border"])
        draw(painter, document, context, bottom, offsets, edge)
        painter.restore()
        if index.row() == self._keyboard_row():  # a ring round it, as a focused control has
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(palette.color(palette.ColorRole.Highlight))
            ring = option.rect.adjusted(MARGIN // 2, MARGIN // 2, -MARGIN // 2, -MARGIN // 2)  # type: ignore[attr-defined]
            painter.drawRoundedRect(ring, 10, 10)
            painter.restore()

    def _offsets(self, message_id: str, count: int) -> list[float]:
        """How far each of the message's wide tables is scrolled (0: not at all)."""
        offsets = self._scrolled.get(message_id, [])
        return (offsets + [0.0] * count)[:count]

    def _local(self, index: ModelIndex, rect: QRect, pos: QPoint) -> tuple[QTextDocument, QPointF]:
        """Where `pos` (in the view) falls in the message's document, its wide tables'
        scrolling taken into account."""
        from app.gui.wide_tables import to_document, wide_tables

        document, origin = self.text_origin(index, rect)
        wides = wide_tables(document)
        message_id = index.data(MESSAGE_ROLE).id
        point = QPointF(pos - origin)
        return document, to_document(point, wides, self._offsets(message_id, len(wides)))

    def scroll_sideways(self, index: ModelIndex, rect: QRect, pos: QPoint, pixels: float) -> bool:
        """Scroll the wide table under `pos` by `pixels` (left, if negative); False if
        there is none there."""
        from app.gui.wide_tables import wide_tables

        document, origin = self.text_origin(index, rect)
        wides = wide_tables(document)
        message_id = index.data(MESSAGE_ROLE).id
        offsets = self._offsets(message_id, len(wides))
        for number, wide in enumerate(wides):
            if wide.shown.contains(QPointF(pos - origin)):
                offsets[number] = min(max(offsets[number] + pixels, 0.0), wide.most)
                self._scrolled[message_id] = offsets
                return True
        return False

    def actions_shown(self, index: ModelIndex) -> bool:
        """A message's actions show under the newest one, under one with other versions
        (where it is among them), and under the one the mouse is over."""
        last = index.row() == index.model().rowCount() - 1
        return (
            last
            or index.row() in (self._view.hovered_row, self._keyboard_row())
            or index.data(VERSION_ROLE) is not None
        )

    def _keyboard_row(self) -> int:
        """The message current from the keyboard (the view has focus), or -1."""
        view = self._view
        return view.currentIndex().row() if view.hasFocus() and view.keyboard_current else -1

    def tooltip_at(self, index: ModelIndex, rect: QRect, pos: QPoint) -> str:
        """What the link at `pos` does (its `title`): the icons have no words; over a
        highlight, the words of its note."""
        from PySide6.QtGui import QTextCursor

        document, local = self._local(index, rect, pos)
        layout = document.documentLayout()
        if not layout.anchorAt(local):
            hit = layout.hitTest(local, Qt.HitTestAccuracy.ExactHit)
            for note in index.data(NOTES_ROLE) or ():
                place = message_text.quote_cursor(document, note.quote)
                if place is not None and place.selectionStart() <= hit < place.selectionEnd():
                    return note.text or "Highlighted"
            return ""
        cursor = QTextCursor(document)
        cursor.setPosition(layout.hitTest(local, Qt.HitTestAccuracy.FuzzyHit))
        if not cursor.atEnd():
            cursor.movePosition(QTextCursor.MoveOperation.NextCharacter)
        return cursor.charFormat().toolTip()

    def helpEvent(self, event: Any, view: Any, option: QStyleOptionViewItem,
                  index: ModelIndex) -> bool:  # fmt: skip
        from PySide6.QtWidgets import QToolTip

        if event.type() != QEvent.Type.ToolTip:
            return super().helpEvent(event, view, option, index)
        tip = self.tooltip_at(index, option.rect, event.pos())  # type: ignore[attr-defined]
        if tip:
            QToolTip.showText(event.globalPos(), tip, view)
        else:
            QToolTip.hideText()
        return True

    def text_origin(self, index: ModelIndex, rect: QRect) -> tuple[QTextDocument, QPoint]:
        document, _ = self.document(index, self._view.viewport().width())
        from domain.entities import Role

        user = index.data(MESSAGE_ROLE).role is Role.USER
        return document, self._bubble(rect, document, user).topLeft() + QPoint(PADDING, PADDING)

    def anchor_at(self, index: ModelIndex, rect: QRect, pos: QPoint) -> str:
        document, local = self._local(index, rect, pos)
        return document.documentLayout().anchorAt(local) or ""

    def text_range(self, index: ModelIndex) -> tuple[int, int]:
        document, _ = self.document(index, self._view.viewport().width())
        return message_text.text_range(document)

    def position_at(self, index: ModelIndex, rect: QRect, pos: QPoint) -> int:
        """The place in the message's own text nearest to `pos`: its start for a point above
        the text, its end for one below."""
        document, local = self._local(index, rect, pos)
        start, end = message_text.text_range(document)
        if local.y() < 0:
            return start
        if local.y() >= document.size().height():
            return end
        hit = document.documentLayout().hitTest(local, Qt.HitTestAccuracy.FuzzyHit)
        return min(max(hit, start), end)

    def word_at(self, index: ModelIndex, rect: QRect, pos: QPoint) -> tuple[int, int]:
        from PySide6.QtGui import QTextCursor

        document, _ = self.text_origin(index, rect)
        cursor = QTextCursor(document)
        cursor.setPosition(self.position_at(index, rect, pos))
        cursor.select(QTextCursor.SelectionType.WordUnderCursor)
        return cursor.anchor(), cursor.position()

    def selected_text(self, index: ModelIndex, start: int, end: int) -> str:
        document, _ = self.document(index, self._view.viewport().width())
        return message_text.cursor(document, start, end).selection().toPlainText()

    def editorEvent(
        self, event: QEvent, model: Any, option: QStyleOptionViewItem, index: ModelIndex
    ) -> bool:
        if event.type() not in (QEvent.Type.MouseButtonRelease, QEvent.Type.MouseMove):
            return False
        assert isinstance(event, QMouseEvent)
        anchor = self.anchor_at(index, option.rect, event.position().toPoint())  # type: ignore[attr-defined]
        viewport = self._view.viewport()
        if event.type() == QEvent.Type.MouseMove:
            shape = Qt.CursorShape.PointingHandCursor if anchor else Qt.CursorShape.IBeamCursor
            viewport.setCursor(shape)
            return False
        if not anchor or event.button() != Qt.MouseButton.LeftButton or self._view.selecting:
            return False
        self.trigger(index, anchor)
        return True

    def trigger(self, index: ModelIndex, anchor: str) -> None:
        """Act on a link: `action:NAME` or `copy-code:N`; other links open in the browser."""
        message: Message = index.data(MESSAGE_ROLE)
        if anchor.startswith("action:"):
            self.action.emit(anchor.removeprefix("action:"), message.id, "")
        elif anchor.startswith(("note-edit:", "note-delete:")):
            what, note_id = anchor.split(":", 1)
            self.action.emit(what, message.id, note_id)
        elif anchor.startswith("file:"):  # file:open:N, file:save:N
            _, what, number = anchor.split(":", 2)
            self.action.emit(f"{what}-file", message.id, number)
        elif anchor.startswith("copy-code:"):
            _, blocks = self.document(index, self._view.viewport().width())
            number = int(anchor.removeprefix("copy-code:"))
            if 0 <= number < len(blocks):
                self.action.emit("copy-code", message.id, blocks[number])
        else:
            self.action.emit("open-link", message.id, anchor)
