"""The conversation view: keeps to the newest message while a reply streams, and lets the
user select text with the mouse, in one message or across several, and copy it. The
model is `message_model.py`, the painting `message_delegate.py`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QPainter
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from app.gui.message_delegate import MessageDelegate
from app.gui.message_model import MessageListModel

if TYPE_CHECKING:
    from PySide6.QtGui import QKeyEvent, QWheelEvent

_INSIDE = QPoint(24, 24)
"""A point inside a message, from its top left: where its menu opens from the keyboard."""
SIDEWAYS_STEP = 60
"""Pixels a wide code block moves for a notch of the wheel."""


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
    near_bottom = Signal()
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
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab reaches it: PgUp, PgDn, Home, End
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.empty_text = ""
        self.follow = True
        self.selection: TextSelection | None = None
        self.selecting = False
        self.hovered_row = -1
        """The message under the mouse: its actions show."""
        self.keyboard_current = False
        """Whether the current message was reached from the keyboard (it is then ringed)."""
        self._drag_point = QPoint()
        self._drag_scroll = QTimer(self)
        self._drag_scroll.setInterval(30)
        self._drag_scroll.timeout.connect(self._scroll_while_dragging)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.verticalScrollBar().rangeChanged.connect(self._range_changed)

    def set_ready(self, ready: bool) -> None:
        """What an empty chat says: how to start, or first how to add a provider."""
        self.empty_text = (
            "Ask anything. Type below and press Enter."
            if ready
            else "Welcome to Primer.\n\nAdd an API key for OpenAI or Gemini in Settings (Ctrl+,), "
            "or add a local server such as Ollama, then type below and press Enter."
        )
        self.viewport().update()

    def setModel(self, model: Any) -> None:
        super().setModel(model)
        model.modelReset.connect(self.clear_selection)
        model.modelReset.connect(lambda: self._hover(-1))

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
        self.keyboard_current = False
        if event.button() == Qt.MouseButton.LeftButton:
            self.clear_selection()  # (a right click keeps it, for the menu's Copy)
            delegate = self._delegate()
            link = index.isValid() and delegate.anchor_at(index, self.visualRect(index), point)
            start = None if link else self._text_point(point)
            if start is not None:
                self._select(start, start)
                self.selecting = True
        super().mousePressEvent(event)

    def _hover(self, row: int) -> None:
        if row != self.hovered_row:
            model, old = self.model(), self.hovered_row
            self.hovered_row = row
            for changed in (old, row):
                if model is not None and 0 <= changed < model.rowCount():
                    self.viewport().update(self.visualRect(model.index(changed, 0)))

    def leaveEvent(self, event: Any) -> None:
        self._hover(-1)
        super().leaveEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._hover(self.indexAt(event.position().toPoint()).row())
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
        current = self.currentIndex()
        self.keyboard_current = True
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and not current.isValid():
            self._current_to_newest()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and current.isValid():
            # the message's actions (Copy, Edit, Regenerate…), as its right-click menu
            self.customContextMenuRequested.emit(self.visualRect(current).topLeft() + _INSIDE)
            return
        super().keyPressEvent(event)

    def _current_to_newest(self) -> None:
        model = self.model()
        if model is not None and model.rowCount():
            self.setCurrentIndex(model.index(model.rowCount() - 1, 0))

    def focusInEvent(self, event: Any) -> None:
        """From the keyboard, a message is current (the newest first): Up and Down move
        among them, Enter or the menu key opens its actions; it is ringed and its
        actions show."""
        had_current = self.currentIndex().isValid()
        super().focusInEvent(event)  # (Qt makes the first message current)
        reason = event.reason()
        self.keyboard_current = reason in (Qt.FocusReason.TabFocusReason,
                                           Qt.FocusReason.BacktabFocusReason)  # fmt: skip
        if not had_current and self.keyboard_current:  # (a click: where it was clicked)
            self._current_to_newest()
        self.viewport().update()

    def focusOutEvent(self, event: Any) -> None:
        super().focusOutEvent(event)
        self.viewport().update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        """A sideways wheel (or Shift with the wheel) over a wide code block or table
        scrolls it; any other wheel scrolls the conversation."""
        delta = event.angleDelta()
        sideways = delta.x() or (
            delta.y() if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 0
        )
        point = event.position().toPoint()
        index = self.indexAt(point)
        if sideways and index.isValid():
            pixels = -sideways / 120 * SIDEWAYS_STEP
            if self._delegate().scroll_sideways(index, self.visualRect(index), point, pixels):
                self.viewport().update(self.visualRect(index))
                event.accept()
                return
        super().wheelEvent(event)

    def _scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        # (at the end of a page that is not the newest, newer pages load, nothing follows)
        self.follow = value >= bar.maximum() - 4 and not self._model().newer_ids
        if value <= 40 and bar.maximum() > 0:
            self.near_top.emit()
        if value >= bar.maximum() - 40 and bar.maximum() > 0:
            self.near_bottom.emit()

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
