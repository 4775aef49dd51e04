"""The messages of the chat on screen: the newest page of the visible branch, with older
pages added as the user scrolls up (a long QListView of variable-height rows is slow, so
the whole branch is never loaded at once, DESIGN.md §8)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

if TYPE_CHECKING:
    from domain.entities import Message
    from domain.notes import Note

MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1
VERSION_ROLE = Qt.ItemDataRole.UserRole + 2
NOTES_ROLE = Qt.ItemDataRole.UserRole + 3
"""The notes on a message (domain/notes.py), oldest first."""
ModelIndex = QModelIndex | QPersistentModelIndex


class MessageListModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self.chat_id: str | None = None
        self._messages: list[Message] = []
        self._older_ids: list[str] = []
        self.newer_ids: list[str] = []
        self._versions: Mapping[str, tuple[int, int]] = {}
        self._rows: dict[str, int] | None = None  # row of each message id, made on demand
        self._notes: dict[str, tuple[Note, ...]] = {}

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
        if role == NOTES_ROLE:
            return self._notes.get(message.id, ())
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
        newer_ids: Sequence[str] = (),
    ) -> None:
        """`versions`: (place, count) of each message that has other versions; `newer_ids`:
        the branch after these messages, when they are not its newest (a search hit)."""
        self.beginResetModel()
        if chat_id != self.chat_id:
            self._notes = {}  # (the chat's own are read after its messages)
        self.chat_id = chat_id
        self._messages = list(messages)
        self._older_ids = list(older_ids)
        self.newer_ids = list(newer_ids)
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

    def branch_ids(self) -> list[str]:
        """Every message of the branch shown, loaded or not, oldest first."""
        return [*self._older_ids, *(m.id for m in self._messages), *self.newer_ids]

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

    def branch_off(
        self, parent_id: str | None, messages: Sequence[Message], version: tuple[int, int] | None
    ) -> bool:
        """Go on from `parent_id` with `messages` (a send, an edit, a regenerate): the rows
        after the parent leave, the new ones come in, nothing is read again. False if the
        parent is not on the branch shown (the caller then loads the chat)."""
        if self.newer_ids:
            return False  # the newest messages are not loaded: the caller loads the chat
        if parent_id is None:
            keep_rows, keep_older = 0, 0
        elif (row := self.row_of(parent_id)) >= 0:
            keep_rows, keep_older = row + 1, len(self._older_ids)
        elif parent_id in self._older_ids:
            keep_rows, keep_older = 0, self._older_ids.index(parent_id) + 1
        else:
            return False
        self._older_ids = self._older_ids[:keep_older]
        if keep_rows < len(self._messages):
            self.beginRemoveRows(QModelIndex(), keep_rows, len(self._messages) - 1)
            del self._messages[keep_rows:]
            self._rows = None
            self.endRemoveRows()
        first = len(self._messages)
        self.beginInsertRows(QModelIndex(), first, first + len(messages) - 1)
        self._messages.extend(messages)
        self._rows = None
        if version is not None:
            self._versions = {**self._versions, messages[0].id: version}
        self.endInsertRows()
        if first > 0:  # the row that was last is last no more: its links change
            self.dataChanged.emit(self.index(first - 1), self.index(first - 1))
        return True

    def append(self, messages: Sequence[Message]) -> None:
        """The next newer page (scrolled down to, after a search hit far up)."""
        if not messages:
            return
        first = len(self._messages)
        self.beginInsertRows(QModelIndex(), first, first + len(messages) - 1)
        self._messages.extend(messages)
        self._rows = None
        shown = {message.id for message in messages}
        self.newer_ids = [i for i in self.newer_ids if i not in shown]
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

    def set_notes(self, chat_id: str, notes: Sequence[Note]) -> None:
        """The chat's notes, read after its messages; their messages are laid out anew."""
        if chat_id != self.chat_id:
            return
        by_message: dict[str, tuple[Note, ...]] = {}
        for note in sorted(notes, key=lambda n: n.created_at):
            by_message[note.message_id] = (*by_message.get(note.message_id, ()), note)
        if by_message != self._notes:
            self.layoutAboutToBeChanged.emit()
            self._notes = by_message
            self.layoutChanged.emit()
