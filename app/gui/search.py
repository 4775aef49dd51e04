"""Search in the window: the field above the chat list, results as you type, a hit opened
at its message with the words marked; and the history stored before search existed,
indexed in the background a chunk at a time (never more than a few tens of ms on the
store's thread, so the window stays usable meanwhile)."""

from __future__ import annotations

import html
import re
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from app.gui.operations import Op
from domain.search import BEST_MATCH_CAP, Hit, Results, parse_query

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon, QResizeEvent

    from app.gui.main_window import MainWindow
    from domain.errors import PrimerError

DEBOUNCE_MS = 30
"""Keystrokes closer together than this make one search (a search takes a few ms)."""
MEANING_DEBOUNCE_MS = 350
"""A pause in typing this long sends the text to be embedded (not a request a key)."""
_MARKDOWN = re.compile(r"`{3,}\w*|`|\*\*|__|^#+ |\|")
HIT_ROLE = Qt.ItemDataRole.UserRole + 1
WIDEN_ROLE = Qt.ItemDataRole.UserRole + 2
"""The note that offers to look for parts of words in all messages, not the newest."""
CHUNK_SECONDS = 0.04
"""How long one chunk of indexing may hold the store's thread."""


class SearchField(QLineEdit):
    """Typing searches; Up and Down move through the results, Enter opens one, Esc leaves."""

    moved = Signal(int)
    chosen = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchField")
        self.setPlaceholderText("Search chats")
        self.setToolTip("Search every chat's messages (Ctrl+K)")
        self.setClearButtonEnabled(True)
        self._icon: QLabel | None = None

    def set_icon(self, icon: QIcon) -> None:
        """A magnifier inside the field, before the text (a picture, not a button)."""
        self._icon = QLabel(self)
        self._icon.setPixmap(icon.pixmap(QSize(15, 15), self.devicePixelRatioF()))
        self._icon.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setTextMargins(20, 0, 0, 0)
        self._place_icon()
        self._icon.show()

    def _place_icon(self) -> None:
        if self._icon is not None:
            self._icon.setGeometry(9, (self.height() - 15) // 2, 15, 15)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_icon()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.moved.emit(-1 if key == Qt.Key.Key_Up else 1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.chosen.emit()
        elif key == Qt.Key.Key_Escape:
            self.dismissed.emit()
        else:
            super().keyPressEvent(event)


def hit_html(hit: Hit, dark: bool) -> str:
    """A result as rich text: the chat's title and the day, then who wrote it and the text
    around the match, the matched words marked (Markdown's own marks left out)."""
    mark = "#7a6420" if dark else "#ffe27a"
    text = _MARKDOWN.sub(" ", hit.snippet)
    snippet = html.escape(" ".join(text.split()))
    snippet = snippet.replace("«", f'<span style="background:{mark}">').replace("»", "</span>")
    when = hit.created_at.astimezone().strftime("%Y-%m-%d")
    if hit.message_id is None:
        who = "Chat title"
    else:
        who = "You" if hit.role == "user" else (hit.model or "Reply")
    return (
        f"<b>{html.escape(hit.chat_title)}</b>&nbsp;&nbsp;<small>{when}</small><br>"
        f"<small>{html.escape(who)}:</small> {snippet}"
    )


class Search(QObject):
    def __init__(self, window: MainWindow, field: SearchField, results: QListWidget) -> None:
        super().__init__(window)
        self.window, self.field, self.results = window, field, results
        self._request = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._run)
        field.textChanged.connect(self._typed)
        field.moved.connect(self._move)
        field.chosen.connect(self.choose)
        field.dismissed.connect(self.dismiss)
        results.itemActivated.connect(lambda _item: self.choose())
        results.itemClicked.connect(self._clicked)
        options = window.sidebar.search_options
        options.changed.connect(self._typed)
        options.providers = lambda: window.primer.providers.names() if window.primer else []
        options.models = lambda: sorted(
            {window.chat_model.summary(row).model for row in range(window.chat_model.rowCount())}
        )
        options.tags = lambda: sorted(
            {tag.name for row in range(window.chat_model.rowCount())
             for tag in window.chat_model.summary(row).tags}, key=str.casefold
        )  # fmt: skip
        self.terms: tuple[str, ...] = ()
        self._everywhere = False
        self.similar_to: str | None = None
        """The message whose like the results show (Find similar), or None."""
        self._meaning_timer = QTimer(self)
        self._meaning_timer.setSingleShot(True)
        self._meaning_timer.setInterval(MEANING_DEBOUNCE_MS)
        self._meaning_timer.timeout.connect(self._run_meaning)
        self._fused = 0
        """The newest request whose results by meaning are shown (its words' are late)."""
        window.sidebar.search_modes.changed.connect(self._typed)
        from app.gui.meaning import MeaningIndexer

        self.meaning = MeaningIndexer(window)

    @property
    def active(self) -> bool:
        return bool(self.field.text().strip()) or self.similar_to is not None

    def mode(self) -> str:
        """Words, meaning or both: words until search by meaning is turned on."""
        return self.window.sidebar.search_modes.mode if self.meaning.on else "words"

    def _typed(self, *_args: object) -> None:
        self.similar_to = None
        self._everywhere = False  # a new search: the newest messages first, at typing speed
        self._timer.start()

    def look_everywhere(self) -> None:
        """Parts of words in all messages (a fifth of a second in a million), when asked."""
        self._everywhere = True
        self._timer.stop()
        self._run()

    def _run(self) -> None:
        primer = self.window.primer
        text = self.field.text().strip()
        self._request += 1
        request = self._request
        if not text or primer is None:
            self.window.sidebar.show_results(False)
            return
        options = self.window.sidebar.search_options
        filters = options.filters(self.window.current_chat_id)
        mode = self.mode()
        self._meaning_timer.stop()
        if mode != "words":
            self._meaning_timer.start()
        if mode == "meaning":
            self._show(request, text, Results(), "Searching by meaning…", busy=True)
            return
        if self._everywhere:
            self.window.statusBar().showMessage("Looking in all messages…")

        def found(results: Results) -> None:
            if self._fused != request:  # (the fused results, if first, are not replaced)
                self._show(request, text, results)

        Op(
            primer.search_messages, text, filters, options.order(), everywhere=self._everywhere
        ).success(found).on_store(self.window.lane)

    def _run_meaning(self) -> None:
        """The text embedded (on a worker), its nearest found, with the words' if Both."""
        primer, request, text = self.window.primer, self._request, self.field.text().strip()
        if primer is None or not text:
            return
        filters = self.window.sidebar.search_options.filters(self.window.current_chat_id)
        mode = self.mode()

        def failed(error: PrimerError) -> None:
            if request == self._request and mode == "meaning":
                self._show(request, text, Results(), f"Search by meaning: {error.message}")
            elif request == self._request:
                self.window.statusBar().showMessage(f"Search by meaning: {error.message}", 10000)

        def found(results: Results) -> None:
            if request == self._request:
                self._fused = request
                self._show(request, text, results)

        Op(primer.search_by_meaning, text, filters, mode, store=self.window.lane).success(
            found
        ).failure(failed).on_network(self.window.dispatcher, fallback=failed)

    def similar(self, message_id: str) -> None:
        """Find similar: the messages of other chats nearest in meaning to this one."""
        primer = self.window.primer
        if primer is None:
            return
        self.field.blockSignals(True)  # (the field is emptied, no search made of it)
        self.field.clear()
        self.field.blockSignals(False)
        self._meaning_timer.stop()
        self._request += 1
        request = self._request
        self.similar_to = message_id
        row = self.window.message_model.row_of(message_id)
        words = " ".join(self.window.message_model.message(row).content.split()) if row >= 0 else ""
        what = f"“{words[:40]}…”" if len(words) > 40 else f"“{words}”" if words else "this message"
        heading = f"Like {what}, in other chats:"
        self._show(request, "", Results(), "Looking for messages like this one…", busy=True)

        def failed(error: PrimerError) -> None:
            self._show(request, "", Results(), f"Find similar: {error.message}")

        Op(primer.find_similar, message_id, store=self.window.lane).success(
            lambda results: self._show(request, "", results, heading)
        ).failure(failed).on_network(self.window.dispatcher, fallback=failed)

    def _show(
        self, request: int, text: str, results: Results, heading: str = "", busy: bool = False
    ) -> None:
        """`heading`: a line above the results; `busy`: they are still to come."""
        if request != self._request:
            return  # a newer search is on its way
        if self._everywhere:
            self.window.statusBar().clearMessage()
        self.terms = parse_query(text).marked
        self.results.clear()
        dark = self.window.delegate.dark
        notes = [heading] if heading else []
        if results.indexed < 1.0:
            notes.append(f"Still indexing your history ({results.indexed:.0%}): older "
                         "messages may be missing.")  # fmt: skip
        if not results.hits and not busy:
            notes.append("No matches.")
        if results.capped:
            notes.append(f"Best match ranked the newest {BEST_MATCH_CAP:,} matches.")
        for note in notes:
            item = QListWidgetItem(note)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.addItem(item)
        if results.inside_words_of:
            item = QListWidgetItem(f"Parts of words: in the newest {results.inside_words_of:,} "
                                   "messages only. Look in all messages ›")  # fmt: skip
            item.setData(WIDEN_ROLE, True)
            item.setForeground(self.window.palette().link())
            self.results.addItem(item)
        first = self.results.count()
        for hit in results.hits:
            item = QListWidgetItem()
            item.setData(HIT_ROLE, hit)
            label = QLabel(hit_html(hit, dark))
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setContentsMargins(6, 6, 6, 6)
            # (wrapped to the width left beside the scroll bar that the list will show)
            stack = self.window.sidebar.stack  # (the results may not be laid out yet)
            width = stack.width() - self.results.verticalScrollBar().sizeHint().width()
            item.setSizeHint(QSize(0, label.heightForWidth(width - 4)))
            self.results.addItem(item)
            self.results.setItemWidget(item, label)
        if results.hits:
            self.results.setCurrentRow(first)
        elif results.inside_words_of:  # nothing in the newest: Enter looks in all
            self.results.setCurrentRow(first - 1)
        self.window.sidebar.show_results(True)
        # Words, Meaning or Both, while search by meaning is on: not for Find similar.
        self.window.sidebar.search_modes.setVisible(self.meaning.on and self.similar_to is None)
        self.window.search_shown.emit()

    def _move(self, step: int) -> None:
        rows = [
            r
            for r in range(self.results.count())
            if self.results.item(r).data(HIT_ROLE) or self.results.item(r).data(WIDEN_ROLE)
        ]
        if not rows:
            return
        current = self.results.currentRow()
        later = [r for r in rows if (r > current if step > 0 else r < current)]
        target = (later[0] if step > 0 else later[-1]) if later else max(current, rows[0])
        self.results.setCurrentRow(target)

    def _clicked(self, item: QListWidgetItem) -> None:
        if item.data(WIDEN_ROLE):
            self.look_everywhere()

    def choose(self) -> None:
        item = self.results.currentItem()
        if item is not None and item.data(WIDEN_ROLE):
            self.look_everywhere()
            return
        hit: Hit | None = item.data(HIT_ROLE) if item is not None else None
        if hit is None:
            return
        if hit.message_id is None:
            self.window.open_chat(hit.chat_id)
        else:
            self.window.pages.open_at(hit.chat_id, hit.message_id, self.terms)

    def dismiss(self) -> None:
        """Esc: back to the chat list as it was."""
        self.similar_to = None
        self.field.clear()
        self.window.sidebar.show_results(False)
        self.window.composer.setFocus()

    def focus(self) -> None:
        self.field.setFocus()
        self.field.selectAll()


class HistoryIndexer(QObject):
    """Indexes, on the store's thread, the messages stored before search existed: chunks
    sized to take about `CHUNK_SECONDS` each, with the window's own work between them."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._rows = 1_000
        self.indexed = 0.0

    def start(self) -> None:
        primer = self.window.primer
        assert primer is not None
        rows = self._rows

        def chunk() -> tuple[float, float]:
            began = time.monotonic()
            indexed = primer.index_history(rows)
            return indexed, time.monotonic() - began

        Op(chunk).success(self._indexed).on_store(self.window.lane)

    def _indexed(self, result: tuple[float, float]) -> None:
        self.indexed, seconds = result
        if self.indexed >= 1.0:
            self.window.statusBar().clearMessage()
            return
        scale = CHUNK_SECONDS / max(seconds, 0.001)
        self._rows = max(100, min(20_000, int(self._rows * min(2.0, scale))))
        self.window.statusBar().showMessage(f"Indexing your history for search: {self.indexed:.0%}")
        QTimer.singleShot(10, self.start)
