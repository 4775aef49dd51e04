"""The message list: a model holding the newest page of the visible branch, a delegate
that paints each message as a Markdown document with action links, and the view.

Variable-height rows make a long QListView slow, so only a page is loaded at first and
older pages arrive as the user scrolls up (DESIGN.md §8).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAbstractTextDocumentLayout, QColor, QMouseEvent, QPainter, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyledItemDelegate,
    QWidget,
)

from app.gui.message_html import colors, message_html

if TYPE_CHECKING:
    from PySide6.QtGui import QKeyEvent, QTextCursor
    from PySide6.QtWidgets import QStyleOptionViewItem

    from domain.entities import Message

MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1
VERSION_ROLE = Qt.ItemDataRole.UserRole + 2
MARGIN = 8
PADDING = 12
MAX_TEXT_WIDTH = 860
ModelIndex = QModelIndex | QPersistentModelIndex


class MessageListModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self.chat_id: str | None = None
        self._messages: list[Message] = []
        self._older_ids: list[str] = []
        self._versions: Mapping[str, tuple[int, int]] = {}
        self._rows: dict[str, int] | None = None  # row of each message id, made on demand

    # -- Qt model API
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._messages)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._messages):
            return None
        message = self._messages[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return message.content if role == Qt.ItemDataRole.DisplayRole else None
        if role == MESSAGE_ROLE:
            return message
        if role == VERSION_ROLE:
            return self._versions.get(message.id)
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled if index.isValid() else Qt.ItemFlag.NoItemFlags

    # -- Primer API
    def show(
        self,
        chat_id: str | None,
        messages: Sequence[Message],
        older_ids: Sequence[str],
        versions: Mapping[str, tuple[int, int]] | None = None,
    ) -> None:
        """`versions`: (place, count) of each message that has other versions."""
        self.beginResetModel()
        self.chat_id = chat_id
        self._messages = list(messages)
        self._older_ids = list(older_ids)
        self._versions = versions or {}
        self._rows = None
        self.endResetModel()

    def depth(self, row: int) -> int:
        """How far down the branch this row is, counting pages not loaded yet."""
        return len(self._older_ids) + row

    def message(self, row: int) -> Message:
        return self._messages[row]

    def messages(self) -> list[Message]:
        return list(self._messages)

    def row_of(self, message_id: str) -> int:
        if self._rows is None:
            self._rows = {message.id: row for row, message in enumerate(self._messages)}
        return self._rows.get(message_id, -1)

    def has_older(self) -> bool:
        return bool(self._older_ids)

    def older_page(self, size: int) -> list[str]:
        return self._older_ids[-size:]

    def prepend(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        first_id = messages[0].id
        keep = self._older_ids.index(first_id) if first_id in self._older_ids else 0
        self.beginInsertRows(QModelIndex(), 0, len(messages) - 1)
        self._messages[:0] = messages
        self._rows = None
        self._older_ids = self._older_ids[:keep]
        self.endInsertRows()

    def replace(self, message: Message) -> None:
        row = self.row_of(message.id)
        if row >= 0:
            self._messages[row] = message
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def set_text(self, message_id: str, text: str) -> None:
        row = self.row_of(message_id)
        if row >= 0 and self._messages[row].content != text:
            self.replace(dataclasses.replace(self._messages[row], content=text))


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


class MessageDelegate(QStyledItemDelegate):
    """Paints a message and turns clicks on its links into `action(name, message_id, arg)`."""

    action = Signal(str, str, str)

    def __init__(self, view: ConversationView, *, dark: bool = False) -> None:
        super().__init__(view)
        self._view = view
        self.dark = dark
        self._cache: OrderedDict[tuple[Any, ...], tuple[QTextDocument, tuple[str, ...]]] = (
            OrderedDict()
        )

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
        document = QTextDocument()
        document.setDocumentMargin(0)
        document.setDefaultFont(self._view.font())
        document.setDefaultStyleSheet(f"a {{ color: {colors(self.dark)['link']}; }}")
        document.setHtml(markup)
        document.setTextWidth(self._text_width(width))
        self._cache[key] = (document, blocks)
        if len(self._cache) > 400:
            self._cache.popitem(last=False)
        return document, blocks

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
        selected = self._view.selected_range(index.row())
        if selected is not None:
            from PySide6.QtGui import QTextCharFormat

            highlight = QAbstractTextDocumentLayout.Selection()
            highlight.cursor = _cursor(document, *selected)
            highlight.format = QTextCharFormat()
            highlight.format.setBackground(palette.highlight())
            highlight.format.setForeground(palette.highlightedText())
            context.selections = [highlight]
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
        elif anchor.startswith("copy-code:"):
            _, blocks = self.document(index, self._view.viewport().width())
            number = int(anchor.removeprefix("copy-code:"))
            if 0 <= number < len(blocks):
                self.action.emit("copy-code", message.id, blocks[number])
        else:
            self.action.emit("open-link", message.id, anchor)


class TextPoint(NamedTuple):
    """A place in a message's text, as a position in its document."""

    message_id: str
    position: int


class TextSelection(NamedTuple):
    """Text selected with the mouse, from where the drag began to where it is now: inside
    one message or across several."""

    anchor: TextPoint
    focus: TextPoint


class ConversationView(QListView):
    """Keeps to the bottom while a reply streams, unless the user has scrolled up; lets the
    user select text with the mouse, in one message or across several, and copy it."""

    near_top = Signal()
    typed = Signal(str)
    """Text typed while the conversation has focus: it belongs in the composer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversation")
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(False)
        self.setMouseTracking(True)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.empty_text = ""
        self.follow = True
        self.selection: TextSelection | None = None
        self.selecting = False
        self._drag_point = QPoint()
        self._drag_scroll = QTimer(self)
        self._drag_scroll.setInterval(30)
        self._drag_scroll.timeout.connect(self._scroll_while_dragging)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.verticalScrollBar().rangeChanged.connect(self._range_changed)

    def setModel(self, model: Any) -> None:
        super().setModel(model)
        model.modelReset.connect(self.clear_selection)

    # -- text selection
    def _delegate(self) -> MessageDelegate:
        delegate = self.itemDelegate()
        assert isinstance(delegate, MessageDelegate)
        return delegate

    def _model(self) -> MessageListModel:
        model = self.model()
        assert isinstance(model, MessageListModel)
        return model

    def _selected_rows(self) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """The selection's ends as (row, position), the first in reading order first."""
        if self.selection is None:
            return None
        model = self._model()
        first, last = sorted((model.row_of(end.message_id), end.position) for end in self.selection)
        return None if first[0] < 0 else (first, last)

    def selected_range(self, row: int) -> tuple[int, int] | None:
        """What is selected of the message in `row`, as positions in its document."""
        ends = self._selected_rows()
        if ends is None or not ends[0][0] <= row <= ends[1][0]:
            return None
        (first, start), (last, end) = ends
        text_start, text_end = self._delegate().text_range(self._model().index(row))
        return (start if row == first else text_start), (end if row == last else text_end)

    def selected_text(self) -> str:
        ends = self._selected_rows()
        if ends is None:
            return ""
        delegate, model = self._delegate(), self._model()
        parts = []
        for row in range(ends[0][0], ends[1][0] + 1):
            start, end = self.selected_range(row) or (0, 0)
            parts.append(delegate.selected_text(model.index(row), start, end))
        return "\n\n".join(part for part in parts if part)

    def copy_selection(self) -> None:
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.clipboard().setText(self.selected_text())

    def clear_selection(self) -> None:
        if self.selection is not None:
            self.selection = None
            self.viewport().update()

    def _select(self, anchor: TextPoint, focus: TextPoint) -> None:
        self.selection = TextSelection(anchor, focus)
        self.viewport().update()

    def select_all_text(self) -> None:
        """Every message shown (older pages not loaded yet stay out)."""
        model, delegate = self._model(), self._delegate()
        last = model.rowCount() - 1
        if last >= 0:
            start = TextPoint(model.message(0).id, delegate.text_range(model.index(0))[0])
            end = TextPoint(model.message(last).id, delegate.text_range(model.index(last))[1])
            self._select(start, end)

    def _text_point(self, point: QPoint) -> TextPoint | None:
        """The place in the messages' text nearest to `point` (viewport coordinates)."""
        model = self._model()
        if model.rowCount() == 0:
            return None
        point = QPoint(point.x(), min(max(point.y(), 0), self.viewport().height() - 1))
        index = self.indexAt(point)
        if not index.isValid():  # under the last message
            index = model.index(model.rowCount() - 1)
        place = self._delegate().position_at(index, self.visualRect(index), point)
        return TextPoint(model.message(index.row()).id, place)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        index = self.indexAt(point)
        if event.button() == Qt.MouseButton.LeftButton:
            self.clear_selection()  # (a right click keeps it, for the menu's Copy)
            delegate = self._delegate()
            link = index.isValid() and delegate.anchor_at(index, self.visualRect(index), point)
            start = None if link else self._text_point(point)
            if start is not None:
                self._select(start, start)
                self.selecting = True
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.selecting and self.selection is not None:
            self._drag_point = event.position().toPoint()
            self._extend_selection()
            outside = not 0 <= self._drag_point.y() < self.viewport().height()
            if outside and not self._drag_scroll.isActive():
                self._drag_scroll.start()
        super().mouseMoveEvent(event)

    def _extend_selection(self) -> None:
        end = self._text_point(self._drag_point)
        if self.selection is not None and end is not None:
            self._select(self.selection.anchor, end)

    def _scroll_while_dragging(self) -> None:
        """Dragging above or below the messages scrolls them, faster the further it goes."""
        y, height = self._drag_point.y(), self.viewport().height()
        step = y if y < 0 else y - height + 1 if y >= height else 0
        if not self.selecting or step == 0:
            self._drag_scroll.stop()
            return
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + max(-60, min(60, step)))
        self._extend_selection()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_scroll.stop()
        dragged = self.selection is not None and self.selection.anchor != self.selection.focus
        self.selecting = dragged  # the end of a drag does not click the link under it
        if not dragged:
            self.clear_selection()  # a plain click: links act, nothing stays selected
        super().mouseReleaseEvent(event)
        self.selecting = False

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        index = self.indexAt(point)
        if event.button() == Qt.MouseButton.LeftButton and index.isValid():
            start, end = self._delegate().word_at(index, self.visualRect(index), point)
            message_id = self._model().message(index.row()).id
            self._select(TextPoint(message_id, start), TextPoint(message_id, end))
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        from PySide6.QtGui import QKeySequence

        if event.matches(QKeySequence.StandardKey.Copy) and self.selection is not None:
            self.copy_selection()
            return
        if event.matches(QKeySequence.StandardKey.SelectAll):
            self.select_all_text()
            return
        text, shift = event.text(), Qt.KeyboardModifier.ShiftModifier
        if text and text.isprintable() and not event.modifiers() & ~shift:
            self.typed.emit(text)
            return
        super().keyPressEvent(event)

    def _scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self.follow = value >= bar.maximum() - 4
        if value <= 40 and bar.maximum() > 0:
            self.near_top.emit()

    def _range_changed(self, _minimum: int, maximum: int) -> None:
        if self.follow:
            self.verticalScrollBar().setValue(maximum)

    def scroll_to_end(self) -> None:
        self.follow = True
        self.scrollToBottom()

    def paintEvent(self, event: Any) -> None:
        model = self.model()
        if model is not None and model.rowCount() == 0 and self.empty_text:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(self.palette().ColorRole.PlaceholderText))
            area = self.viewport().rect().adjusted(40, 40, -40, -40)
            painter.drawText(
                area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_text
            )
            return
        super().paintEvent(event)
