"""Find in the open chat (Ctrl+F): every match on the branch shown, "3 of 12", Enter or
the arrows for the next and the previous; a match in a page not loaded yet is loaded
around it. The words are found through the search index, so a 10,000-message chat is
not read to count them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from app.gui.operations import Op
from domain.search import Filters, Order, Results, parse_query

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow

MOST_MATCHES = 1_000


class _Field(QLineEdit):
    def __init__(self, bar: FindBar) -> None:
        super().__init__()
        self._bar = bar

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._bar.step(-1 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1)
        elif event.key() == Qt.Key.Key_Escape:
            self._bar.close_bar()
        else:
            super().keyPressEvent(event)


class FindBar(QWidget):
    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.setObjectName("findBar")
        self.field = _Field(self)
        self.field.setPlaceholderText("Find in this chat")
        self.count = QLabel()
        self.previous = QToolButton(text="▲", toolTip="Previous match (Shift+Enter)",
                                    accessibleName="Previous match")  # fmt: skip
        self.next = QToolButton(text="▼", toolTip="Next match (Enter)", accessibleName="Next match")
        done = QToolButton(text="✕", toolTip="Close (Esc)", accessibleName="Close find")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.field, self.count, self.previous, self.next, done):
            layout.addWidget(widget)
        layout.setStretch(0, 1)
        self.matches: list[str] = []
        """Ids of the messages that match, oldest first."""
        self.place = -1
        self._terms: tuple[str, ...] = ()
        self._request = 0
        self._timer = QTimer(self, singleShot=True, interval=30)
        self._timer.timeout.connect(self._find)
        self.field.textChanged.connect(lambda _text: self._timer.start())
        self.previous.clicked.connect(lambda: self.step(-1))
        self.next.clicked.connect(lambda: self.step(1))
        done.clicked.connect(self.close_bar)
        window.conversation_shown.connect(self._chat_shown)
        self._chat_id: str | None = None
        self.hide()

    def _chat_shown(self) -> None:
        """Another chat on screen: its own matches."""
        if self.isVisible() and self.window.current_chat_id != self._chat_id:
            self._find()

    def open_bar(self) -> None:
        if self.window.current_chat_id is None:
            return
        self.show()
        self.field.setFocus()
        self.field.selectAll()
        self._find()

    def close_bar(self) -> None:
        self.hide()
        self.window.delegate.mark(None)
        self.window.composer.setFocus()

    def _find(self) -> None:
        primer, chat_id = self.window.primer, self.window.current_chat_id
        text = self.field.text().strip()
        self._chat_id = chat_id
        self._request += 1
        request = self._request
        if primer is None or chat_id is None or not text:
            self._show_matches(request, text, Results())
            return
        Op(
            primer.search_messages, text, Filters(chat_id=chat_id), Order.NEWEST, MOST_MATCHES
        ).success(lambda results: self._show_matches(request, text, results)).on_store(
            self.window.lane
        )

    def _show_matches(self, request: int, text: str, results: Results) -> None:
        if request != self._request:
            return
        model = self.window.message_model
        on_branch = set(model.branch_ids())
        self.matches = [h.message_id for h in reversed(results.hits) if h.message_id in on_branch]  # type: ignore[misc]
        self._terms = parse_query(text).marked
        self.place = len(self.matches) - 2  # "next" goes to the newest match first
        if self.matches:
            self.step(1)
        else:
            self._say()

    def step(self, direction: int) -> None:
        """To the next (1) or previous (-1) match, round the ends."""
        if not self.matches:
            return
        self.place = (self.place + direction) % len(self.matches)
        message_id = self.matches[self.place]
        window, model = self.window, self.window.message_model
        row = model.row_of(message_id)
        if row >= 0:
            window.delegate.mark(message_id, self._terms)
            window.conversation.follow = False
            window.conversation.scrollTo(model.index(row))
        else:  # in a page not loaded: read the page around it
            window.pages.open_at(model.chat_id or "", message_id, self._terms)
        self._say()

    def _say(self) -> None:
        if not self.field.text().strip():
            self.count.setText("")
        elif not self.matches:
            self.count.setText("No matches")
        else:
            self.count.setText(f"{self.place + 1} of {len(self.matches)}")
