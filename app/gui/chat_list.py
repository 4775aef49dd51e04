"""The sidebar: chats newest first with pinned ones on top, renamed in place."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

if TYPE_CHECKING:
    from domain.entities import Chat, ChatSummary
    from domain.tags import Tag

CHAT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
PINNED_ROLE = Qt.ItemDataRole.UserRole + 2
TAGS_ROLE = Qt.ItemDataRole.UserRole + 3
SHOWN_TAGS = 2
"""Chips drawn at a row's end; more are counted (+2), and named in its tooltip."""
NO_CHATS_TEXT = (
    "No chats yet.\n\nType a message on the right and press Enter to start one, or press Ctrl+N."
)
ModelIndex = QModelIndex | QPersistentModelIndex
ScrollHint = QAbstractItemView.ScrollHint


class ChatListModel(QAbstractListModel):
    rename_requested = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self._chats: list[ChatSummary] = []

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._chats)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._chats):
            return None
        chat = self._chats[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return chat.title
        if role == Qt.ItemDataRole.DecorationRole and chat.pinned:
            from app.gui.icons import resource_icon  # QIcon is not needed for the first paint

            return resource_icon("pin.svg")
        if role == Qt.ItemDataRole.EditRole:
            return chat.title
        if role == Qt.ItemDataRole.ToolTipRole:
            when = chat.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
            tags = f"\nTags: {', '.join(tag.name for tag in chat.tags)}" if chat.tags else ""
            return f"{chat.title}\n{chat.provider} · {chat.model}\nLast active {when}{tags}"
        if role == Qt.ItemDataRole.FontRole and chat.pinned:
            font = QFont()
            font.setBold(True)
            return font
        if role == CHAT_ID_ROLE:
            return chat.id
        if role == PINNED_ROLE:
            return chat.pinned
        if role == TAGS_ROLE:
            return chat.tags
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        title = str(value).strip()
        chat = self._chats[index.row()]
        if not title or title == chat.title:
            return False
        self.rename_requested.emit(chat.id, title)
        return True

    def show(self, chats: Sequence[ChatSummary]) -> None:
        self.beginResetModel()
        self._chats = list(chats)
        self.endResetModel()

    def put(self, summary: ChatSummary) -> None:
        """Add the chat's row, or change it, where the list's order puts it: one row moves,
        the list is not read again, and the selection stays on its chat."""
        from domain.chats import list_order

        old = self.row_of(summary.id)
        others = [chat for chat in self._chats if chat.id != summary.id]
        new = bisect.bisect_left(others, list_order(summary), key=list_order)
        if old < 0:
            self.beginInsertRows(QModelIndex(), new, new)
            self._chats.insert(new, summary)
            self.endInsertRows()
            return
        if new != old:
            # Qt counts the destination before the move: one further down when moving down
            self.beginMoveRows(QModelIndex(), old, old, QModelIndex(), new + (new > old))
            self._chats = others
            self._chats.insert(new, summary)
            self.endMoveRows()
        else:
            self._chats[old] = summary
        self.dataChanged.emit(self.index(new), self.index(new))

    def change(self, chat: Chat) -> None:
        """A chat's title, pin, provider or model changed; its place by activity stays."""
        row = self.row_of(chat.id)
        if row >= 0:
            from domain.chats import summary_of

            self.put(summary_of(chat, active_at=self._chats[row].active_at))

    def remove(self, chat_id: str) -> None:
        row = self.row_of(chat_id)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._chats[row]
            self.endRemoveRows()

    def row_of(self, chat_id: str) -> int:
        return next((row for row, chat in enumerate(self._chats) if chat.id == chat_id), -1)

    def summary(self, row: int) -> ChatSummary:
        return self._chats[row]


class ChatListView(QListView):
    """A list view that tells a new user what to do when there is nothing to list."""

    delete_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatList")
        self.setUniformItemSizes(True)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        # Batched layout sizes the rows by their text: a long title would widen the list
        # past the sidebar; the rows take the sidebar's width, their titles cut with "…".
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSpacing(2)
        # A layout asks the model about every row, from Python: 10,000 chats stalled the
        # window 30 ms at each new or moved row (bench.stall). In batches of 500 rows, one
        # per turn of the event loop, it never does.
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(500)
        self._scroll_when_laid_out: tuple[QPersistentModelIndex, Any] | None = None
        self.setItemDelegate(TaggedRows(self))
        # Blank until the first list arrives: "No chats yet" would be wrong while loading.
        self.empty_text = ""

    def scrollTo(self, index: ModelIndex, hint: Any = ScrollHint.EnsureVisible) -> None:
        if index.isValid() and not self.visualRect(index).isValid():  # not laid out yet
            self._scroll_when_laid_out = (QPersistentModelIndex(index), hint)
            return
        self._scroll_when_laid_out = None
        super().scrollTo(index, hint)

    def updateGeometries(self) -> None:
        """Called as the last batch is laid out: scroll to the row asked for meanwhile."""
        super().updateGeometries()
        if self._scroll_when_laid_out is None:
            return
        row, hint = self._scroll_when_laid_out
        index = QModelIndex(row)  # invalid once its row is gone: then nothing to scroll to
        if not index.isValid() or self.visualRect(index).isValid():
            self._scroll_when_laid_out = None
            if index.isValid():
                super().scrollTo(index, hint)

    def keyPressEvent(self, event: Any) -> None:
        if (
            event.key() == Qt.Key.Key_Delete
            and self.state() != QAbstractItemView.State.EditingState
        ):
            self.delete_pressed.emit()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: Any) -> None:
        model = self.model()
        if model is not None and model.rowCount() == 0 and self.empty_text:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(self.palette().ColorRole.PlaceholderText))
            area = self.viewport().rect().adjusted(16, 16, -16, -16)
            painter.drawText(
                area,
                Qt.AlignmentFlag.AlignTop
                | Qt.AlignmentFlag.AlignHCenter
                | Qt.TextFlag.TextWordWrap,
                self.empty_text,
            )
            return
        super().paintEvent(event)


class TaggedRows(QStyledItemDelegate):
    """A chat's row: its title, and its tags as small chips of their colours at its end."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        tags = index.data(TAGS_ROLE) or ()
        if not tags:
            super().paint(painter, option, index)
            return
        font = QFont(option.font)  # type: ignore[attr-defined]
        font.setPointSizeF(font.pointSizeF() * 0.8)
        metrics = QFontMetrics(font)
        whole: QRect = option.rect  # type: ignore[attr-defined]
        chips = _chips(tags, metrics, whole.width() * 0.45)
        widths = [metrics.horizontalAdvance(text) + 12 for text, _ in chips]
        room = sum(widths) + 4 * len(chips) + 2
        title = QStyleOptionViewItem(option)
        title.rect = whole.adjusted(0, 0, -room, 0)  # type: ignore[attr-defined]
        widget = option.widget  # type: ignore[attr-defined]
        style = widget.style() if widget else None
        if style is not None:  # the row's background (selected, hovered) under the chips too
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter,
                                widget)  # fmt: skip
        super().paint(painter, title, index)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(font)
        left = whole.right() - room + 4
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        on_selection = option.palette.color(option.palette.ColorRole.HighlightedText)  # type: ignore[attr-defined]
        for (text, shade), width in zip(chips, widths, strict=True):
            colour = on_selection if selected else QColor(shade)
            chip = QRect(left, whole.center().y() - metrics.height() // 2 - 1, width,
                         metrics.height() + 2)  # fmt: skip
            fill = QColor(colour)
            fill.setAlpha(48)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(chip, chip.height() / 2, chip.height() / 2)
            painter.setPen(colour)
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, text)
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
