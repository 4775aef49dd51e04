"""Sending a message and streaming its reply. Each chat streams on its own; the chat on
screen shows the text as it arrives, repainted at most every `REPAINT_INTERVAL_MS`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from app.gui.operations import Op
from domain.attachments import CannotSend
from domain.errors import PrimerError

if TYPE_CHECKING:  # (the use cases load with the store, after the window's first paint)
    from app.gui.main_window import MainWindow
    from domain.entities import Message
    from domain.ports import CancelToken
    from domain.use_cases.send_message import NewChatSettings, PendingReply
    from domain.use_cases.stream_reply import ReplyOutcome

REPAINT_INTERVAL_MS = 40


@dataclass
class ActiveReply:
    pending: PendingReply
    cancel: CancelToken
    parts: list[str] = field(default_factory=list)


class Replies(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.streams: dict[str, ActiveReply] = {}
        """Replies arriving now, by chat."""
        self._repaint_timer = QTimer(self)
        self._repaint_timer.setSingleShot(True)
        self._repaint_timer.timeout.connect(self.show_arrived_text)

    @property
    def active(self) -> ActiveReply | None:
        """The reply arriving in the chat on screen, if one is."""
        chat_id = self.window.current_chat_id
        return self.streams.get(chat_id) if chat_id else None

    # ---------------------------------------------------------------- sending
    def send(self, *, as_text: bool = False) -> None:
        """Send what the composer holds: a new message (with the files attached), or the
        edit of an earlier one. `as_text`: the person chose to send files' text where the
        model cannot read the files."""
        window = self.window
        primer = window.primer
        text = window.composer.toPlainText()
        attachments = window.attachment_tray.attachments()
        if primer is None or not (text.strip() or attachments):
            return
        if window.attacher.busy:
            window.message_bar.show_message(
                "A file is still being attached; send once its chip shows.", kind="info",
                timeout_ms=4000,
            )  # fmt: skip
            return
        if self.active is not None:
            window.message_bar.show_message(
                "A reply is still arriving in this chat. Press Stop (Esc) first, or use another "
                "chat meanwhile.",
                kind="info",
                timeout_ms=5000,
            )
            return
        editing = window.message_actions.editing_message_id
        chat_id = window.current_chat_id
        settings: NewChatSettings = window.header.new_chat_settings()
        if editing:
            job: Callable[[], PendingReply] = lambda: primer.send_message.edit(editing, text)  # noqa: E731
        else:
            job = lambda: primer.send_message.send(  # noqa: E731
                chat_id, text, new_chat=settings, attachments=attachments, as_text=as_text
            )
        window.send_button.setEnabled(False)

        def sent(pending: PendingReply) -> None:
            # The user's words are stored: only now is the composer cleared.
            window.composer.clear()
            window.attachment_tray.clear()
            window.message_actions.cancel_edit()
            window.send_button.setEnabled(True)
            self.begin(pending)

        def failed(error: PrimerError) -> None:
            window.send_button.setEnabled(True)
            if isinstance(error, CannotSend) and error.as_text:  # asked: no error on top
                if self._text_instead(error):
                    self.send(as_text=True)
                return
            window.show_error(error)

        def store() -> None:
            Op(job).success(sent).failure(failed).on_store(window.lane)

        if not attachments or editing:
            store()
            return
        # Files: what the model reads is asked first (a local server is asked over the
        # network), then the message is stored.
        provider, model = self._sending_to(settings)
        Op(primer.send_message.check_files, provider, model, attachments, as_text).success(
            lambda _checked: store()
        ).failure(failed).on_network(window.dispatcher, fallback=failed)

    def _sending_to(self, settings: NewChatSettings) -> tuple[str, str]:
        """The provider and model the message goes to: the open chat's, or a new one's."""
        summary = self.window.sidebar.current_summary()
        if self.window.current_chat_id and summary is not None:
            return summary.provider, summary.model
        return settings.provider, settings.model

    def _text_instead(self, refused: CannotSend) -> bool:
        from PySide6.QtWidgets import QMessageBox

        ask = QMessageBox(
            QMessageBox.Icon.Question, "Send the text instead?", refused.message,
            parent=self.window,
        )  # fmt: skip
        send = ask.addButton("Send as text", QMessageBox.ButtonRole.AcceptRole)
        ask.addButton(QMessageBox.StandardButton.Cancel)
        ask.exec()
        return ask.clickedButton() is send

    def regenerate(self, reply_id: str) -> None:
        primer = self.window.primer
        if primer is None or self.active is not None:
            return
        Op(primer.send_message.regenerate, reply_id).success(self.begin).on_store(self.window.lane)

    def begin(self, pending: PendingReply) -> None:
        """Show the stored user message and empty reply, then stream into it."""
        window = self.window
        primer = window.primer
        assert primer is not None
        from domain.ports import CancelToken

        active = ActiveReply(pending, CancelToken())
        self.streams[pending.chat.id] = active
        window.current_chat_id = pending.chat.id
        self.set_streaming(True)
        self._show_pending(pending)

        def on_delta(text: str) -> None:  # on the stream's thread
            window.dispatcher.post(self._delta, active, text)

        def checkpoint(text: str) -> None:  # on the stream's thread: the lane saves it
            window.dispatcher.post(self._save_progress, pending.reply.id, text)

        Op(primer.stream_reply, pending, on_delta, active.cancel, checkpoint).success(
            lambda outcome: self._stream_ended(active, outcome)
        ).on_network(window.dispatcher, fallback=window.show_error)

    def _show_pending(self, pending: PendingReply) -> None:
        """Follow what the send changed, without reading the chat or the list again: the
        chat's row moves to the top, the branch goes on with the question and the reply."""
        window = self.window
        window.forget_pending_loads()  # a chat still being read would show it without them
        window.sidebar.put(pending.summary)
        window.title_label.setText(pending.chat.title)
        model = window.message_model
        if model.chat_id != pending.chat.id:  # a new chat: its question shows at once
            model.show(pending.chat.id, pending.shown, [])
        elif not model.branch_off(pending.parent_id, pending.shown, pending.version):
            window.open_chat(pending.chat.id)
        window.conversation.scroll_to_end()

    # ---------------------------------------------------------------- streaming
    def _save_progress(self, reply_id: str, text: str) -> None:
        primer = self.window.primer
        if primer is not None:
            Op(primer.save_reply_progress, reply_id, text).on_store(self.window.lane)

    def _delta(self, active: ActiveReply, text: str) -> None:
        if self.streams.get(active.pending.chat.id) is not active:
            return  # stopped already
        active.parts.append(text)
        shown = self.window.message_model.chat_id == active.pending.chat.id
        if shown and not self._repaint_timer.isActive():
            self._repaint_timer.start(REPAINT_INTERVAL_MS)

    def show_arrived_text(self) -> None:
        """Show the text that has arrived in the chat on screen."""
        model = self.window.message_model
        shown = self.streams.get(model.chat_id or "")
        if shown is None:
            return
        model.set_text(shown.pending.reply.id, "".join(shown.parts))
        self._resized(shown.pending.reply.id)

    def _stream_ended(self, active: ActiveReply, outcome: ReplyOutcome) -> None:
        if self.streams.get(active.pending.chat.id) is not active:
            # Stopped already, its partial text stored then: what it used is counted now.
            primer = self.window.primer
            assert primer is not None
            Op(primer.finish_reply.count, active.pending.reply.id, outcome).on_store(
                self.window.lane
            )
            return
        self._finish(active, outcome)

    # ---------------------------------------------------------------- ending
    def stop(self) -> None:
        """Stop the reply arriving in the chat on screen (Stop, Esc); others go on."""
        if self.active is not None:
            self._stop(self.active)

    def stop_all(self) -> None:
        for active in list(self.streams.values()):
            self._stop(active)

    def stop_chat(self, chat_id: str) -> None:
        if chat_id in self.streams:
            self._stop(self.streams[chat_id])

    def _stop(self, active: ActiveReply) -> None:
        active.cancel.cancel()
        from domain.use_cases.stream_reply import stopped

        self._finish(active, stopped("".join(active.parts)))

    def _finish(self, active: ActiveReply, outcome: ReplyOutcome) -> None:
        window = self.window
        primer = window.primer
        assert primer is not None
        del self.streams[active.pending.chat.id]
        if window.message_model.chat_id == active.pending.chat.id:
            self._repaint_timer.stop()
            self.set_streaming(False)

        def stored(message: Message) -> None:
            # (another chat on screen: the model has no such row, and the chat shows the
            # stored reply when it is opened)
            window.message_model.replace(message)
            self._resized(message.id)
            window.reply_finished.emit(message)

        Op(primer.finish_reply, active.pending.reply.id, outcome).success(stored).on_store(
            window.lane
        )

    def _resized(self, message_id: str) -> None:
        """A message's text changed: the view measures its row again."""
        model = self.window.message_model
        row = model.row_of(message_id)
        if row >= 0:
            self.window.delegate.sizeHintChanged.emit(model.index(row))

    def set_streaming(self, streaming: bool) -> None:
        self.window.send_button.setVisible(not streaming)
        self.window.stop_button.setVisible(streaming)
