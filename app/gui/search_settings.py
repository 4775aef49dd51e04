"""Settings → Search: who turns text into vectors for search by meaning (off until
chosen), and, before anything is sent, what embedding the history takes: how many
messages and tokens, and the cost where the model's price is known."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.gui.operations import Op
from app.settings import EmbeddingChoice
from domain.errors import PrimerError
from domain.meaning import DEFAULT_MODELS

if TYPE_CHECKING:
    from PySide6.QtGui import QShowEvent

    from app.bootstrap import Primer
    from app.gui.dispatch import Dispatcher, Lane
    from domain.use_cases.index_meaning import MeaningStatus

OFF = "Off"
EXPLAINED = (
    "Search by meaning finds messages by what they are about, not only by their words. "
    "Your messages, chat titles, notes and attached files' text are sent to the provider "
    "chosen here to be turned into vectors, kept on this computer beside your chats. A "
    "local server (Ollama with nomic-embed-text, LM Studio) keeps everything on this "
    "computer. Off until you choose."
)


class SearchSettings(QWidget):
    def __init__(
        self,
        primer: Primer,
        dispatcher: Dispatcher,
        lane: Lane | None,
        providers: Callable[[], list[tuple[str, str]]],
    ) -> None:
        """`providers`: (name, kind) of the providers the dialog has now."""
        super().__init__()
        self.setObjectName("searchSettings")
        self.primer, self._dispatcher, self._providers = primer, dispatcher, providers
        self.saved = primer.settings.embeddings
        self.current: MeaningStatus | None = None
        self.whole: MeaningStatus | None = None
        layout = QVBoxLayout(self)
        heading = QLabel("<b>Search by meaning</b>")
        explained = QLabel(EXPLAINED)
        explained.setWordWrap(True)
        form = QFormLayout()
        self.provider = QComboBox()
        self.provider.setAccessibleName("Embeddings provider")
        self.model = QLineEdit()
        self.model.setAccessibleName("Embedding model")
        form.addRow("Provider:", self.provider)
        form.addRow("Model:", self.model)
        self.estimate = QLabel("Counting your messages…")
        self.estimate.setObjectName("embeddingEstimate")
        self.estimate.setWordWrap(True)
        for widget in (heading, explained):
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addWidget(self.estimate)
        layout.addStretch(1)
        self.fill()
        if self.saved is not None:
            self.model.setText(self.saved.model)
        self._timer = QTimer(self)  # (a price is looked up once typing pauses)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._explain)
        self.provider.currentIndexChanged.connect(self._provider_chosen)
        self.model.textEdited.connect(lambda _text: self._timer.start())
        self._lane = lane

    def showEvent(self, event: QShowEvent) -> None:
        """The history is counted when the page is first shown (a million messages' text
        takes a second or two to measure), on the store's thread."""
        super().showEvent(event)
        lane, self._lane = self._lane, None
        if lane is not None:
            index, saved = self.primer.index_meaning, self.saved is not None
            Op(lambda: (index.status() if saved else None, index.estimate())).for_widget(
                self
            ).success(self._counted).failure(
                lambda error: self.estimate.setText(error.message)
            ).on_store(lane)

    def fill(self) -> None:
        """The providers the dialog has now (a server added on its first page included)."""
        chosen = self.provider.currentData() or (self.saved.provider if self.saved else None)
        self.provider.blockSignals(True)
        self.provider.clear()
        self.provider.addItem(OFF, None)
        for name, _kind in self._providers():
            label = {"openai": "OpenAI", "gemini": "Google Gemini"}.get(name)
            self.provider.addItem(label or f"{name} (OpenAI-compatible server)", name)
        self.provider.setCurrentIndex(max(0, self.provider.findData(chosen)))
        self.provider.blockSignals(False)
        self._show_model_hint()

    def _kind(self, name: str | None) -> str:
        return dict(self._providers()).get(name or "", "")

    def _provider_chosen(self) -> None:
        name = self.provider.currentData()
        self.model.setText(DEFAULT_MODELS.get(self._kind(name), ""))
        self._show_model_hint()
        self._explain()

    def _show_model_hint(self) -> None:
        name = self.provider.currentData()
        self.model.setEnabled(name is not None)
        local = self._kind(name) == "openai_compatible"
        self.model.setPlaceholderText("e.g. nomic-embed-text" if local else "")

    def choice(self) -> EmbeddingChoice | None:
        name = self.provider.currentData()
        if name is None:
            return None
        model = self.model.text().strip() or DEFAULT_MODELS.get(self._kind(name), "")
        if not model:
            raise PrimerError(f"Settings → Search: name the embedding model of {name} "
                              "(for Ollama, say, nomic-embed-text).")  # fmt: skip
        return EmbeddingChoice(name, model)

    def _counted(self, statuses: tuple[MeaningStatus | None, MeaningStatus]) -> None:
        """What is embedded with the saved choice (none: off), and the whole history."""
        current, self.whole = statuses
        self.current = current or self.whole
        self._explain()

    def _explain(self) -> None:
        """What saving this choice does, in words (the price looked up on a worker)."""
        if self.whole is None or self.current is None:
            return
        try:
            choice = self.choice()
        except PrimerError as error:
            self.estimate.setText(error.message)
            return
        if choice is None:
            self.estimate.setText("Search finds the words you type. Nothing is sent to "
                                  "turn your messages into vectors.")  # fmt: skip
            return
        kept = choice == self.saved
        status = self.current if kept else self.whole
        if kept and status.waiting == 0:
            self.estimate.setText(f"{status.embedded:,} messages embedded with "
                                  f"{choice.provider} {choice.model}; new ones are embedded "
                                  "a moment after they arrive.")  # fmt: skip
            return
        from app.embeddings import what_it_takes

        providers = self.primer.providers

        def said(what: str) -> None:
            if self.choice() == choice:  # (not another chosen meanwhile)
                lead = "Still to embed" if kept else "Embedding your history sends"
                self.estimate.setText(
                    f"{lead}: {what} to {choice.provider} ({choice.model}). It runs in the "
                    "background once you save, with progress and Cancel at the foot of "
                    "the window; search by words works meanwhile."
                )

        Op(what_it_takes, providers, choice.provider, choice.model, status).for_widget(
            self
        ).success(said).on_network(self._dispatcher, fallback=lambda _error: None)
