"""The sidebar's chat list: pinned chats on top, then the rest newest first under date
headings (Today, Yesterday, Previous 7 days, …); each row its title, and under it how long
ago, the model and the chat's tags. Renamed in place."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QWidget,
)

if TYPE_CHECKING:
    from domain.entities import Chat, ChatSummary
    from domain.recency import DateGroups

CHAT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
PINNED_ROLE = Qt.ItemDataRole.UserRole + 2
TAGS_ROLE = Qt.ItemDataRole.UserRole + 3
HEADING_ROLE = Qt.ItemDataRole.UserRole + 4
"""The date heading a row begins (Today, Yesterday…), or None: it is under the one above."""
WHEN_ROLE = Qt.ItemDataRole.UserRole + 5
"""How long ago the chat was active, in a word or two (5 min, Yesterday, 12 Oct)."""
MODEL_ROLE = Qt.ItemDataRole.UserRole + 6
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
        self.now = _now()
        """The moment the headings and times are worked out from (see `tick`)."""
        self._groups: DateGroups | None = None

    def tick(self) -> None:
        """The clock moved on: times are read anew when drawn, and at a new day the
        headings move (the rows are laid out again under them)."""
        now = _now()
        new_day = now.astimezone().date() != self.now.astimezone().date()
        self.now = now
        if new_day:
            self._groups = None
        if new_day and self._chats:
            self.layoutAboutToBeChanged.emit()
            self.layoutChanged.emit()

    def heading(self, row: int) -> str:
        from domain.recency import PINNED, DateGroups

        if self._groups is None:
            self._groups = DateGroups(self.now)
        chat = self._chats[row]
        return PINNED if chat.pinned else self._groups.of(chat.active_at or chat.updated_at)

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
        if role == HEADING_ROLE:
            heading = self.heading(index.row())
            return heading if index.row() == 0 or heading != self.heading(index.row() - 1) else None
        if role == WHEN_ROLE:
            from domain.recency import relative_time

            return relative_time(chat.active_at or chat.updated_at, _now())
        if role == MODEL_ROLE:
            return chat.model
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
        self.setUniformItemSizes(False)  # a row that begins a date heading is taller
        self.setMouseTracking(True)  # the row under the mouse is lit
        self.setFrameShape(QListView.Shape.NoFrame)
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
        # A layout asks the model about every row, from Python: 10,000 chats stalled the
        # window 30 ms at each new or moved row (bench.stall). In batches, one per turn of
        # the event loop, it never does; rows of two heights (a date heading above some)
        # cost more to place, so a batch is 100 rows (500 stalled a streaming reply 40 to
        # 120 ms, bench.stall).
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(100)
        self._scroll_when_laid_out: tuple[QPersistentModelIndex, Any] | None = None
        from app.gui.chat_rows import ChatRows

        self.setItemDelegate(ChatRows(self))
        # Blank until the first list arrives: "No chats yet" would be wrong while loading.
        self.empty_text = ""
        self._clock = QTimer(self)  # "5 min" becomes "6 min"; at midnight, Today, Yesterday
        self._clock.setInterval(60_000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()

    def _tick(self) -> None:
        model = self.model()
        if isinstance(model, ChatListModel):
            model.tick()
        self.viewport().update()

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


def _now() -> datetime:
    from domain.clock import utc_now

    return utc_now()
