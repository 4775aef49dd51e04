"""Which chat is on screen, and which of its pages: the newest when it opens, older ones
as the user scrolls up, newer ones after a search hit far up the branch, and the branch
of another version. Reads that arrive after a newer request are dropped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QAbstractItemView

from app.gui.operations import Op

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.bootstrap import Primer
    from app.gui.main_window import MainWindow
    from domain.entities import Message
    from domain.errors import PrimerError
    from domain.use_cases.load_conversation import Conversation


class ChatPages(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._request = 0
        self._loading: set[str] = set()
        window.conversation.near_top.connect(self._load_older)
        window.conversation.near_bottom.connect(self._load_newer)

    def forget_pending(self) -> int:
        """Chats being read will not be shown when they arrive; the number of the next read."""
        self._request += 1
        return self._request

    def open(self, chat_id: str) -> None:
        self._read(chat_id, lambda: self._primer().load_conversation(chat_id))

    def open_at(self, chat_id: str, message_id: str, terms: tuple[str, ...] = ()) -> None:
        """Open the chat at one message (a search hit), its `terms` marked."""
        self.window.delegate.mark(message_id, terms)
        self._read(
            chat_id, lambda: self._primer().load_conversation.around(message_id), at=message_id
        )

    def switch_version(self, message_id: str, step: int) -> None:
        """Show the older (-1) or newer (+1) version of a message, where it was on screen."""
        window = self.window
        row = window.message_model.row_of(message_id)
        if window.primer is None or row < 0:
            return
        if window.replies.active is not None:
            window.statusBar().showMessage("Wait for the reply to finish, or press Esc.", 4000)
            return
        window.message_actions.cancel_edit()
        index = window.message_model.index(row)
        keep = (window.message_model.depth(row), window.conversation.visualRect(index).top())
        request = self.forget_pending()
        Op(window.primer.switch_branch, message_id, step).success(
            lambda conversation: self._show(conversation, request, keep=keep)
        ).on_store(window.lane)

    def _primer(self) -> Primer:
        assert self.window.primer is not None
        return self.window.primer

    def _read(
        self, chat_id: str, job: Callable[[], Conversation], *, at: str | None = None
    ) -> None:
        window = self.window
        window.message_actions.cancel_edit()
        window.current_chat_id = chat_id
        request = self.forget_pending()
        Op(job).success(lambda conversation: self._show(conversation, request, at=at)).failure(
            self._failed
        ).on_store(window.lane)

    def _failed(self, error: PrimerError) -> None:
        self.window.show_error(error)
        self.window.new_chat(focus=False)
        self.window.refresh_chats()

    def _show(
        self,
        conversation: Conversation,
        request: int,
        *,
        keep: tuple[int, int] | None = None,
        at: str | None = None,
    ) -> None:
        """Show the page read: at its end; with `keep` (depth, y), with the message now at
        that depth where the switched one was; with `at`, that message in the middle."""
        if request != self._request:
            return
        window, model, view = self.window, self.window.message_model, self.window.conversation
        chat = conversation.chat
        window.current_chat_id = chat.id
        window.title_label.setText(chat.title)
        window.header.select(chat.provider, chat.model)
        window.sidebar.show_current()
        if at is None:
            window.delegate.mark(None)
        view.follow = not conversation.newer_ids
        model.show(chat.id, conversation.newest, conversation.older_ids, conversation.branches,
                   conversation.newer_ids)  # fmt: skip
        window.notes.load(chat.id)
        window.replies.set_streaming(window.replies.active is not None)
        window.replies.show_arrived_text()  # what arrived while another chat was on screen
        if at is not None:
            view.doItemsLayout()
            view.scrollTo(
                model.index(model.row_of(at)), QAbstractItemView.ScrollHint.PositionAtCenter
            )
        elif keep is None:
            view.scroll_to_end()
        else:
            depth, top = keep
            view.doItemsLayout()
            index = model.index(depth - len(conversation.older_ids))
            bar = view.verticalScrollBar()
            bar.setValue(bar.value() + view.visualRect(index).top() - top)
        window.update_empty_text()
        window.conversation_shown.emit()

    def _load_older(self) -> None:
        model = self.window.message_model
        if model.has_older():
            self._load("older", model.older_page(_page_size()))

    def _load_newer(self) -> None:
        model = self.window.message_model
        if model.newer_ids:
            self._load("newer", model.newer_ids[: _page_size()])

    def _load(self, which: str, ids: list[str]) -> None:
        window, model = self.window, self.window.message_model
        if which in self._loading or window.primer is None:
            return
        self._loading.add(which)
        chat_id = model.chat_id

        def show(messages: list[Message]) -> None:
            self._loading.discard(which)
            if model.chat_id != chat_id:
                return
            if which == "newer":
                model.append(messages)
                return
            bar = window.conversation.verticalScrollBar()
            from_bottom = bar.maximum() - bar.value()
            model.prepend(messages)
            window.conversation.doItemsLayout()
            bar.setValue(bar.maximum() - from_bottom)

        Op(window.primer.load_conversation.messages, ids).success(show).on_store(window.lane)


def _page_size() -> int:
    from domain.use_cases.load_conversation import PAGE_SIZE  # (not before the first paint)

    return PAGE_SIZE
