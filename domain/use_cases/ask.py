"""Ask in one go, as a command does: store the question (starting a chat, or first changing
the chat's provider, model or system prompt), stream the reply, and store how it ended.

The window runs the same use cases apart, the store's on its lane and the stream on a
worker, so that it never waits; a command has one thread and waits for each in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from domain.attachments import Attachment
from domain.entities import Message, Usage
from domain.ports import CancelToken
from domain.usage import Timing
from domain.use_cases.finish_reply import FinishReply
from domain.use_cases.get_chat import GetChat
from domain.use_cases.save_reply_progress import SaveReplyProgress
from domain.use_cases.send_message import NewChatSettings, PendingReply, SendMessage
from domain.use_cases.stream_reply import StreamReply, stopped, used
from domain.use_cases.update_chat import UpdateChat


@dataclass(frozen=True, slots=True)
class Asked:
    pending: PendingReply
    reply: Message
    """The reply as stored: whole, stopped, cut off or failed."""
    stopped: bool


class Ask:
    def __init__(
        self,
        *,
        get_chat: GetChat,
        update_chat: UpdateChat,
        send_message: SendMessage,
        stream_reply: StreamReply,
        save_reply_progress: SaveReplyProgress,
        finish_reply: FinishReply,
    ) -> None:
        self._get_chat = get_chat
        self._update_chat = update_chat
        self._send = send_message
        self._stream = stream_reply
        self._save_progress = save_reply_progress
        self._finish = finish_reply

    def __call__(
        self,
        text: str,
        *,
        chat: str | None = None,
        changes: Mapping[str, str] | None = None,
        new_chat: NewChatSettings,
        on_start: Callable[[PendingReply], None] = lambda _pending: None,
        on_delta: Callable[[str], None] = lambda _text: None,
        cancel: CancelToken | None = None,
        attachments: tuple[Attachment, ...] = (),
        as_text: bool = False,
    ) -> Asked:
        """`chat`: an id or a prefix of one, to go on with (after `changes` to it); without
        it, a new chat with `new_chat`. Ctrl-C (KeyboardInterrupt) while the reply arrives
        stops it as Stop does: what arrived is kept, marked interrupted. `attachments`
        (AttachFile's) go with the message; refused, they are forgotten."""
        cancel = cancel or CancelToken()
        try:
            if chat is not None:
                chat_id = self._get_chat(chat).id
                if changes:
                    self._update_chat(chat_id, **changes)
                going_on = self._get_chat(chat_id)
                self._send.check_files(going_on.provider, going_on.model, attachments, as_text)
                pending = self._send.send(chat_id, text, attachments=attachments, as_text=as_text)
            else:
                self._send.check_files(new_chat.provider, new_chat.model, attachments, as_text)
                pending = self._send.send(
                    None, text, new_chat=new_chat, attachments=attachments, as_text=as_text
                )
        except BaseException:
            self._send.forget(attachments)
            raise
        on_start(pending)
        parts: list[str] = []

        def arrived(delta: str) -> None:
            parts.append(delta)
            on_delta(delta)

        def checkpoint(so_far: str) -> None:
            self._save_progress(pending.reply.id, so_far)

        try:
            outcome = self._stream(pending, arrived, cancel, checkpoint)
        except KeyboardInterrupt:
            cancel.cancel()
            outcome = stopped("".join(parts))
            if outcome.content:  # words came: the request is counted, estimated
                outcome = outcome.measured(used(pending, Usage(), outcome), Timing())
        reply = self._finish(pending.reply.id, outcome)
        return Asked(pending, reply, cancel.cancelled)
