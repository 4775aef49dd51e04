"""The bar above the conversation: the chat's title, and the provider, model and system
prompt it uses. A change is saved to the chat on screen; before the first message, it is
what the new chat will start with."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.elided_label import ElidedLabel
from app.gui.operations import Op
from domain.errors import PrimerError

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow
    from domain.usage import UsageTotals
    from domain.use_cases.send_message import NewChatSettings


class ChatHeader(QWidget):
    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.draft_system_prompt = ""
        """The system prompt of the chat not yet started."""
        self._model_cache: dict[str, list[str]] = {}
        self._provider = ""
        self._model = ""
        self.title_label = ElidedLabel("New chat")
        self.title_label.setObjectName("chatTitle")
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.title_label.setFont(font)
        self.model_picker = QToolButton()
        self.model_picker.setObjectName("modelPicker")
        self.model_picker.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.model_picker.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.model_picker.setToolTip("Provider and model for this chat")
        self.model_picker.setAccessibleName("Provider and model")
        self.model_menu = QMenu(self.model_picker)
        self.model_menu.aboutToShow.connect(self._fill_menu)
        self.model_picker.setMenu(self.model_menu)
        self.system_button = QToolButton()
        self.system_button.setObjectName("systemPrompt")
        self.system_button.setToolTip("System prompt: instructions the model sees before this chat")
        self.system_button.setAccessibleName("System prompt")
        self.spent_label = QLabel()
        self.spent_label.setObjectName("chatSpent")
        self.spent_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # muted
        self.spent_label.setToolTip("What this chat's requests used: replies and titles")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title_label, 1)
        layout.addWidget(self.spent_label)
        layout.addWidget(self.model_picker)
        layout.addWidget(self.system_button)
        self.system_button.clicked.connect(self.edit_system_prompt)
        window.reply_finished.connect(lambda message: self.show_spent(message.chat_id))

    def set_icons(self) -> None:
        """(After the first paint: the icons' SVG renderer is not needed for it.)"""
        from app.gui.icons import line_icon

        self.system_button.setIcon(line_icon("message-square-text"))

    def provider(self) -> str:
        """The provider chosen, or the default one."""
        primer = self.window.primer
        assert primer is not None
        return self._provider or primer.settings.default_provider

    def model(self) -> str:
        """The model chosen ('' before one is: the provider's default)."""
        return self._model

    def new_chat_settings(self) -> NewChatSettings:
        """What a chat started now starts with (no model named: the provider's default)."""
        from domain.use_cases.send_message import NewChatSettings  # (not before the paint)

        return NewChatSettings(self.provider(), self._model, self.draft_system_prompt)

    def start_new_chat(self) -> None:
        self.title_label.setText("New chat")
        self.draft_system_prompt = ""
        primer = self.window.primer
        if primer is not None:
            provider = primer.settings.default_provider
            self.select(provider, primer.providers.default_model(provider))

    def settings_changed(self) -> None:
        """The providers, their keys or their models may have changed."""
        self._model_cache.clear()

    def provider_names(self) -> list[str]:
        primer = self.window.primer
        return primer.providers.names() if primer is not None else []

    # ---------------------------------------------------------------- provider and model
    def select(self, provider: str, model: str) -> None:
        """Show this provider and model (the chat's), whatever the user picked before."""
        self._provider, self._model = provider, model
        self.model_picker.setText(f"{provider} · {model}" if model else provider)
        self.show_spent(self.window.current_chat_id)

    def show_spent(self, chat_id: str | None) -> None:
        """The chat on screen's tokens and cost, read on the store's lane."""
        primer = self.window.primer
        if chat_id != self.window.current_chat_id:
            return
        if chat_id is None or primer is None:
            self.spent_label.clear()
            return

        def show(totals: UsageTotals | None) -> None:
            if chat_id == self.window.current_chat_id:
                self.spent_label.setText(spent_text(totals))

        Op(primer.show_usage.of_chat, chat_id).success(show).on_store(self.window.lane)

    def models(self, provider: str) -> list[str]:
        """The provider's models known now: listed by its server once asked (asked now, in
        the background, the first time), its usual ones until then."""
        primer = self.window.primer
        assert primer is not None
        cached = self._model_cache.get(provider)
        if cached is None:
            try:
                cached = primer.providers.fallback_models(provider)
            except PrimerError:
                cached = []
            self._fetch_models(provider)
        return cached

    def _fill_menu(self) -> None:
        """Each provider a submenu of its models, the chat's ticked; then any model by name."""
        from PySide6.QtGui import QActionGroup

        self.model_menu.clear()
        group = QActionGroup(self.model_menu)
        for provider in self.provider_names():
            submenu = self.model_menu.addMenu(provider)
            models = self.models(provider)
            if provider == self._provider and self._model and self._model not in models:
                models = [self._model, *models]
            for model in models:
                item = submenu.addAction(model)
                item.setCheckable(True)
                item.setChecked(provider == self._provider and model == self._model)
                group.addAction(item)
                item.triggered.connect(lambda _=False, p=provider, m=model: self.choose(p, m))
            if not models:
                submenu.addAction("(no models listed)").setEnabled(False)
        self.model_menu.addSeparator()
        self.model_menu.addAction("Another model by name…", self._ask_model_name)

    def _ask_model_name(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        dialog = QInputDialog(self.window)
        dialog.setWindowTitle("Another model")
        dialog.setLabelText(f"A model of {self.provider()}, by the name its server knows:")
        dialog.setTextValue(self._model)
        dialog.textValueSelected.connect(
            lambda name: name.strip() and self.choose(self.provider(), name.strip())
        )
        self.model_dialog = dialog
        dialog.open()

    def choose(self, provider: str, model: str) -> None:
        """The user picked this provider and model: for the chat on screen (saved), or for
        the chat not yet started."""
        changed_provider = provider != self._provider
        self.select(provider, model)
        self._save(provider=provider, model=model)
        if changed_provider:
            self.window.update_empty_text()

    def _fetch_models(self, provider: str) -> None:
        primer = self.window.primer
        assert primer is not None
        self._model_cache[provider] = primer.providers.fallback_models(provider)

        def fetch() -> list[str]:
            return primer.providers.resolve(provider).list_models()

        def got(models: list[str]) -> None:
            if models:
                self._model_cache[provider] = models

        # A failed listing keeps the fallback list; the chat itself reports real failures.
        Op(fetch).success(got).on_network(self.window.dispatcher, fallback=lambda _error: None)

    def _save(self, **changes: str) -> None:
        chat_id = self.window.current_chat_id
        if chat_id is None:
            return
        summary = self.window.sidebar.current_summary()
        if summary and all(getattr(summary, k, None) == v for k, v in changes.items()):
            return
        self.window.update_chat(chat_id, **changes)

    # ---------------------------------------------------------------- system prompt
    def edit_system_prompt(self) -> None:
        primer = self.window.primer
        if primer is None:
            return
        chat_id = self.window.current_chat_id
        if chat_id is None:
            self._system_prompt_dialog(self.draft_system_prompt, self._set_draft_prompt)
            return
        Op(primer.get_chat, chat_id).success(
            lambda chat: self._system_prompt_dialog(
                chat.system_prompt, lambda text: self._save(system_prompt=text)
            )
        ).on_store(self.window.lane)

    def _set_draft_prompt(self, text: str) -> None:
        self.draft_system_prompt = text

    def _system_prompt_dialog(self, current: str, save: Callable[[str], None]) -> None:
        dialog = QDialog(self.window)
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


def spent_text(totals: UsageTotals | None) -> str:
    from domain.usage import dollars  # (not before the first paint)

    if totals is None:
        return ""
    tokens = totals.input_tokens + totals.output_tokens
    mark = "~" if totals.estimated else ""
    shown = f"{tokens / 1000:,.1f}k" if tokens >= 10_000 else f"{tokens:,}"
    cost = f" · {dollars(totals.cost)}" if totals.cost else ""
    return f"{mark}{shown} tokens{cost}"
