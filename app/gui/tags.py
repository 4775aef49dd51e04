"""Tags in the window: Chat → Tags… (and the chat's right-click menu) ticks the tags of the
chat on screen, adds a new one with its colour, and renames, recolours or deletes one in
every chat; Chat → Show chats tagged lists only the chats carrying one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
)

from app.gui.operations import Op
from domain.errors import PrimerError
from domain.tags import COLOURS, Tag, TagUse, same_name

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow
    from domain.entities import Chat
    from domain.use_cases.tag_chats import TagChats


def swatch(colour: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class TagsController(QObject):
    def __init__(self, window: MainWindow, chat_menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.known: list[TagUse] = []
        """Every tag, as last read (the menus offer these)."""
        self.edit_action = chat_menu.addAction("T&ags…")
        self.edit_action.setShortcut("Ctrl+T")
        self.edit_action.triggered.connect(self.edit)
        self.view_menu = chat_menu.addMenu("Show chats ta&gged")
        self.view_menu.aboutToShow.connect(self._fill_view_menu)
        chat_menu.aboutToShow.connect(self.reread)  # (tags change from the command line too)

    def reread(
        self, then: Callable[[], None] | None = None, for_widget: QObject | None = None
    ) -> None:
        """Read every tag again; then `then`, unless `for_widget` is gone by then."""
        primer = self.window.primer
        if primer is None:
            return

        def read(uses: list[TagUse]) -> None:
            self.known = uses
            if then is not None:
                then()

        operation = Op(primer.tag_chats.tags).success(read)
        if for_widget is not None:
            operation.for_widget(for_widget)
        operation.on_store(self.window.lane)

    def _fill_view_menu(self) -> None:
        menu, sidebar = self.view_menu, self.window.sidebar
        menu.clear()
        every = menu.addAction("All chats", lambda: sidebar.show_tagged(None))
        every.setCheckable(True)
        every.setChecked(sidebar.showing_tag is None)
        if self.known:
            menu.addSeparator()
        for use in self.known:
            name = use.tag.name
            item = menu.addAction(swatch(use.tag.colour), f"{name}  ({use.chats})",
                                  lambda name=name: sidebar.show_tagged(name))  # fmt: skip
            item.setCheckable(True)
            item.setChecked(same_name(sidebar.showing_tag or "", name))

    def edit(self) -> None:
        chat_id = self.window.current_chat_id
        if chat_id is None or self.window.primer is None:
            self.window.show_error(PrimerError("Open a chat first: tags belong to a chat."))
            return
        self.reread(lambda: TagsDialog(self, chat_id).open())


class TagsDialog(QDialog):
    """The chat's tags, ticked among every tag; a change is saved at once."""

    def __init__(self, controller: TagsController, chat_id: str) -> None:
        super().__init__(controller.window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.controller, self.window, self.chat_id = controller, controller.window, chat_id
        self.setWindowTitle("Tags")
        summary = self.window.sidebar.current_summary()
        carried = summary.tags if summary is not None else ()
        title = QLabel(f"<b>Tags of “{summary.title if summary else 'this chat'}”</b>")
        title.setTextFormat(Qt.TextFormat.RichText)
        self.list = QListWidget()
        self.list.setAccessibleName("Tags")
        self._reread_list(carried)
        self.list.itemChanged.connect(self._ticked)
        self.name = QLineEdit()
        self.name.setPlaceholderText("New tag…")
        self.name.setAccessibleName("New tag")
        self.colour = QComboBox()
        self.colour.setAccessibleName("Colour")
        self.colour.setToolTip("The new tag's colour")
        for name, shade in COLOURS.items():
            self.colour.addItem(swatch(shade), name.capitalize(), shade)
        add = QPushButton("Add")
        add.setToolTip("Tag the chat with the new tag")
        add.clicked.connect(self._add_new)
        self.name.returnPressed.connect(self._add_new)
        new_row = QHBoxLayout()
        new_row.addWidget(self.name, 1)
        new_row.addWidget(self.colour)
        new_row.addWidget(add)
        everywhere = QHBoxLayout()
        for text, tip, slot in (
            ("Rename…", "Rename the selected tag in every chat", self._rename),
            ("Colour…", "Give the selected tag another colour", self._recolour),
            ("Delete", "Take the selected tag off every chat", self._delete),
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            everywhere.addWidget(button)
        everywhere.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.list, 1)
        layout.addLayout(new_row)
        layout.addLayout(everywhere)
        layout.addWidget(buttons)
        self.resize(380, 420)

    def _add_item(self, name: str, colour: str, checked: bool) -> QListWidgetItem:
        item = QListWidgetItem(swatch(colour), name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.list.addItem(item)
        return item

    def _ticked(self, item: QListWidgetItem) -> None:
        tagging = self._tagging()
        if item.checkState() == Qt.CheckState.Checked:
            self._run(tagging.add, self.chat_id, item.text())
        else:
            self._run(tagging.remove, self.chat_id, item.text())

    def _add_new(self) -> None:
        name = self.name.text().strip()
        if not name:
            return
        for row in range(self.list.count()):  # a tag that exists: ticked, not made twice
            item = self.list.item(row)
            if same_name(item.text(), name):
                item.setCheckState(Qt.CheckState.Checked)
                self.name.clear()
                return
        shade = self.colour.currentData()
        self.list.blockSignals(True)
        self._add_item(name, shade, True)
        self.list.blockSignals(False)
        self.name.clear()
        self._run(self._tagging().add, self.chat_id, name, shade)

    def _selected(self) -> str | None:
        item = self.list.currentItem()
        return item.text() if item is not None else None

    def _rename(self) -> None:
        name = self._selected()
        if name is None:
            return
        new, ok = QInputDialog.getText(self, "Rename tag", f"New name for “{name}”:", text=name)
        if ok and new.strip():
            self._everywhere(self._tagging().rename, name, new)

    def _recolour(self) -> None:
        name = self._selected()
        if name is None:
            return
        shades = [colour.capitalize() for colour in COLOURS]
        chosen, ok = QInputDialog.getItem(self, "Tag colour", f"Colour of “{name}”:", shades,
                                          0, False)  # fmt: skip
        if ok:
            self._everywhere(self._tagging().recolour, name, chosen.lower())

    def _delete(self) -> None:
        name = self._selected()
        if name is not None:
            self._everywhere(self._tagging().delete, name)

    def _everywhere(self, change: Callable[..., int], *args: str) -> None:
        """A change of every chat carrying the tag: the list and this dialog read again."""

        primer, lane = self.window.primer, self.window.lane
        assert primer is not None

        def reread(chat: Chat) -> None:
            self.controller.reread(lambda: self._reread_list(chat.tags), for_widget=self)

        def done(_changed: int) -> None:
            self.window.refresh_chats()
            Op(primer.get_chat, self.chat_id).success(reread).for_widget(self).on_store(lane)

        Op(change, *args).success(done).failure(self.window.show_error).for_widget(self).on_store(
            lane
        )

    def _reread_list(self, carried: tuple[Tag, ...]) -> None:
        """Every tag known, those the chat carries ticked."""
        self.list.blockSignals(True)
        self.list.clear()
        for use in self.controller.known:
            self._add_item(use.tag.name, use.tag.colour,
                           any(same_name(t.name, use.tag.name) for t in carried))  # fmt: skip
        self.list.blockSignals(False)

    def _run(self, change: Callable[..., Chat], *args: Any) -> None:
        def changed(chat: Chat) -> None:
            self.window._chat_changed(chat)
            self.controller.reread()

        Op(change, *args).success(changed).failure(self.window.show_error).on_store(
            self.window.lane
        )

    def _tagging(self) -> TagChats:
        primer = self.window.primer
        assert primer is not None
        return primer.tag_chats
