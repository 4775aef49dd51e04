"""What can be done to a message on screen: copy it or its code, edit it (a new branch),
regenerate a reply, switch versions, open a link; from its links or its right-click menu."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMenu

from app.gui.message_model import VERSION_ROLE

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow


class MessageActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.editing_message_id: str | None = None
        """The user message being edited in the composer; Enter sends it as a new branch."""

    def act(self, name: str, message_id: str, argument: str) -> None:
        window = self.window
        row = window.message_model.row_of(message_id)
        if row < 0:
            return
        message = window.message_model.message(row)
        clipboard = QGuiApplication.clipboard()
        if name == "copy":
            clipboard.setText(message.content)
            window.statusBar().showMessage("Message copied.", 3000)
        elif name == "copy-code":
            clipboard.setText(argument)
            window.statusBar().showMessage("Code copied.", 3000)
        elif name == "edit":
            self.editing_message_id = message.id
            window.composer.setPlainText(message.content)
            window.composer.setFocus()
            window.edit_banner.setText(
                "Editing your message: Enter sends it as a new branch "
                "(the original is kept). Esc cancels."
            )
            window.edit_banner.show()
        elif name == "regenerate":
            window.replies.regenerate(message.id)
        elif name == "settings":
            window.open_settings()
        elif name in ("older-version", "newer-version"):
            window.switch_version(message.id, -1 if name == "older-version" else 1)
        elif name in ("open-file", "save-file") and argument.isdigit():
            if int(argument) < len(message.attachments):
                attachment = message.attachments[int(argument)]
                window.attacher.open(attachment, save=name == "save-file")
        elif name == "note-edit":
            window.notes.edit(argument)
        elif name == "note-delete":
            window.notes.delete(argument)
        elif name == "open-link" and QUrl(argument).scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(QUrl(argument))

    def regenerate_last(self) -> None:
        messages = self.window.message_model.messages()
        if messages and messages[-1].role.value == "assistant":
            self.act("regenerate", messages[-1].id, "")

    def menu(self, pos: QPoint) -> None:
        window = self.window
        view = window.conversation
        index = view.indexAt(pos)
        if not index.isValid():
            return
        message = window.message_model.message(index.row())
        idle = window.replies.active is None
        menu = QMenu(window)
        selected = view.selected_range(index.row())
        if selected is not None:
            menu.addAction("Copy", view.copy_selection)
        menu.addAction("Copy message", lambda: self.act("copy", message.id, ""))
        if message.role.value == "user":
            menu.addAction("Edit…", lambda: self.act("edit", message.id, ""))
        elif index.row() == window.message_model.rowCount() - 1 and idle:
            menu.addAction("Regenerate", lambda: self.act("regenerate", message.id, ""))
        version = index.data(VERSION_ROLE)
        if version is not None and idle:
            place, count = version
            menu.addSeparator()
            older = menu.addAction("Older version", lambda: window.switch_version(message.id, -1))
            older.setEnabled(place > 1)
            newer = menu.addAction("Newer version", lambda: window.switch_version(message.id, 1))
            newer.setEnabled(place < count)
        menu.addSeparator()
        chosen = window.delegate.selected_text(index, *selected) if selected else ""
        window.notes.add_menu_entries(menu, message, chosen)
        menu.addAction("Find similar", lambda: window.search.similar(message.id))
        menu.popup(view.viewport().mapToGlobal(pos))

    def cancel_edit(self) -> None:
        if self.editing_message_id is not None:
            self.editing_message_id = None
            self.window.composer.clear()
        self.window.edit_banner.hide()
