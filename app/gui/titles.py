"""Chat titles written by a model, from the window: after a chat's first reply (quietly:
a failure leaves the first message's line and is logged), and when the person asks
(Chat → Regenerate title: a failure is shown). The store is read and written on its
lane, the model asked on a worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from app.gui.operations import Op
from domain.entities import Message, MessageStatus
from domain.errors import PrimerError

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow
    from domain.entities import Chat
    from domain.use_cases.name_chat import TitleJob


class Titles(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.asking: set[str] = set()
        """Chats whose title a model is writing now."""
        window.reply_finished.connect(self.after_reply)

    def after_reply(self, message: Message) -> None:
        if message.status is MessageStatus.COMPLETE:
            self.name(message.chat_id)

    def regenerate(self) -> None:
        if self.window.current_chat_id:
            self.name(self.window.current_chat_id, asked=True)

    def name(self, chat_id: str, *, asked: bool = False) -> None:
        primer, window = self.window.primer, self.window
        if primer is None or (chat_id in self.asking and not asked):
            return  # (asked for, it goes ahead: the person's wish is not dropped)
        self.asking.add(chat_id)
        names = primer.name_chat

        def done(_result: object = None) -> None:
            self.asking.discard(chat_id)

        def failed(error: PrimerError) -> None:
            done()
            if asked:
                window.show_error(error)

        def named(chat: Chat | None) -> None:
            done()
            if chat is not None:
                window._chat_changed(chat)

        def ask(job: TitleJob | None) -> None:
            if job is None:
                if asked:
                    failed(PrimerError("The chat has no reply yet to title it from."))
                else:
                    done()
                return
            Op(names.write, job, asked=asked).success(
                lambda written: Op(names.apply, job, written, asked=asked)
                .success(named).failure(failed).on_store(window.lane)
            ).on_network(window.dispatcher, fallback=failed)  # fmt: skip

        Op(names.prepare, chat_id, asked=asked).success(ask).failure(failed).on_store(window.lane)
