"""Primer's window. Every database call goes through the lane, every network call through a
worker thread; this class only reacts to their results on the GUI thread.

The use cases, the entities and the dialogs' Qt classes are imported where they are used,
not here: none is needed before the store is open, and the first paint should not wait for
them (bench.run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPoint, QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.backup_controller import BackupController
from app.gui.chat_list import CHAT_ID_ROLE, NO_CHATS_TEXT, ChatListModel, ChatListView
from app.gui.composer import Composer
from app.gui.conversation import (
    VERSION_ROLE,
    ConversationView,
    MessageDelegate,
    MessageListModel,
)
from app.gui.dispatch import Dispatcher, Lane
from app.gui.elided_label import ElidedLabel
from app.gui.garbage import GuiThreadCollector
from app.gui.message_bar import MessageBar
from app.gui.operations import Op
from app.gui.theme import apply_theme, os_prefers_dark
from app.version import __version__
from domain.errors import PrimerError

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent

    from app.bootstrap import Primer
    from domain.entities import ChatSummary, Message
    from domain.ports import CancelToken
    from domain.use_cases.load_conversation import Conversation
    from domain.use_cases.send_message import PendingReply
    from domain.use_cases.stream_reply import ReplyOutcome

REPAINT_INTERVAL_MS = 40
OS_DARK_KEY = "os_dark"


@dataclass
class ActiveReply:
    pending: PendingReply
    cancel: CancelToken
    parts: list[str] = field(default_factory=list)


class MainWindow(QMainWindow):
    chats_loaded = Signal()
    conversation_shown = Signal()
    reply_finished = Signal(object)

    @property
    def active(self) -> ActiveReply | None:
        """The reply arriving in the chat on screen, if one is."""
        return self.streams.get(self.current_chat_id) if self.current_chat_id else None

    def __init__(self, data_dir: Path, *, theme: str = "system") -> None:
        super().__init__()
        self.data_dir = data_dir
        self.primer: Primer | None = None
        self.current_chat_id: str | None = None
        self.streams: dict[str, ActiveReply] = {}
        """Replies arriving now, by chat: each chat streams on its own."""
        self.editing_message_id: str | None = None
        self.draft_system_prompt = ""
        self._open_request = 0
        self._loading_older = False
        self._model_cache: dict[str, list[str]] = {}
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
        self._build(dark)
        self._build_menus()
        self._restore_state()
        self._repaint_timer = QTimer(self)
        self._repaint_timer.setSingleShot(True)
        self._repaint_timer.timeout.connect(self._flush_stream_text)

    # ---------------------------------------------------------------- layout
    def _build(self, dark: bool) -> None:
        self.chat_model = ChatListModel()
        self.chat_list = ChatListView()
        self.chat_list.setModel(self.chat_model)
        self.new_chat_button = QPushButton("New chat")
        self.new_chat_button.setToolTip("Start a new chat (Ctrl+N)")
        self.new_chat_button.clicked.connect(self.new_chat)
        sidebar = QWidget()
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(8, 8, 4, 8)
        side.addWidget(self.new_chat_button)
        side.addWidget(self.chat_list, 1)

        self.title_label = ElidedLabel("New chat")
        self.title_label.setObjectName("chatTitle")
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.title_label.setFont(font)
        self.provider_box = QComboBox()
        self.provider_box.setToolTip("Provider for this chat")
        self.model_box = QComboBox()
        self.model_box.setEditable(True)
        self.model_box.setMinimumContentsLength(18)
        self.model_box.setToolTip("Model for this chat (type any model name)")
        self.system_button = QToolButton()
        self.system_button.setText("System prompt…")
        self.system_button.setToolTip("Instructions the model sees before this chat")
        header = QHBoxLayout()
        header.addWidget(self.title_label, 1)
        header.addWidget(self.provider_box)
        header.addWidget(self.model_box)
        header.addWidget(self.system_button)

        self.message_bar = MessageBar()
        self.message_model = MessageListModel()
        self.conversation = ConversationView()
        self.conversation.setModel(self.message_model)
        self.delegate = MessageDelegate(self.conversation, dark=dark)
        self.conversation.setItemDelegate(self.delegate)
        self.edit_banner = QLabel()
        self.edit_banner.setObjectName("editBanner")
        self.edit_banner.hide()
        self.composer = Composer()
        self.send_button = QPushButton("Send")
        self.send_button.setToolTip("Send (Enter)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the reply and keep what arrived (Esc)")
        self.stop_button.hide()
        compose_row = QHBoxLayout()
        compose_row.addWidget(self.composer, 1)
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        compose_row.addLayout(buttons)

        main = QWidget()
        right = QVBoxLayout(main)
        right.setContentsMargins(4, 8, 8, 8)
        right.addLayout(header)
        right.addWidget(self.message_bar)
        right.addWidget(self.conversation, 1)
        right.addWidget(self.edit_banner)
        right.addLayout(compose_row)

        self.splitter = QSplitter()
        self.splitter.addWidget(sidebar)
        self.splitter.addWidget(main)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 840])
        self.setCentralWidget(self.splitter)
        self.statusBar().showMessage("Opening your chats…")
        self._set_enabled(False)

        self.chat_list.selectionModel().currentChanged.connect(self._chat_selected)
        self.chat_list.customContextMenuRequested.connect(self._chat_menu)
        self.chat_list.delete_pressed.connect(self.delete_current_chat)
        self.chat_model.rename_requested.connect(self._rename)
        self.composer.submitted.connect(self.send)
        self.send_button.clicked.connect(self.send)
        self.stop_button.clicked.connect(self.stop)
        self.delegate.action.connect(self._message_action)
        self.conversation.near_top.connect(self._load_older)
        self.conversation.customContextMenuRequested.connect(self._message_menu)
        self.conversation.typed.connect(self._type_into_composer)
        self.provider_box.activated.connect(self._provider_chosen)
        self.model_box.activated.connect(self._model_chosen)
        self.model_box.lineEdit().editingFinished.connect(self._model_chosen)
        self.system_button.clicked.connect(self.edit_system_prompt)

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
        file_menu.addSeparator()
        self.quit_action = action(file_menu, "&Quit", self.close, "Ctrl+Q")

        chat_menu = bar.addMenu("&Chat")
        action(chat_menu, "&Rename", self.rename_current_chat, "F2")
        action(chat_menu, "&Pin or unpin", self.toggle_pin)
        self.delete_action = action(chat_menu, "&Delete", self.delete_current_chat)
        chat_menu.addSeparator()
        self.regenerate_action = action(
            chat_menu, "Re&generate last reply", self.regenerate_last, "Ctrl+R"
        )
        self.stop_action = action(chat_menu, "&Stop reply", self.escape, "Esc")

        account = bar.addMenu("&Account")
        toolbar = self.addToolBar("Backup")
        toolbar.setObjectName("backupToolbar")
        toolbar.setMovable(False)
        self.backup = BackupController(self, account, toolbar)

        help_menu = bar.addMenu("&Help")
        action(help_menu, "&About Primer", self.about)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (
            self.composer,
            self.send_button,
            self.provider_box,
            self.model_box,
            self.system_button,
            self.new_chat_button,
            self.chat_list,
        ):
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
        self._fill_providers()
        self.backup.attach(primer)
        last_chat = self.state.value("last_chat", "")
        self.new_chat(focus=False)
        self.refresh_chats(select=str(last_chat) if last_chat else None)
        self._update_empty_text()
        self.composer.setFocus()

    def follow_os_color_scheme(self) -> None:
        """Ask the OS for its colour scheme (after the first paint, and whenever it changes),
        follow it with the "system" theme, and remember it for the next start."""
        os_dark = os_prefers_dark()
        self.state.setValue(OS_DARK_KEY, os_dark)
        theme = self.primer.settings.theme if self.primer else self._theme_at_start
        if theme == "system" and os_dark != self.delegate.dark:
            self.delegate.set_dark(apply_theme(theme, os_dark=os_dark))
            self.conversation.viewport().update()

    def _update_empty_text(self) -> None:
        if self.primer is None:
            return
        name = self.provider_box.currentData() or self.primer.settings.default_provider
        config = self.primer.settings.provider(name)
        has_key = self.key_sources.get(name, "none") != "none"
        if config is not None and (has_key or config.kind == "openai_compatible"):
            self.conversation.empty_text = "Ask anything. Type below and press Enter."
        else:
            self.conversation.empty_text = (
                "Welcome to Primer.\n\nAdd an API key for OpenAI or Gemini in Settings (Ctrl+,), "
                "or add a local server such as Ollama, then type below and press Enter."
            )
        self.conversation.viewport().update()

    # ---------------------------------------------------------------- chat list
    def refresh_chats(self, select: str | None = None) -> None:
        assert self.primer is not None
        wanted = select or self.current_chat_id
        Op(self.primer.list_chats).success(lambda chats: self._show_chats(chats, wanted)).on_store(
            self.lane
        )

    def _show_chats(self, chats: list[ChatSummary], select: str | None) -> None:
        if self.chat_list.state() == self.chat_list.State.EditingState:
            # Resetting the model now would throw away a rename being typed.
            QTimer.singleShot(250, lambda: self._show_chats(chats, select))
            return
        selection = self.chat_list.selectionModel()
        selection.blockSignals(True)
        self.chat_list.empty_text = NO_CHATS_TEXT
        self.chat_model.show(chats)
        row = self.chat_model.row_of(select) if select else -1
        if row >= 0:
            index = self.chat_model.index(row)
            selection.setCurrentIndex(index, selection.SelectionFlag.ClearAndSelect)
        selection.blockSignals(False)
        if row >= 0 and select != self.current_chat_id:
            self.open_chat(select)  # type: ignore[arg-type]
        self.chats_loaded.emit()

    def _chat_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        chat_id = current.data(CHAT_ID_ROLE) if current.isValid() else None
        if chat_id and chat_id != self.current_chat_id:
            self.open_chat(chat_id)

    def open_chat(self, chat_id: str) -> None:
        assert self.primer is not None
        self._cancel_edit()
        self.current_chat_id = chat_id
        self._open_request += 1
        request = self._open_request
        Op(self.primer.load_conversation, chat_id).success(
            lambda conversation: self._show_conversation(conversation, request)
        ).failure(self._chat_failed).on_store(self.lane)

    def _chat_failed(self, error: PrimerError) -> None:
        self.show_error(error)
        self.new_chat(focus=False)
        self.refresh_chats()

    def _show_conversation(
        self, conversation: Conversation, request: int, *, keep: tuple[int, int] | None = None
    ) -> None:
        """Show the newest messages; with `keep` (depth, y), put the message that is now at
        that depth of the branch where the switched one was, instead of at the end."""
        if request != self._open_request:
            return
        chat = conversation.chat
        self.current_chat_id = chat.id
        self.title_label.setText(chat.title)
        self._select_provider(chat.provider, chat.model)
        self.conversation.follow = True
        self.message_model.show(
            chat.id, conversation.newest, conversation.older_ids, conversation.branches
        )
        self._set_streaming(self.active is not None)
        if self.active is not None:  # what arrived while another chat was on screen
            self._flush_stream_text()
        if keep is None:
            self.conversation.scroll_to_end()
        else:
            depth, top = keep
            self.conversation.doItemsLayout()
            index = self.message_model.index(depth - len(conversation.older_ids))
            bar = self.conversation.verticalScrollBar()
            bar.setValue(bar.value() + self.conversation.visualRect(index).top() - top)
        self._update_empty_text()
        self.conversation_shown.emit()

    def switch_version(self, message_id: str, step: int) -> None:
        """Show the older (-1) or newer (+1) version of a message, where it was on screen."""
        row = self.message_model.row_of(message_id)
        if self.primer is None or row < 0:
            return
        if self.active is not None:
            self.statusBar().showMessage("Wait for the reply to finish, or press Esc.", 4000)
            return
        self._cancel_edit()
        primer = self.primer
        index = self.message_model.index(row)
        keep = (self.message_model.depth(row), self.conversation.visualRect(index).top())
        self._open_request += 1
        request = self._open_request
        Op(primer.switch_branch, message_id, step).success(
            lambda conversation: self._show_conversation(conversation, request, keep=keep)
        ).on_store(self.lane)

    def _load_older(self) -> None:
        if self._loading_older or not self.message_model.has_older() or self.primer is None:
            return
        self._loading_older = True
        from domain.use_cases.load_conversation import PAGE_SIZE

        ids = self.message_model.older_page(PAGE_SIZE)
        chat_id = self.message_model.chat_id

        def show(messages: list[Message]) -> None:
            self._loading_older = False
            if self.message_model.chat_id != chat_id:
                return
            bar = self.conversation.verticalScrollBar()
            from_bottom = bar.maximum() - bar.value()
            self.message_model.prepend(messages)
            self.conversation.doItemsLayout()
            bar.setValue(bar.maximum() - from_bottom)

        assert self.primer is not None
        Op(self.primer.load_conversation.messages, ids).success(show).on_store(self.lane)

    def new_chat(self, focus: bool = True) -> None:
        self._cancel_edit()
        self.current_chat_id = None
        self._open_request += 1
        self.chat_list.selectionModel().clearSelection()
        self.chat_list.selectionModel().setCurrentIndex(
            QModelIndex(), self.chat_list.selectionModel().SelectionFlag.Clear
        )
        self.message_model.show(None, [], [])
        self._set_streaming(False)  # a reply may go on arriving in the chat left
        self.title_label.setText("New chat")
        self.draft_system_prompt = ""
        if self.primer is not None:
            provider = self.primer.settings.default_provider
            self._select_provider(provider, self.primer.providers.default_model(provider))
        self._update_empty_text()
        if focus:
            self.composer.setFocus()

    def _current_summary(self) -> ChatSummary | None:
        row = self.chat_model.row_of(self.current_chat_id) if self.current_chat_id else -1
        return self.chat_model.summary(row) if row >= 0 else None

    def rename_current_chat(self) -> None:
        row = self.chat_model.row_of(self.current_chat_id) if self.current_chat_id else -1
        if row >= 0:
            self.chat_list.edit(self.chat_model.index(row))

    def _rename(self, chat_id: str, title: str) -> None:
        assert self.primer is not None
        Op(self.primer.update_chat, chat_id, title=title).success(
            lambda chat: (
                self.refresh_chats(),
                self.title_label.setText(chat.title) if chat.id == self.current_chat_id else None,
            ),
        ).on_store(self.lane)

    def toggle_pin(self) -> None:
        summary = self._current_summary()
        if summary is None or self.primer is None:
            return
        Op(self.primer.update_chat, summary.id, pinned=not summary.pinned).success(
            lambda _chat: self.refresh_chats()
        ).on_store(self.lane)

    def delete_current_chat(self) -> None:
        summary = self._current_summary()
        if summary is None or self.primer is None:
            return
        if summary.id in self.streams:
            self._stop(self.streams[summary.id])
        primer = self.primer

        def deleted(_: object) -> None:
            self.new_chat(focus=False)
            self.refresh_chats()
            self.message_bar.show_message(
                f"Deleted “{summary.title}”.",
                kind="info",
                timeout_ms=15000,
                action=(
                    "Undo",
                    lambda: (
                        Op(primer.delete_chat.undo, summary.id)
                        .success(lambda _r: self.refresh_chats(select=summary.id))
                        .on_store(self.lane)
                    ),
                ),
            )

        Op(primer.delete_chat, summary.id).success(deleted).on_store(self.lane)

    def _chat_menu(self, pos: QPoint) -> None:
        index = self.chat_list.indexAt(pos)
        if not index.isValid():
            return
        self.chat_list.setCurrentIndex(index)
        menu = QMenu(self)
        menu.addAction("Rename", self.rename_current_chat)
        pinned = self.chat_model.summary(index.row()).pinned
        menu.addAction("Unpin" if pinned else "Pin to top", self.toggle_pin)
        menu.addSeparator()
        menu.addAction("Delete", self.delete_current_chat)
        menu.popup(self.chat_list.viewport().mapToGlobal(pos))

    # ---------------------------------------------------------------- provider and model
    def _fill_providers(self) -> None:
        assert self.primer is not None
        self.provider_box.blockSignals(True)
        self.provider_box.clear()
        for name in self.primer.providers.names():
            self.provider_box.addItem(name, name)
        self.provider_box.blockSignals(False)

    def _select_provider(self, provider: str, model: str) -> None:
        if self.provider_box.findData(provider) < 0:
            self.provider_box.addItem(provider, provider)
        self.provider_box.blockSignals(True)
        self.provider_box.setCurrentIndex(self.provider_box.findData(provider))
        self.provider_box.blockSignals(False)
        self._fill_models(provider, model)

    def _fill_models(self, provider: str, model: str) -> None:
        assert self.primer is not None
        cached = self._model_cache.get(provider)
        if cached is None:
            try:
                cached = self.primer.providers.fallback_models(provider)
            except PrimerError:
                cached = []
            self._fetch_models(provider)
        self.model_box.blockSignals(True)
        self.model_box.clear()
        self.model_box.addItems(cached)
        if model and self.model_box.findText(model) < 0:
            self.model_box.insertItem(0, model)
        self.model_box.setCurrentText(model)
        self.model_box.blockSignals(False)

    def _fetch_models(self, provider: str) -> None:
        assert self.primer is not None
        primer = self.primer
        self._model_cache[provider] = primer.providers.fallback_models(provider)

        def fetch() -> list[str]:
            return primer.providers.resolve(provider).list_models()

        def got(models: list[str]) -> None:
            if not models:
                return
            self._model_cache[provider] = models
            if self.provider_box.currentData() == provider:
                self._fill_models(provider, self.model_box.currentText())

        # A failed listing keeps the fallback list; the chat itself reports real failures.
        Op(fetch).success(got).on_network(self.dispatcher, fallback=lambda _error: None)

    def _provider_chosen(self, _index: int) -> None:
        if self.primer is None:
            return
        provider = self.provider_box.currentData()
        model = self.primer.providers.default_model(provider)
        self._fill_models(provider, model)
        self._save_chat_settings(provider=provider, model=model)
        self._update_empty_text()

    def _model_chosen(self, *_args: object) -> None:
        model = self.model_box.currentText().strip()
        if model:
            self._save_chat_settings(model=model)

    def _save_chat_settings(self, **changes: str) -> None:
        if self.current_chat_id is None or self.primer is None:
            return
        summary = self._current_summary()
        if summary and all(getattr(summary, k, None) == v for k, v in changes.items()):
            return
        chat_id = self.current_chat_id
        Op(self.primer.update_chat, chat_id, **changes).success(
            lambda _chat: self.refresh_chats()
        ).on_store(self.lane)

    def edit_system_prompt(self) -> None:
        if self.primer is None:
            return
        chat_id = self.current_chat_id
        if chat_id is None:
            self._system_prompt_dialog(self.draft_system_prompt, self._set_draft_prompt)
            return
        Op(self.primer.get_chat, chat_id).success(
            lambda chat: self._system_prompt_dialog(
                chat.system_prompt, lambda text: self._save_chat_settings(system_prompt=text)
            )
        ).on_store(self.lane)

    def _set_draft_prompt(self, text: str) -> None:
        self.draft_system_prompt = text

    def _system_prompt_dialog(self, current: str, save: Callable[[str], None]) -> None:
        from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit

        dialog = QDialog(self)
        dialog.setWindowTitle("System prompt")
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel("Instructions the model sees at the start of this chat:"))
        editor = QPlainTextEdit(current)
        editor.setPlaceholderText("For example: You are a concise assistant. Answer in English.")
        layout.addWidget(editor)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        dialog.resize(520, 320)
        self.system_dialog = dialog
        dialog.accepted.connect(lambda: save(editor.toPlainText().strip()))
        dialog.open()

    # ---------------------------------------------------------------- sending and streaming
    def send(self) -> None:
        if self.primer is None:
            return
        text = self.composer.toPlainText()
        if not text.strip():
            return
        if self.active is not None:
            self.message_bar.show_message(
                "A reply is still arriving in this chat. Press Stop (Esc) first, or use another "
                "chat meanwhile.",
                kind="info",
                timeout_ms=5000,
            )
            return
        primer = self.primer
        editing = self.editing_message_id
        chat_id = self.current_chat_id
        from domain.use_cases.send_message import NewChatSettings

        settings = NewChatSettings(
            self.provider_box.currentData() or primer.settings.default_provider,
            self.model_box.currentText().strip()
            or primer.providers.default_model(primer.settings.default_provider),
            self.draft_system_prompt,
        )
        if editing:
            job: Callable[[], PendingReply] = lambda: primer.send_message.edit(editing, text)  # noqa: E731
        else:
            job = lambda: primer.send_message.send(chat_id, text, new_chat=settings)  # noqa: E731
        self.send_button.setEnabled(False)

        def sent(pending: PendingReply) -> None:
            # The user's words are stored: only now is the composer cleared.
            self.composer.clear()
            self._cancel_edit()
            self.send_button.setEnabled(True)
            self._begin(pending)

        def failed(error: PrimerError) -> None:
            self.send_button.setEnabled(True)
            self.show_error(error)

        Op(job).success(sent).failure(failed).on_store(self.lane)

    def regenerate_last(self) -> None:
        messages = self.message_model.messages()
        if messages and messages[-1].role.value == "assistant":
            self._message_action("regenerate", messages[-1].id, "")

    def _regenerate(self, reply_id: str) -> None:
        if self.primer is None or self.active is not None:
            return
        primer = self.primer
        Op(primer.send_message.regenerate, reply_id).success(self._begin).on_store(self.lane)

    def _begin(self, pending: PendingReply) -> None:
        """Show the stored user message and empty reply, then stream into it."""
        assert self.primer is not None
        primer = self.primer
        from domain.ports import CancelToken

        active = ActiveReply(pending, CancelToken())
        self.streams[pending.chat.id] = active
        if pending.chat.id != self.current_chat_id:
            self.current_chat_id = pending.chat.id
        if self.message_model.chat_id != pending.chat.id:
            # A new chat shows its question at once, not an empty view until it is read.
            shown = [m for m in (pending.user_message, pending.reply) if m is not None]
            self.message_model.show(pending.chat.id, shown, [])
            self.title_label.setText(pending.chat.title)
        self._set_streaming(True)
        self.refresh_chats(select=pending.chat.id)
        self._open_request += 1
        request = self._open_request
        Op(primer.load_conversation, pending.chat.id).success(
            lambda conversation: self._show_conversation(conversation, request)
        ).on_store(self.lane)
        cancel = active.cancel

        def on_delta(text: str) -> None:
            self.dispatcher.post(self._delta, active, text)

        def checkpoint(text: str) -> None:  # on the stream's thread: the lane saves it
            self.dispatcher.post(self._save_progress, pending.reply.id, text)

        Op(primer.stream_reply, pending, on_delta, cancel, checkpoint).success(
            lambda outcome: self._stream_ended(active, outcome)
        ).on_network(self.dispatcher, fallback=self.show_error)

    def _save_progress(self, reply_id: str, text: str) -> None:
        if self.primer is not None:
            primer = self.primer
            Op(primer.save_reply_progress, reply_id, text).on_store(self.lane)

    def _delta(self, active: ActiveReply, text: str) -> None:
        if self.streams.get(active.pending.chat.id) is not active:
            return  # stopped already
        active.parts.append(text)
        shown = self.message_model.chat_id == active.pending.chat.id
        if shown and not self._repaint_timer.isActive():
            self._repaint_timer.start(REPAINT_INTERVAL_MS)

    def _flush_stream_text(self) -> None:
        shown = self.streams.get(self.message_model.chat_id or "")
        if shown is None:
            return
        self.message_model.set_text(shown.pending.reply.id, "".join(shown.parts))
        row = self.message_model.row_of(shown.pending.reply.id)
        if row >= 0:
            self.delegate.sizeHintChanged.emit(self.message_model.index(row))

    def _stream_ended(self, active: ActiveReply, outcome: ReplyOutcome) -> None:
        if self.streams.get(active.pending.chat.id) is not active:
            return  # stopped already: its partial text was stored then
        self._finish(active, outcome)

    def stop(self) -> None:
        """Stop the reply arriving in the chat on screen (Stop, Esc); others go on."""
        if self.active is not None:
            self._stop(self.active)

    def _stop(self, active: ActiveReply) -> None:
        active.cancel.cancel()
        from domain.use_cases.stream_reply import stopped

        self._finish(active, stopped("".join(active.parts)))

    def escape(self) -> None:
        if self.active is not None:
            self.stop()
        else:
            self._cancel_edit()

    def _finish(self, active: ActiveReply, outcome: ReplyOutcome) -> None:
        assert self.primer is not None
        primer = self.primer
        reply_id = active.pending.reply.id
        del self.streams[active.pending.chat.id]
        if self.message_model.chat_id == active.pending.chat.id:
            self._repaint_timer.stop()
            self._set_streaming(False)

        def stored(message: Message) -> None:
            # (another chat on screen: the model has no such row, and the chat shows the
            # stored reply when it is opened)
            self.message_model.replace(message)
            row = self.message_model.row_of(message.id)
            if row >= 0:
                self.delegate.sizeHintChanged.emit(self.message_model.index(row))
            self.refresh_chats()
            self.reply_finished.emit(message)

        Op(primer.finish_reply, reply_id, outcome).success(stored).on_store(self.lane)

    def _set_streaming(self, streaming: bool) -> None:
        self.send_button.setVisible(not streaming)
        self.stop_button.setVisible(streaming)

    # ---------------------------------------------------------------- message actions
    def _message_action(self, name: str, message_id: str, argument: str) -> None:
        row = self.message_model.row_of(message_id)
        if row < 0:
            return
        message = self.message_model.message(row)
        clipboard = QGuiApplication.clipboard()
        if name == "copy":
            clipboard.setText(message.content)
            self.statusBar().showMessage("Message copied.", 3000)
        elif name == "copy-code":
            clipboard.setText(argument)
            self.statusBar().showMessage("Code copied.", 3000)
        elif name == "edit":
            self.editing_message_id = message.id
            self.composer.setPlainText(message.content)
            self.composer.setFocus()
            self.edit_banner.setText(
                "Editing your message: Enter sends it as a new branch "
                "(the original is kept). Esc cancels."
            )
            self.edit_banner.show()
        elif name == "regenerate":
            self._regenerate(message.id)
        elif name == "settings":
            self.open_settings()
        elif name in ("older-version", "newer-version"):
            self.switch_version(message.id, -1 if name == "older-version" else 1)
        elif name == "open-link":
            from PySide6.QtCore import QUrl
            from PySide6.QtGui import QDesktopServices

            if QUrl(argument).scheme() in ("http", "https", "mailto"):
                QDesktopServices.openUrl(QUrl(argument))

    def _message_menu(self, pos: QPoint) -> None:
        index = self.conversation.indexAt(pos)
        if not index.isValid():
            return
        message = self.message_model.message(index.row())
        menu = QMenu(self)
        if self.conversation.selected_range(index.row()) is not None:
            menu.addAction("Copy", self.conversation.copy_selection)
        menu.addAction("Copy message", lambda: self._message_action("copy", message.id, ""))
        if message.role.value == "user":
            menu.addAction("Edit…", lambda: self._message_action("edit", message.id, ""))
        elif index.row() == self.message_model.rowCount() - 1 and self.active is None:
            menu.addAction("Regenerate", lambda: self._message_action("regenerate", message.id, ""))
        version = index.data(VERSION_ROLE)
        if version is not None and self.active is None:
            place, count = version
            menu.addSeparator()
            older = menu.addAction("Older version", lambda: self.switch_version(message.id, -1))
            older.setEnabled(place > 1)
            newer = menu.addAction("Newer version", lambda: self.switch_version(message.id, 1))
            newer.setEnabled(place < count)
        menu.popup(self.conversation.viewport().mapToGlobal(pos))

    def _type_into_composer(self, text: str) -> None:
        self.composer.setFocus()
        self.composer.insertPlainText(text)

    def _cancel_edit(self) -> None:
        if self.editing_message_id is not None:
            self.editing_message_id = None
            self.composer.clear()
        self.edit_banner.hide()

    # ---------------------------------------------------------------- dialogs, errors, state
    def show_error(self, error: PrimerError) -> None:
        self.message_bar.show_message(error.message, kind="error")

    def open_settings(self) -> None:
        if self.primer is None:
            return
        from app.gui.settings_dialog import SettingsDialog

        account = self.backup.account
        dialog = SettingsDialog(
            self.primer,
            self,
            key_sources=self.key_sources,
            account_email=account.email if account else "",
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
        self._model_cache.clear()
        self.delegate.set_dark(apply_theme(self.primer.settings.theme))
        self._fill_providers()
        summary = self._current_summary()
        if summary:
            self._select_provider(summary.provider, summary.model)
        else:
            self.new_chat(focus=False)
        self._update_empty_text()
        self.conversation.viewport().update()

    def _key_sources_read(self, key_sources: dict[str, str]) -> None:
        self.key_sources = key_sources
        self._update_empty_text()

    def about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(
            self,
            "About Primer",
            f"<h3>Primer {__version__}</h3><p>A local-first chat app for large language models."
            f"</p><p>Your chats live on this computer, in<br><code>{self.data_dir}</code></p>",
        )

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
        for active in list(self.streams.values()):
            self._stop(active)
        self.state.setValue("geometry", self.saveGeometry())
        self.state.setValue("splitter", self.splitter.saveState())
        if self.primer is not None:  # closed before the store opened: keep what was saved
            self.state.setValue("last_chat", self.current_chat_id or "")
        self.state.sync()
        self.lane.shutdown()
        self.collector.stop()
        super().closeEvent(event)
