"""The bar above the conversation: the chat's title, and the provider, model and system
prompt it uses. A change is saved to the chat on screen; before the first message, it is
what the new chat will start with."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.elided_label import ElidedLabel
from app.gui.operations import Op
from domain.errors import PrimerError
from domain.use_cases.send_message import NewChatSettings

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow
    from domain.usage import UsageTotals


class ChatHeader(QWidget):
    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.draft_system_prompt = ""
        """The system prompt of the chat not yet started."""
        self._model_cache: dict[str, list[str]] = {}
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
        self.spent_label = QLabel()
        self.spent_label.setObjectName("chatSpent")
        self.spent_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # muted
        self.spent_label.setToolTip("What this chat's requests used: replies and titles")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title_label, 1)
        layout.addWidget(self.spent_label)
        layout.addWidget(self.provider_box)
        layout.addWidget(self.model_box)
        layout.addWidget(self.system_button)
        self.provider_box.activated.connect(self._provider_chosen)
        self.model_box.activated.connect(self._model_chosen)
        self.model_box.lineEdit().editingFinished.connect(self._model_chosen)
        self.system_button.clicked.connect(self.edit_system_prompt)
        window.reply_finished.connect(lambda message: self.show_spent(message.chat_id))

    def provider(self) -> str:
        """The provider chosen, or the default one."""
        primer = self.window.primer
        assert primer is not None
        return self.provider_box.currentData() or primer.settings.default_provider

    def new_chat_settings(self) -> NewChatSettings:
        """What a chat started now starts with (no model named: the provider's default)."""
        return NewChatSettings(
            self.provider(), self.model_box.currentText().strip(), self.draft_system_prompt
        )

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
        self.fill_providers()

    # ---------------------------------------------------------------- provider and model
    def fill_providers(self) -> None:
        primer = self.window.primer
        assert primer is not None
        self.provider_box.blockSignals(True)
        self.provider_box.clear()
        for name in primer.providers.names():
            self.provider_box.addItem(name, name)
        self.provider_box.blockSignals(False)

    def select(self, provider: str, model: str) -> None:
        """Show this provider and model (the chat's), whatever the user picked before."""
        if self.provider_box.findData(provider) < 0:
            self.provider_box.addItem(provider, provider)
        self.provider_box.blockSignals(True)
        self.provider_box.setCurrentIndex(self.provider_box.findData(provider))
        self.provider_box.blockSignals(False)
        self._fill_models(provider, model)
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

    def _fill_models(self, provider: str, model: str) -> None:
        primer = self.window.primer
        assert primer is not None
        cached = self._model_cache.get(provider)
        if cached is None:
            try:
                cached = primer.providers.fallback_models(provider)
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
        primer = self.window.primer
        assert primer is not None
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
        Op(fetch).success(got).on_network(self.window.dispatcher, fallback=lambda _error: None)

    def _provider_chosen(self, _index: int) -> None:
        primer = self.window.primer
        if primer is None:
            return
        provider = self.provider_box.currentData()
        if self.window.current_chat_id is None:  # what a new chat will start with
            self._fill_models(provider, primer.providers.default_model(provider))
        else:  # the chat takes the provider's default model (UpdateChat's rule), shown then
            self._fill_models(provider, "")
            self._save(provider=provider)
        self.window.update_empty_text()

    def _model_chosen(self, *_args: object) -> None:
        model = self.model_box.currentText().strip()
        if model:
            self._save(model=model)

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
