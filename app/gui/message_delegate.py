"""How a message is painted: a Markdown document in a bubble, with action links under it
(copy, edit, regenerate, versions) that the delegate turns into `action` signals."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QTextDocument,
)
from PySide6.QtWidgets import QStyledItemDelegate

from app.gui.icons import resource_icon
from app.gui.message_html import FILE_ICON_URL, colors, message_html, picture_url
from app.gui.message_model import MESSAGE_ROLE, VERSION_ROLE, ModelIndex
from domain.attachments import FileKind

if TYPE_CHECKING:
    from PySide6.QtGui import QTextCursor
    from PySide6.QtWidgets import QStyleOptionViewItem

    from app.gui.conversation import ConversationView
    from domain.entities import Message

MARGIN = 8
PADDING = 12
MAX_TEXT_WIDTH = 860
THUMBNAILS_KEPT = 200
"""Decoded thumbnails kept (256 px: about 250 KB each at most, 50 MB in all)."""


@cache
def _file_icon() -> QImage:
    return resource_icon("file.svg").pixmap(28, 28).toImage()


def _cursor(document: QTextDocument, start: int, end: int) -> QTextCursor:
    """A cursor over `start`..`end`, kept inside the text (it may have changed since)."""
    from PySide6.QtGui import QTextCursor

    last = document.characterCount() - 1
    cursor = QTextCursor(document)
    cursor.setPosition(min(start, last))
    cursor.setPosition(min(end, last), QTextCursor.MoveMode.KeepAnchor)
    return cursor


def _text_range(document: QTextDocument) -> tuple[int, int]:
    """Where the message's own text lies in its document: after the name that heads it and
    before the row of links under it (the only block whose links are `action:`s)."""
    heading, last = document.firstBlock(), document.lastBlock()
    end = document.characterCount() - 1
    start = heading.next().position() if heading.next().isValid() else end
    iterator = last.begin()
    while last.position() > start and not iterator.atEnd():
        if iterator.fragment().charFormat().anchorHref().startswith("action:"):
            end = last.position() - 1
            break
        iterator += 1
    return start, max(start, end)


def _found(document: QTextDocument, terms: tuple[str, ...]) -> list[QTextCursor]:
    """Every place in the document where one of `terms` begins a word (any case)."""
    from PySide6.QtGui import QTextCursor

    found: list[QTextCursor] = []
    for term in terms:
        cursor = QTextCursor(document)
        while not (cursor := document.find(term, cursor)).isNull():
            found.append(cursor)
    return found


def _selection(
    cursor: QTextCursor, background: Any, foreground: Any
) -> QAbstractTextDocumentLayout.Selection:
    from PySide6.QtGui import QTextCharFormat

    selection = QAbstractTextDocumentLayout.Selection()
    selection.cursor = cursor
    selection.format = QTextCharFormat()
    selection.format.setBackground(background)
    if foreground is not None:
        selection.format.setForeground(foreground)
    return selection


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
        from domain.entities import MessageStatus  # loaded by then: not at start-up

        message: Message = index.data(MESSAGE_ROLE)
        version: tuple[int, int] | None = index.data(VERSION_ROLE)
        last = index.row() == index.model().rowCount() - 1
        streaming = message.status is MessageStatus.STREAMING
        key = (message.id, message.content, message.status, message.error)
        key += (version, last, width, self.dark)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        markup, blocks = message_html(
            message, last=last, streaming=streaming, version=version, dark=self.dark
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
        document.setDefaultStyleSheet(f"a {{ color: {colors(self.dark)['link']}; }}")
        document.setHtml(markup)
        document.setTextWidth(self._text_width(width))
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

    def _bubble(self, rect: QRect, document: QTextDocument) -> QRect:
        height = int(document.size().height()) + 2 * PADDING
        width = int(document.textWidth()) + 2 * PADDING
        return QRect(rect.left() + MARGIN, rect.top() + MARGIN, width, height)

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        width = self._view.viewport().width()
        document, _ = self.document(index, width)
        return QSize(width, int(document.size().height()) + 2 * (PADDING + MARGIN))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        from domain.entities import Role  # loaded by then: not at start-up

        message: Message = index.data(MESSAGE_ROLE)
        document, _ = self.document(index, self._view.viewport().width())
        bubble = self._bubble(option.rect, document)  # type: ignore[attr-defined]
        bubble_colour = colors(self.dark)["user"]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        if message.role is Role.USER:
            painter.setBrush(QColor(bubble_colour))
            painter.drawRoundedRect(bubble, 10, 10)
        painter.translate(bubble.topLeft() + QPoint(PADDING, PADDING))
        context = QAbstractTextDocumentLayout.PaintContext()
        palette = option.palette  # type: ignore[attr-defined]
        context.palette = palette
        spans = []
        if message.id == self._marked[0]:  # a search hit: its terms, as a marker pen would
            marker = QColor("#7a6420" if self.dark else "#ffe27a")
            spans += [(cursor, marker, None) for cursor in _found(document, self._marked[1])]
        selected = self._view.selected_range(index.row())
        if selected is not None:
            selection = _cursor(document, *selected)
            spans.append((selection, palette.highlight(), palette.highlightedText()))
        context.selections = [_selection(*span) for span in spans]
        document.documentLayout().draw(painter, context)
        painter.restore()

    def _text_origin(self, index: ModelIndex, rect: QRect) -> tuple[QTextDocument, QPoint]:
        document, _ = self.document(index, self._view.viewport().width())
        return document, self._bubble(rect, document).topLeft() + QPoint(PADDING, PADDING)

    def anchor_at(self, index: ModelIndex, rect: QRect, pos: QPoint) -> str:
        document, origin = self._text_origin(index, rect)
        return document.documentLayout().anchorAt(pos - origin) or ""

    def text_range(self, index: ModelIndex) -> tuple[int, int]:
        document, _ = self.document(index, self._view.viewport().width())
        return _text_range(document)

    def position_at(self, index: ModelIndex, rect: QRect, pos: QPoint) -> int:
        """The place in the message's own text nearest to `pos`: its start for a point above
        the text, its end for one below."""
        document, origin = self._text_origin(index, rect)
        start, end = _text_range(document)
        local = pos - origin
        if local.y() < 0:
            return start
        if local.y() >= document.size().height():
            return end
        hit = document.documentLayout().hitTest(local, Qt.HitTestAccuracy.FuzzyHit)
        return min(max(hit, start), end)

    def word_at(self, index: ModelIndex, rect: QRect, pos: QPoint) -> tuple[int, int]:
        from PySide6.QtGui import QTextCursor

        document, _ = self._text_origin(index, rect)
        cursor = QTextCursor(document)
        cursor.setPosition(self.position_at(index, rect, pos))
        cursor.select(QTextCursor.SelectionType.WordUnderCursor)
        return cursor.anchor(), cursor.position()

    def selected_text(self, index: ModelIndex, start: int, end: int) -> str:
        document, _ = self.document(index, self._view.viewport().width())
        return _cursor(document, start, end).selection().toPlainText()

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
