"""Primer's window: it lays out its parts and shows the chat on screen. Each part has its
own module: `sidebar.py` (the chat list and what is done to a chat), `chat_header.py`
(title, provider, model, system prompt), `replies.py` (sending and streaming),
`message_actions.py`, and the conversation's model, delegate and view. Every database call
goes through the lane and every network call through a worker (`operations.Op`); the
window only reacts to their results on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QSplitter, QVBoxLayout, QWidget

from app.gui.about import show_about
from app.gui.attachments import Attacher
from app.gui.backup_controller import BackupController
from app.gui.chat_header import ChatHeader
from app.gui.chat_pages import ChatPages
from app.gui.composer import ComposeArea
from app.gui.conversation import ConversationView
from app.gui.dispatch import Dispatcher, Lane
from app.gui.find_bar import FindBar
from app.gui.garbage import GuiThreadCollector
from app.gui.local_copies import LocalCopyController
from app.gui.look import apply_look
from app.gui.message_actions import MessageActions
from app.gui.message_bar import MessageBar
from app.gui.message_delegate import MessageDelegate
from app.gui.message_model import MessageListModel
from app.gui.notes import NotesController
from app.gui.operations import Op
from app.gui.replies import Replies
from app.gui.search import HistoryIndexer, Search
from app.gui.sidebar import Sidebar
from app.gui.tags import TagsController
from app.gui.theme import apply_theme, os_prefers_dark
from app.gui.titles import Titles
from domain.errors import PrimerError

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent

    from app.bootstrap import Primer
    from app.gui.exporter import Exporter
    from app.gui.importer import Importer
    from domain.entities import Chat

OS_DARK_KEY = "os_dark"
CLEAN_UP_AFTER_MS = 10_000
"""How long after the store opens unneeded files are removed (the start's work first)."""


class MainWindow(QMainWindow):
    chats_loaded = Signal()
    """The chat list shows something new: read, or changed by an action."""
    conversation_shown = Signal()
    search_shown = Signal()
    reply_finished = Signal(object)

    def __init__(self, data_dir: Path, *, theme: str = "system") -> None:
        super().__init__()
        self.data_dir = data_dir
        self.primer: Primer | None = None
        self.current_chat_id: str | None = None
        # Where each provider's key comes from, read off the GUI thread (the keyring may
        # block, for instance while it asks to be unlocked).
        self.key_sources: dict[str, str] = {}
        self.dispatcher = Dispatcher(self)
        self.collector = GuiThreadCollector(self)
        self.lane = Lane(self.dispatcher, self.show_error)
        self.state = QSettings(str(data_dir / "window.ini"), QSettings.Format.IniFormat)
        self._theme_at_start = theme
        os_dark = (
            bool(self.state.value(OS_DARK_KEY, type=bool))
            if self.state.contains(OS_DARK_KEY)
            else None  # the first start asks the OS
        )
        dark = apply_theme(theme, starting=True, os_dark=os_dark)
        self.setWindowTitle("Primer")
        self.resize(1100, 720)
        self.replies = Replies(self)
        self.titles = Titles(self)
        self.message_actions = MessageActions(self)
        self.exporter: Exporter | None = None  # made when first used
        self.importer: Importer | None = None
        self.setAcceptDrops(True)  # an export dropped on the window is imported
        self._build(dark)
        self._build_menus()
        self._restore_state()

    # ---------------------------------------------------------------- layout
    def _build(self, dark: bool) -> None:
        self.sidebar = Sidebar(self)
        self.chat_model = self.sidebar.model
        self.chat_list = self.sidebar.view
        self.header = ChatHeader(self)
        self.title_label = self.header.title_label

        self.message_bar = MessageBar()
        self.message_model = MessageListModel()
        self.conversation = ConversationView()
        self.conversation.setModel(self.message_model)
        self.delegate = MessageDelegate(self.conversation, dark=dark)
        self.conversation.setItemDelegate(self.delegate)
        self.compose = compose = ComposeArea()
        self.composer, self.edit_banner = compose.composer, compose.edit_banner
        self.attachment_tray, self.attach_button = compose.tray, compose.attach_button
        self.attacher = Attacher(self, compose.tray)
        self.send_button, self.stop_button = compose.send_button, compose.stop_button

        main = QWidget(objectName="mainPane")
        main.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        right = QVBoxLayout(main)
        right.setContentsMargins(16, 10, 16, 12)
        right.addWidget(self.header)
        right.addWidget(self.message_bar)
        self.find_bar = FindBar(self)
        right.addWidget(self.find_bar)
        right.addWidget(self.conversation, 1)
        right.addWidget(compose)

        self.splitter = QSplitter()
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(main)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 840])
        self.splitter.setHandleWidth(1)
        self.setCentralWidget(self.splitter)
        apply_look(self, dark)
        self.statusBar().showMessage("Opening your chats…")
        self._set_enabled(False)

        self.composer.submitted.connect(self.replies.send)
        self.attach_button.clicked.connect(self.attacher.choose)
        self.composer.files_given.connect(lambda paths: [self.attacher.attach(p) for p in paths])
        self.composer.picture_given.connect(self.attacher.attach_picture)
        self.send_button.clicked.connect(self.replies.send)
        self.stop_button.clicked.connect(self.replies.stop)
        self.delegate.action.connect(self.message_actions.act)
        self.pages = ChatPages(self)
        self.search = Search(self, self.sidebar.search_field, self.sidebar.results)
        self.indexer = HistoryIndexer(self)
        self.conversation.customContextMenuRequested.connect(self.message_actions.menu)
        self.conversation.typed.connect(self.composer.type_in)

    def _build_menus(self) -> None:
        def action(menu: QMenu, text: str, slot: Callable[[], Any], shortcut: str = "") -> QAction:
            item = menu.addAction(text)
            item.triggered.connect(slot)
            if shortcut:
                item.setShortcut(QKeySequence(shortcut))
            return item

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_chat_action = action(file_menu, "&New chat", self.new_chat, "Ctrl+N")
        self.settings_action = action(file_menu, "&Settings…", self.open_settings, "Ctrl+,")
        self.usage_action = action(file_menu, "&Usage…", self.open_usage, "Ctrl+Shift+U")
        file_menu.addSeparator()
        self.import_action = action(file_menu, "&Import…", lambda: self.import_file(None))
        self.export_all_action = action(file_menu, "&Export all…", lambda: self.export(True))
        file_menu.addSeparator()
        self.quit_action = action(file_menu, "&Quit", self.close, "Ctrl+Q")

        chat_menu = bar.addMenu("&Chat")
        self.search_action = action(chat_menu, "&Search chats…", self.search.focus, "Ctrl+K")
        self.search_action.setShortcuts([QKeySequence("Ctrl+K"), QKeySequence("Ctrl+Shift+F")])
        action(chat_menu, "&Find in this chat…", self.find_bar.open_bar, "Ctrl+F")
        action(chat_menu, "&Rename", self.sidebar.rename_current, "F2")
        self.retitle_action = action(chat_menu, "Regenerate &title", self.titles.regenerate)
        action(chat_menu, "&Pin or unpin", self.sidebar.toggle_pin)
        self.sidebar.add_archive_actions(chat_menu)
        self.tags = TagsController(self, chat_menu)
        self.notes = NotesController(self, chat_menu)
        self.delete_action = action(chat_menu, "&Delete", self.sidebar.delete_current)
        self.export_action = action(chat_menu, "&Export…", lambda: self.export(False))
        chat_menu.addSeparator()
        self.regenerate_action = action(chat_menu, "Re&generate last reply",
                                        self.message_actions.regenerate_last, "Ctrl+R")  # fmt: skip
        self.stop_action = action(chat_menu, "&Stop reply", self.escape, "Esc")

        account = bar.addMenu("&Account")
        self.backup = BackupController(self, account, self.sidebar.backup_button)

        help_menu = bar.addMenu("&Help")
        action(help_menu, "&About Primer", lambda: show_about(self))
        self.local_copies = LocalCopyController(self, help_menu)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.composer, self.send_button, self.attach_button, self.header,
                       self.sidebar):  # fmt: skip
            widget.setEnabled(enabled)

    # ---------------------------------------------------------------- start-up
    def attach(self, primer: Primer, key_sources: dict[str, str]) -> None:
        """Called once the store is open (on the lane, after the first paint)."""
        self.primer = primer
        self.key_sources = key_sources
        self._set_enabled(True)
        self.statusBar().clearMessage()
        problem = primer.settings_store.problem
        if problem:
            self.show_error(PrimerError(problem))
        for part in (self.header, self.compose, self.sidebar, self.backup):
            part.set_icons()  # (the SVG renderer loads after the first paint)
        self.backup.attach(primer)
        self.local_copies.attach()
        last_chat = self.state.value("last_chat", "")
        self.new_chat(focus=False)
        self.refresh_chats(select=str(last_chat) if last_chat else None)
        self.indexer.start()
        # files only deleted chats used, 30 days on: once a start, when the window is idle
        QTimer.singleShot(CLEAN_UP_AFTER_MS, lambda: Op(primer.clean_up_files).on_store(self.lane))
        self.update_empty_text()
        self.composer.setFocus()

    def follow_os_color_scheme(self) -> None:
        """Ask the OS for its colour scheme (after the first paint, and whenever it changes),
        follow it with the "system" theme, and remember it for the next start."""
        os_dark = os_prefers_dark()
        self.state.setValue(OS_DARK_KEY, os_dark)
        theme = self.primer.settings.theme if self.primer else self._theme_at_start
        if theme == "system" and os_dark != self.delegate.dark:
            self.set_theme(apply_theme(theme, os_dark=os_dark))

    def set_theme(self, dark: bool) -> None:
        self.delegate.set_dark(dark)
        apply_look(self, dark)
        self.conversation.viewport().update()

    def update_empty_text(self) -> None:
        if self.primer is None:
            return
        name = self.header.provider()
        config = self.primer.settings.provider(name)
        has_key = self.key_sources.get(name, "none") != "none"
        self.conversation.set_ready(
            config is not None and (has_key or config.kind == "openai_compatible")
        )

    # ---------------------------------------------------------------- the chat on screen
    def refresh_chats(self, select: str | None = None) -> None:
        self.sidebar.refresh(select)

    def open_chat(self, chat_id: str) -> None:
        self.pages.open(chat_id)

    def switch_version(self, message_id: str, step: int) -> None:
        self.pages.switch_version(message_id, step)

    def forget_pending_loads(self) -> int:
        return self.pages.forget_pending()

    def new_chat(self, focus: bool = True) -> None:
        self.message_actions.cancel_edit()
        self.current_chat_id = None
        self.forget_pending_loads()
        self.sidebar.clear_selection()
        self.message_model.show(None, [], [])
        self.replies.set_streaming(False)  # a reply may go on arriving in the chat left
        self.header.start_new_chat()
        self.update_empty_text()
        if focus:
            self.composer.setFocus()

    def update_chat(self, chat_id: str, **changes: object) -> None:
        """Rename, pin, or change the provider, model or system prompt of a chat."""
        assert self.primer is not None
        Op(self.primer.update_chat, chat_id, **changes).success(self._chat_changed).on_store(
            self.lane
        )

    def _chat_changed(self, chat: Chat) -> None:
        self.sidebar.changed(chat)
        if chat.id == self.current_chat_id:
            self.header.select(chat.provider, chat.model)

    def escape(self) -> None:
        if self.find_bar.field.hasFocus():
            self.find_bar.close_bar()
        elif self.sidebar.search_field.hasFocus() or self.search.active:
            self.search.dismiss()
        elif self.replies.active is not None:
            self.replies.stop()
        else:
            self.message_actions.cancel_edit()

    # ---------------------------------------------------------------- dialogs, errors, state
    def export(self, every_chat: bool) -> None:
        """Chat → Export… (the chat on screen), File → Export all…"""
        from app.gui.exporter import Exporter  # (7 ms of imports the first paint does without)

        if self.exporter is None:
            self.exporter = Exporter(self)
        if every_chat:
            self.exporter.export_all()
        else:
            self.exporter.export_chat()

    def import_file(self, path: Path | None) -> None:
        """File → Import… (`path` None: the dialog asks), or a file dropped on the window."""
        from app.gui.importer import Importer  # (not needed for the first paint)

        if self.importer is None:
            self.importer = Importer(self)
        if path is None:
            self.importer.choose_file()
        else:
            self.importer.start(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.primer is not None and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.import_file(files[0])

    def show_error(self, error: PrimerError) -> None:
        self.message_bar.show_message(error.message, kind="error")

    def open_settings(self) -> None:
        if self.primer is None:
            return
        # Loaded when first opened: it brings psycopg (0.1 s), not worth a later first paint.
        from app.gui.settings_dialog import SettingsDialog

        account = self.backup.account
        dialog = SettingsDialog(
            self.primer,
            self,
            key_sources=self.key_sources,
            account_email=account.email if account else "",
            lane=self.lane,
        )
        self.settings_dialog = dialog
        dialog.saved.connect(self.settings_changed)
        dialog.keys_for_account.connect(self.backup.save_keys)
        dialog.open()

    def settings_changed(self, key_sources: dict[str, str] | None = None) -> None:
        """Settings or keys changed; without `key_sources`, they are read again off this thread."""
        assert self.primer is not None
        if key_sources is None:
            Op(self.primer.providers.key_sources).success(self._key_sources_read).on_network(
                self.dispatcher, fallback=self.show_error
            )
        else:
            self.key_sources = key_sources
        self.set_theme(apply_theme(self.primer.settings.theme))
        self.header.settings_changed()
        self.search.meaning.settings_changed()
        summary = self.sidebar.current_summary()
        if summary:
            self.header.select(summary.provider, summary.model)
        else:
            self.new_chat(focus=False)
        self.update_empty_text()

    def _key_sources_read(self, key_sources: dict[str, str]) -> None:
        self.key_sources = key_sources
        self.update_empty_text()

    def open_usage(self) -> None:
        from app.gui.usage_view import open_usage  # (not before the first paint)

        open_usage(self)

    def _restore_state(self) -> None:
        geometry = self.state.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)  # type: ignore[arg-type]

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        # The splitter is restored once laid out at its final size, or Qt rescales it.
        splitter = self.state.value("splitter")
        if splitter is not None and not getattr(self, "_splitter_restored", False):
            self._splitter_restored = True
            QTimer.singleShot(0, lambda: self.splitter.restoreState(splitter))  # type: ignore[arg-type]

    def closeEvent(self, event: QCloseEvent) -> None:
        self.replies.stop_all()
        self.state.setValue("geometry", self.saveGeometry())
        self.state.setValue("splitter", self.splitter.saveState())
        if self.primer is not None:  # closed before the store opened: keep what was saved
            self.state.setValue("last_chat", self.current_chat_id or "")
        self.state.sync()
        self.hide()  # gone from the screen while what changed is copied
        self.local_copies.at_quit()
        self.lane.shutdown()
        self.collector.stop()
        super().closeEvent(event)
