"""Search by meaning in the window: the history embedded in the background (when the
window starts, after an import or a restore, after a change of model, and a moment after
each reply), with progress and Cancel at the foot of the window when there is much to do;
and the Words / Meaning / Both choice under the search field."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from app.gui.operations import Op

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow
    from app.settings import EmbeddingChoice
    from domain.errors import PrimerError
    from domain.ports import CancelToken

SHOWN_FROM = 20
"""Messages to embed from which the progress shows (a reply's few go by unseen)."""
AFTER_START_MS = 3000
"""How long after the chat list first shows the history is looked through (the start's
own work first)."""
AFTER_REPLY_MS = 1500
"""How long after a reply its messages are embedded (replies in a row make one run)."""
MODES = (("Words", "words", "Find the words you type"),
         ("Meaning", "meaning", "Find what is about the same thing, whatever its words"),
         ("Both", "both", "Words and meaning together, the best of both first"))  # fmt: skip


class MeaningIndexer(QObject):
    finished = Signal(int)
    """A run ended: the messages it embedded (-1: it failed; the reason is `last_error`)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.running: CancelToken | None = None
        self._again: bool | None = None
        """A run asked for while one runs (thorough or not): it starts when this ends."""
        self.choice: EmbeddingChoice | None = None
        """The provider and model the last run embedded with."""
        self.last_error = ""
        self.strip = QWidget()
        self.strip.setObjectName("embeddingProgress")
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(140)
        self.bar.setTextVisible(False)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop embedding; search keeps what is embedded so far")
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout(self.strip)
        row.setContentsMargins(0, 0, 6, 0)
        for widget in (self.label, self.bar, self.cancel_button):
            row.addWidget(widget)
        window.statusBar().addPermanentWidget(self.strip)
        self.strip.hide()
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(AFTER_REPLY_MS)
        self._soon.timeout.connect(lambda: self.start(thorough=False))
        window.reply_finished.connect(lambda _message: self._soon.start())
        window.chats_loaded.connect(self._started, Qt.ConnectionType.SingleShotConnection)

    def _started(self) -> None:
        """The window's chats are shown: if search by meaning is on, look through every
        message soon (off, there is nothing to do: turning it on starts a run)."""
        if self.on:
            QTimer.singleShot(AFTER_START_MS, self.start)

    @property
    def on(self) -> bool:
        primer = self.window.primer
        return primer is not None and primer.settings.embeddings is not None

    def start(self, thorough: bool = True) -> None:
        """Embed what waits (`thorough`: look through every message, not only the newest),
        on a worker; the store is read on its own thread, a piece at a time."""
        primer = self.window.primer
        if primer is None or not self.on:
            return
        if self.running is not None:
            self._again = thorough or bool(self._again)
            return
        from domain.ports import CancelToken

        self.running = token = CancelToken()
        self.choice = primer.settings.embeddings
        dispatcher = self.window.dispatcher

        def progress(done: int, total: int) -> None:  # (on the worker)
            dispatcher.post(self._progress, token, done, total)

        Op(
            primer.index_meaning, progress, token, store=self.window.lane, thorough=thorough
        ).success(self._done).failure(self._failed).on_network(dispatcher, fallback=self._failed)

    def settings_changed(self) -> None:
        """Another provider or model: embed everything again with it (off: stop)."""
        primer = self.window.primer
        choice = primer.settings.embeddings if primer is not None else None
        if choice == self.choice:
            return
        self.choice = choice  # (turned off: on again with the same model, it runs again)
        if self.running is not None:
            self.running.cancel()
            self._again = choice is not None
        else:
            self.start()

    def cancel(self) -> None:
        if self.running is not None:
            self.running.cancel()
            self._again = None
            self.label.setText("Stopping after this batch…")
            self.cancel_button.setEnabled(False)

    def _progress(self, token: CancelToken, done: int, total: int) -> None:
        if token is not self.running or token.cancelled:
            return
        if total >= SHOWN_FROM:
            self.label.setText(f"Embedding for search by meaning: {done:,} of {total:,}")
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            self.cancel_button.setEnabled(True)
            self.strip.show()

    def _done(self, count: int) -> None:
        token, shown = self.running, self.strip.isVisible()
        self._finish()
        if token is not None and token.cancelled and self._again is None:
            self.window.statusBar().showMessage(
                f"Embedding stopped after {count:,} messages: search by meaning finds what "
                "was embedded so far; the rest waits until Primer starts again.",
                15000,
            )
        elif shown:
            self.window.statusBar().showMessage(
                f"Search by meaning is ready: {count:,} messages embedded.", 8000
            )
        self.finished.emit(count)
        self._next()

    def _failed(self, error: PrimerError) -> None:
        self._finish()
        self.last_error = error.message
        self.window.statusBar().showMessage(
            f"Search by meaning could not embed new messages: {error.message} "
            "It tries again after the next reply.",
            20000,
        )
        self.finished.emit(-1)
        self._again = None

    def _finish(self) -> None:
        self.running = None
        self.strip.hide()

    def _next(self) -> None:
        if self._again is not None:
            thorough, self._again = self._again, None
            self.start(thorough)


class SearchModes(QWidget):
    """Words, Meaning or Both: how the search field searches (shown while search by
    meaning is on)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchModes")  # (drawn as one segmented control: look.py)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.group = QButtonGroup(self)
        row = QHBoxLayout(self)
        row.setContentsMargins(2, 2, 2, 2)
        row.setSpacing(2)
        self.buttons: dict[str, QToolButton] = {}
        for text, mode, tip in MODES:
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setProperty("mode", mode)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.group.addButton(button)
            self.buttons[mode] = button
            row.addWidget(button)
        self.buttons["both"].setChecked(True)
        self.group.buttonToggled.connect(lambda _b, checked: checked and self.changed.emit())

    @property
    def mode(self) -> str:
        checked = self.group.checkedButton()
        return str(checked.property("mode")) if checked is not None else "both"

    def choose(self, mode: str) -> None:
        self.buttons[mode].setChecked(True)
