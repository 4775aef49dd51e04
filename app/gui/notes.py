"""Notes in the window: a message's right-click menu highlights the selected text or notes
the message (a small dialog: words and a colour); notes show under their message, their
highlights in the text; Edit and Delete beside each; Chat → Notes… lists every note, newest
first, by chat or tag, and opens the message of the one chosen."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.message_model import NOTES_ROLE
from app.gui.operations import Op
from domain.notes import HIGHLIGHTS

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow
    from domain.entities import Message
    from domain.notes import Note, NoteView


class NotesController:
    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        self.window = window
        self.view_action = QAction("&Notes…", window)
        self.view_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.view_action.triggered.connect(self.open_view)
        menu.addAction(self.view_action)
        self.dialog: NoteDialog | None = None
        self.notes_view: NotesView | None = None

    def load(self, chat_id: str) -> None:
        """The chat's notes, read after its messages (the window shows them with them)."""
        primer = self.window.primer
        if primer is None:
            return
        Op(primer.take_notes.listed, chat_id).success(
            lambda views: self.window.message_model.set_notes(chat_id, [v.note for v in views])
        ).on_store(self.window.lane)

    def add_menu_entries(self, menu: QMenu, message: Message, selected: str) -> None:
        """ "Highlight" (the text selected in it, when it is the message's own text) and
        "Add a note…", in a message's right-click menu."""
        quote = selected.strip() if selected.strip() in message.content else ""
        if quote:
            highlight = menu.addMenu("Highlight")
            for colour in HIGHLIGHTS:
                highlight.addAction(colour.capitalize(),
                                    lambda c=colour: self._add(message, "", quote, c))  # fmt: skip
        words = "" if quote or not selected.strip() else f"“{selected.strip()}”\n"
        menu.addAction("Add a note…", lambda: self._ask(message, quote, words))

    def _ask(self, message: Message, quote: str, words: str) -> None:
        dialog = NoteDialog(self.window, quote, words, "yellow")
        dialog.saved.connect(lambda text, colour: self._add(message, text, quote, colour))
        self.dialog = dialog
        dialog.open()

    def _add(self, message: Message, text: str, quote: str, colour: str) -> None:
        primer = self.window.primer
        assert primer is not None
        Op(primer.take_notes.add, message.id, text, quote, colour).success(
            lambda _note: self.load(message.chat_id)
        ).on_store(self.window.lane)

    def edit(self, note_id: str) -> None:
        primer, chat_id = self.window.primer, self.window.current_chat_id
        note = self._on_screen(note_id)
        if primer is None or chat_id is None or note is None:
            return
        dialog = NoteDialog(self.window, note.quote, note.text, note.colour)
        dialog.saved.connect(
            lambda text, colour: (
                Op(primer.take_notes.edit, note_id, text, colour)
                .success(lambda _note: self.load(chat_id))
                .on_store(self.window.lane)
            )
        )
        self.dialog = dialog
        dialog.open()

    def delete(self, note_id: str) -> None:
        primer, chat_id = self.window.primer, self.window.current_chat_id
        if primer is None or chat_id is None:
            return
        Op(primer.take_notes.delete, note_id).success(lambda _: self.load(chat_id)).on_store(
            self.window.lane
        )
        self.window.statusBar().showMessage("Note deleted.", 3000)

    def _on_screen(self, note_id: str) -> Note | None:
        model = self.window.message_model
        for row in range(model.rowCount()):
            for note in model.index(row).data(NOTES_ROLE) or ():
                if note.id == note_id:
                    return note
        return None

    def open_view(self) -> None:
        primer = self.window.primer
        if primer is None:
            return
        view = NotesView(self.window, self._open_note)
        self.notes_view = view
        Op(primer.take_notes.listed).for_widget(view).success(view.fill).on_store(self.window.lane)
        view.show()

    def _open_note(self, view: NoteView) -> None:
        if not view.orphaned:
            self.window.pages.open_at(view.note.chat_id, view.note.message_id)


class NoteDialog(QDialog):
    """A note's words and its highlight's colour."""

    saved = Signal(str, str)

    def __init__(self, parent: QWidget, quote: str, text: str, colour: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Note")
        layout = QVBoxLayout(self)
        if quote:
            shown = QLabel(f"<i>“{html.escape(quote[:300])}”</i>")
            shown.setWordWrap(True)
            layout.addWidget(shown)
        self.editor = QPlainTextEdit(text)
        self.editor.setPlaceholderText("Your note (it is kept with the message, and searchable)")
        layout.addWidget(self.editor)
        colours = QHBoxLayout()
        self.colours = QButtonGroup(self)
        for name in HIGHLIGHTS:
            button = QRadioButton(name.capitalize())
            button.setProperty("colour", name)
            button.setChecked(name == colour)
            self.colours.addButton(button)
            colours.addWidget(button)
        colours.addStretch(1)
        layout.addLayout(colours)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(460, 260)

    def _save(self) -> None:
        checked = self.colours.checkedButton()
        self.saved.emit(self.editor.toPlainText(), checked.property("colour") if checked else "")
        self.accept()


class NotesView(QDialog):
    """Every note, newest first; by chat or by tag; a double click (or Enter) opens it."""

    def __init__(self, parent: QWidget, open_note: Callable[[NoteView], None]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Notes")
        self._open_note = open_note
        self._views: list[NoteView] = []
        self.chat_filter = QComboBox()
        self.tag_filter = QComboBox()
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Chat:"))
        filters.addWidget(self.chat_filter, 1)
        filters.addWidget(QLabel("Tag:"))
        filters.addWidget(self.tag_filter)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.list, 1)
        self.chat_filter.currentIndexChanged.connect(self._show)
        self.tag_filter.currentIndexChanged.connect(self._show)
        self.list.itemActivated.connect(self._activated)
        self.resize(560, 520)

    def fill(self, views: list[NoteView]) -> None:
        self._views = views
        for box, everything, names in (
            (self.chat_filter, "All chats", {v.note.chat_id: v.chat_title for v in views}),
            (self.tag_filter, "Any tag", {t.name: t.name for v in views for t in v.tags}),
        ):
            box.blockSignals(True)
            box.clear()
            box.addItem(everything, None)
            for key, name in sorted(names.items(), key=lambda item: item[1].casefold()):
                box.addItem(name or "(deleted chat)", key)
            box.blockSignals(False)
        self._show()

    def _show(self) -> None:
        chat, tag = self.chat_filter.currentData(), self.tag_filter.currentData()
        self.list.clear()
        for view in self._views:
            if chat is not None and view.note.chat_id != chat:
                continue
            if tag is not None and all(t.name != tag for t in view.tags):
                continue
            note = view.note
            when = f"{note.updated_at.astimezone():%Y-%m-%d %H:%M}"
            head = f"{view.chat_title or '(deleted chat)'} · {when}"
            if view.orphaned:
                head += " · its message is gone"
            lines = [head] + ([f"“{note.quote}”"] if note.quote else []) + (
                [note.text] if note.text else [])  # fmt: skip
            item = QListWidgetItem("\n".join(lines))
            item.setData(Qt.ItemDataRole.UserRole, view)
            if view.orphaned:
                item.setToolTip("Its message or chat was deleted; the note is kept.")
            self.list.addItem(item)
        if not self.list.count():
            self.list.addItem("No notes yet: right-click a message, or select some of its "
                              "text, and choose Highlight or Add a note…")  # fmt: skip

    def _activated(self, item: QListWidgetItem) -> None:
        view = item.data(Qt.ItemDataRole.UserRole)
        if view is not None:
            self._open_note(view)
