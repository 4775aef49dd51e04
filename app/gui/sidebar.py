"""The sidebar: the New chat button and the chat list, and what is done to a chat from it
(open, rename, pin, delete and Undo). Changes arrive as what the use case says changed,
one row at a time; the whole list is read only at start-up and after a restore."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMenu,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.chat_list import CHAT_ID_ROLE, NO_CHATS_TEXT, ChatListModel, ChatListView
from app.gui.operations import Op
from app.gui.search import SearchField
from app.gui.search_options import SearchOptions
from domain.tags import Tag, same_name

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow
    from domain.entities import Chat, ChatSummary


class Sidebar(QWidget):
    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.model = ChatListModel()
        self.view = ChatListView()
        self.view.setModel(self.model)
        self.setObjectName("sidebar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.new_chat_button = QPushButton("New chat")
        self.new_chat_button.setObjectName("newChat")
        self.new_chat_button.setToolTip("Start a new chat (Ctrl+N)")
        self.new_chat_button.clicked.connect(window.new_chat)
        self.search_field = SearchField()
        self.showing_archived = False
        self.showing_tag: str | None = None
        """The tag whose chats the list shows (Chat → Show chats tagged), or None: all."""
        self.archive_label = QLabel()
        self.archive_label.setContentsMargins(4, 4, 0, 0)
        self.archive_label.hide()
        self.results = QListWidget()
        self.results.setObjectName("searchResults")
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field keeps the keys
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setWordWrap(True)  # the notes above the hits are sentences
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.results)
        self.backup_button = QToolButton()  # its action: BackupController's Backup now
        self.backup_button.setObjectName("backupButton")
        self.backup_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.backup_button.setAutoRaise(True)
        self.settings_button = QToolButton()
        self.settings_button.setObjectName("settingsButton")
        self.settings_button.setAutoRaise(True)
        self.settings_button.setToolTip("Settings: providers, keys, look (Ctrl+,)")
        self.settings_button.setAccessibleName("Settings")
        self.settings_button.clicked.connect(window.open_settings)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 8, 8)
        layout.setSpacing(8)
        layout.addWidget(self.new_chat_button)
        self.search_options = SearchOptions()
        search_row = QHBoxLayout()
        search_row.addWidget(self.search_field, 1)
        search_row.addWidget(self.search_options)
        layout.addLayout(search_row)
        from app.gui.meaning import SearchModes

        self.search_modes = SearchModes()
        self.search_modes.hide()
        layout.addWidget(self.search_modes)
        layout.addWidget(self.archive_label)
        layout.addWidget(self.stack, 1)
        footer = QHBoxLayout()
        footer.addWidget(self.backup_button)
        footer.addStretch(1)
        footer.addWidget(self.settings_button)
        layout.addLayout(footer)
        self.view.selectionModel().currentChanged.connect(self._chosen)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.delete_pressed.connect(self.delete_current)
        self.model.rename_requested.connect(self._rename)

    def set_icons(self) -> None:
        """(After the first paint: the icons' SVG renderer is not needed for it.)"""
        from app.gui.icons import line_icon

        self.new_chat_button.setIcon(line_icon("plus"))
        self.search_field.set_icon(line_icon("search"))
        self.search_options.setIcon(line_icon("sliders-horizontal"))
        self.search_options.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.settings_button.setIcon(line_icon("settings"))

    def show_results(self, shown: bool) -> None:
        """Search results in place of the chat list, or the list back as it was."""
        self.stack.setCurrentWidget(self.results if shown else self.view)
        if not shown:
            self.search_modes.hide()  # (shown with the results: Search says when)

    # ---------------------------------------------------------------- the list
    def refresh(self, select: str | None = None) -> None:
        """Read the whole list (start-up, a restore); `select` the chat to show."""
        primer = self.window.primer
        assert primer is not None
        wanted = select or self.window.current_chat_id
        Op(primer.list_chats, archived=self.showing_archived, tag=self.showing_tag).success(
            lambda chats: self._show(chats, wanted)
        ).on_store(self.window.lane)

    def show_archived(self, shown: bool) -> None:
        """The archived chats in place of the list, or the list back."""
        self.showing_archived = shown
        self._show_view()

    def show_tagged(self, tag: str | None) -> None:
        """Only the chats carrying `tag`, or all of them (None)."""
        self.showing_tag = tag
        self._show_view()

    def _show_view(self) -> None:
        what = "Archived chats" if self.showing_archived else ""
        if self.showing_tag:
            tagged = f"tagged “{html.escape(self.showing_tag)}”"
            what = f"{what} {tagged}" if what else f"Chats {tagged}"
        self.archive_label.setText(f"<b>{what}</b>")
        self.archive_label.setToolTip("Chat → Show archived chats, and Chat → Show chats "
                                      "tagged → All chats, return to the chat list")  # fmt: skip
        self.archive_label.setVisible(bool(what))
        self.refresh()

    def belongs(self, archived: bool, tags: tuple[Tag, ...]) -> bool:
        """Whether a chat so archived and tagged is one this view lists."""
        tagged = self.showing_tag is None or any(same_name(t.name, self.showing_tag) for t in tags)
        return archived == self.showing_archived and tagged

    def _show(self, chats: list[ChatSummary], select: str | None) -> None:
        if self.view.state() == self.view.State.EditingState:
            # Resetting the model now would throw away a rename being typed.
            QTimer.singleShot(250, lambda: self._show(chats, select))
            return
        self.view.empty_text = NO_CHATS_TEXT
        if self.showing_archived or self.showing_tag:
            self.view.empty_text = "No archived chats." if not self.showing_tag else (
                "No chats carry this tag.")  # fmt: skip
        self.model.show(chats)
        row = self.model.row_of(select) if select else -1
        if row >= 0:
            self._select_row(row)
        if row >= 0 and select != self.window.current_chat_id:
            self.window.open_chat(select)  # type: ignore[arg-type]
        self.window.chats_loaded.emit()

    def put(self, summary: ChatSummary) -> None:
        """Put the chat's row where the list's order says, keeping the chat on screen
        selected."""
        if not self.belongs(summary.archived, summary.tags):  # not this view's
            self.model.remove(summary.id)
        else:
            self.model.put(summary)
        self._after_change(summary.id)

    def changed(self, chat: Chat) -> None:
        """A chat's title, pin, archive, provider or model changed."""
        if not self.belongs(chat.archived, chat.tags):  # archived, untagged…: not here
            self.model.remove(chat.id)
        elif self.model.row_of(chat.id) < 0:
            from domain.chats import summary_of

            self.model.put(summary_of(chat, active_at=chat.updated_at))
        else:
            self.model.change(chat)
        if chat.id == self.window.current_chat_id:
            self.window.title_label.setText(chat.title)
        self._after_change(chat.id)

    def show_current(self) -> None:
        """Select the chat on screen, if the list has it."""
        row = self.model.row_of(self.window.current_chat_id or "")
        if row >= 0:
            self._select_row(row)

    def _after_change(self, chat_id: str) -> None:
        if chat_id == self.window.current_chat_id:
            self._select_row(self.model.row_of(chat_id))
        self.window.chats_loaded.emit()

    def _select_row(self, row: int) -> None:
        selection = self.view.selectionModel()
        selection.blockSignals(True)  # selecting the chat on screen must not open it again
        selection.setCurrentIndex(self.model.index(row), selection.SelectionFlag.ClearAndSelect)
        selection.blockSignals(False)

    def clear_selection(self) -> None:
        selection = self.view.selectionModel()
        selection.clearSelection()
        selection.setCurrentIndex(QModelIndex(), selection.SelectionFlag.Clear)

    def _chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        chat_id = current.data(CHAT_ID_ROLE) if current.isValid() else None
        if chat_id and chat_id != self.window.current_chat_id:
            self.window.open_chat(chat_id)

    def current_summary(self) -> ChatSummary | None:
        """The list's row of the chat on screen."""
        chat_id = self.window.current_chat_id
        row = self.model.row_of(chat_id) if chat_id else -1
        return self.model.summary(row) if row >= 0 else None

    # ---------------------------------------------------------------- actions on a chat
    def rename_current(self) -> None:
        chat_id = self.window.current_chat_id
        row = self.model.row_of(chat_id) if chat_id else -1
        if row >= 0:
            self.view.edit(self.model.index(row))

    def _rename(self, chat_id: str, title: str) -> None:
        self.window.update_chat(chat_id, title=title)

    def toggle_pin(self) -> None:
        summary = self.current_summary()
        if summary is not None:
            self.window.update_chat(summary.id, pinned=not summary.pinned)

    def add_archive_actions(self, menu: QMenu) -> None:
        """Chat → Archive or unarchive, and Show archived chats (a view to switch to)."""
        self.archive_action = menu.addAction("&Archive or unarchive")
        self.archive_action.triggered.connect(self.toggle_archived)
        self.archived_view = menu.addAction("Show arc&hived chats")
        self.archived_view.setCheckable(True)
        self.archived_view.toggled.connect(self.show_archived)

    def toggle_archived(self) -> None:
        summary = self.current_summary()
        if summary is not None:
            self.window.update_chat(summary.id, archived=not summary.archived)

    def delete_current(self) -> None:
        summary = self.current_summary()
        window = self.window
        primer = window.primer
        if summary is None or primer is None:
            return
        window.replies.stop_chat(summary.id)

        def deleted(_: object) -> None:
            window.new_chat(focus=False)
            self.model.remove(summary.id)
            window.chats_loaded.emit()
            window.message_bar.show_message(
                f"Deleted “{summary.title}”.",
                kind="info",
                timeout_ms=15000,
                action=("Undo", lambda: self._undo_delete(summary.id)),
            )

        Op(primer.delete_chat, summary.id).success(deleted).on_store(window.lane)

    def _undo_delete(self, chat_id: str) -> None:
        primer = self.window.primer
        assert primer is not None
        Op(primer.delete_chat.undo, chat_id).success(self._undone).on_store(self.window.lane)

    def _undone(self, summary: ChatSummary) -> None:
        self.model.put(summary)
        self.window.open_chat(summary.id)
        self._after_change(summary.id)

    def _menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        self.view.setCurrentIndex(index)
        menu = QMenu(self)
        menu.addAction("Rename", self.rename_current)
        pinned = self.model.summary(index.row()).pinned
        menu.addAction("Unpin" if pinned else "Pin to top", self.toggle_pin)
        archived = self.model.summary(index.row()).archived
        menu.addAction("Unarchive" if archived else "Archive", self.toggle_archived)
        menu.addAction("Tags…", self.window.tags.edit)
        menu.addSeparator()
        menu.addAction("Delete", self.delete_current)
        menu.popup(self.view.viewport().mapToGlobal(pos))
