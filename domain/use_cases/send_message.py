"""Record what the user asked and open an empty reply, ready to stream into.

Sending, regenerating and editing all end in a `PendingReply`: the user's words are
committed before any network call, so a failed reply never loses them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from domain.attachments import Attachment, CannotSend, Reading, Sending, how_to_send
from domain.branches import Lineage, active_path
from domain.chats import new_chat, summary_of, title_from_text
from domain.clock import Clock, utc_now
from domain.context import history_budget, trim_history, turn_cost
from domain.entities import Chat, ChatSummary, Message, MessageStatus, Role
from domain.errors import PrimerError
from domain.ids import new_id
from domain.ports import (
    CompletionRequest,
    FileStore,
    Readings,
    SentFile,
    Turn,
    UnitOfWork,
    UnitOfWorkFactory,
)
from domain.use_cases.load_conversation import visible_path

ContextWindow = Callable[[str, str], int]
"""(provider, model) -> tokens the model accepts."""


@dataclass(frozen=True, slots=True)
class NewChatSettings:
    provider: str
    model: str = ""
    """Empty: the provider's default model."""
    system_prompt: str = ""


@dataclass(frozen=True, slots=True)
class PendingReply:
    """The stored question and the empty reply, and what changed for a view to follow
    without reading the chat again (as Anki's `OpChanges`): the chat's row in the list moves
    to the top, and the branch on screen goes on from `parent_id` with `shown`."""

    chat: Chat
    user_message: Message | None
    reply: Message
    request: CompletionRequest
    dropped_turns: int
    """Messages of the branch before the oldest one sent: the context window was full."""
    version: tuple[int, int] | None = None
    """(place, count) of the first new message among its versions, if it has others."""
    dropped_files: int = 0
    """Files of earlier messages not sent again: they no longer fit, or cannot go."""

    @property
    def parent_id(self) -> str | None:
        """The message the new ones follow on the branch (None: they start the chat)."""
        return self.shown[0].parent_id

    @property
    def shown(self) -> tuple[Message, ...]:
        """The new messages, in the order the branch shows them."""
        if self.user_message is None:
            return (self.reply,)
        return (self.user_message, self.reply)

    @property
    def summary(self) -> ChatSummary:
        """The chat's row in the chat list after this send."""
        return summary_of(self.chat, active_at=self.reply.created_at)


HISTORY_PAGE = 200
"""Messages read at a time, newest first, until the context window is full."""


class SendMessage:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        context_window: ContextWindow,
        clock: Clock = utc_now,
        *,
        writer: str,
        default_model: Callable[[str], str] | None = None,
        readings: Readings | None = None,
        files: FileStore | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._context_window = context_window
        self._clock = clock
        self._writer = writer
        """This process's writer id: a reply it opens is its own until it finishes."""
        self._default_model = default_model
        """A provider's default model, for a new chat that names none; it raises for a
        provider that does not exist, before anything is stored."""
        self._readings = readings
        self._files = files

    def send(
        self,
        chat_id: str | None,
        text: str,
        *,
        new_chat: NewChatSettings | None = None,
        attachments: Sequence[Attachment] = (),
        as_text: bool = False,
    ) -> PendingReply:
        """Append a user message to the branch the chat shows; create the chat if needed.
        `attachments` (AttachFile's) go with it; one the model cannot take raises
        CannotSend before anything is stored, unless `as_text` lets its text go instead."""
        if not text.strip() and not attachments:
            raise PrimerError("Type a message first.")
        with self._uow_factory() as uow:
            if chat_id is None:
                if new_chat is None:
                    raise ValueError("a new chat needs its settings")
                # checked before the chat exists: nothing is stored
                self.check_files(new_chat.provider, new_chat.model, attachments, as_text, ask=False)
                chat = self._create_chat(uow, text or attachments[0].name, new_chat)
                lineage: Lineage = []
                path: list[str] = []
            else:
                chat = uow.chats.get(chat_id)
                lineage, path = visible_path(uow, chat.id)
            return self._append_user_turn(
                uow, chat, lineage, path, text, attachments=tuple(attachments), as_text=as_text
            )

    def check_files(
        self,
        provider: str,
        model: str,
        attachments: Sequence[Attachment],
        as_text: bool,
        *,
        ask: bool = True,
    ) -> None:
        """CannotSend, before anything is stored, for a file the model cannot take. `ask`:
        a local server is asked what its model reads (a network call: run it on a worker);
        without it, what its kind tells (a send checks again so, on the store's thread)."""
        if not attachments:
            return
        if self._readings is None:
            raise PrimerError("Files cannot be sent from here.")
        model = model or (self._default_model(provider) if self._default_model else "")
        reading = self._readings.reading(provider, model, ask=ask)
        for attachment in attachments:
            how_to_send(attachment, reading, as_text=as_text)

    def forget(self, attachments: Sequence[Attachment]) -> None:
        """Files attached and then not sent (removed, refused, the draft dropped): their
        bytes leave the data folder, unless a message carries the same file."""
        if self._files is None:
            return
        with self._uow_factory() as uow:
            for attachment in attachments:
                if not uow.files.known(attachment.sha256):
                    self._files.remove(attachment.sha256)

    def edit(self, message_id: str, text: str) -> PendingReply:
        """A new user message beside the edited one: a branch; the original stays."""
        if not text.strip():
            raise PrimerError("Type a message first.")
        with self._uow_factory() as uow:
            original = uow.messages.get(message_id)
            if original.role is not Role.USER:
                raise PrimerError("Only your own messages can be edited.")
            chat = uow.chats.get(original.chat_id)
            lineage, _ = visible_path(uow, chat.id)
            parent_id = original.parent_id
            path = active_path(lineage, parent_id) if parent_id else []
            return self._append_user_turn(
                uow, chat, lineage, path, text, parent_id=parent_id,
                attachments=original.attachments, as_text=True,
            )  # fmt: skip

    def regenerate(self, reply_id: str) -> PendingReply:
        """A new reply beside an earlier one (also Retry after an error)."""
        with self._uow_factory() as uow:
            old = uow.messages.get(reply_id)
            if old.role is not Role.ASSISTANT or old.parent_id is None:
                raise PrimerError("Only a reply to your message can be regenerated.")
            chat = uow.chats.get(old.chat_id)
            lineage, _ = visible_path(uow, chat.id)
            if old.status is MessageStatus.ERROR and all(p != old.id for _, p in lineage):
                # a Retry: the failure it replaces is no version to switch to
                lineage = [(i, p) for i, p in lineage if i != old.id]
            path = active_path(lineage, old.parent_id)
            history = self._history(uow, chat, path, newest=None)
            pending = self._open_reply(uow, chat, lineage, old.parent_id, history, None)
            uow.commit()
            return pending

    def _create_chat(self, uow: UnitOfWork, text: str, settings: NewChatSettings) -> Chat:
        default = self._default_model(settings.provider) if self._default_model else ""
        chat = new_chat(
            title=title_from_text(text),
            title_by="message",  # until a model writes one after the first reply
            provider=settings.provider,
            model=settings.model or default,
            system_prompt=settings.system_prompt,
            now=self._clock(),
        )
        uow.chats.add(chat)
        return chat

    def _append_user_turn(
        self,
        uow: UnitOfWork,
        chat: Chat,
        lineage: Lineage,
        path: list[str],
        text: str,
        *,
        parent_id: str | None = None,
        attachments: tuple[Attachment, ...] = (),
        as_text: bool = False,
    ) -> PendingReply:
        """`path`: the branch the new message follows, oldest first; its parent is the
        path's last message unless `parent_id` says otherwise (an edit)."""
        self.check_files(chat.provider, chat.model, attachments, as_text, ask=False)
        user_message = Message(
            id=new_id(),
            chat_id=chat.id,
            parent_id=parent_id or (path[-1] if path else None),
            role=Role.USER,
            content=text,
            status=MessageStatus.COMPLETE,
            created_at=self._clock(),
            attachments=attachments,
        )
        history = self._history(uow, chat, path, newest=user_message, as_text=as_text)
        uow.messages.add(user_message)
        pending = self._open_reply(
            uow, chat, lineage, user_message.id, history, user_message=user_message
        )
        uow.commit()
        return pending

    def _history(
        self,
        uow: UnitOfWork,
        chat: Chat,
        path: Sequence[str],
        *,
        newest: Message | None,
        as_text: bool = False,
    ) -> tuple[list[Turn], int, int]:
        """The turns to send, oldest first, and how many messages of the branch before the
        oldest one sent were left out: read newest first, a page at a time, until the
        model's context window is full (a chat of 10,000 messages is not read whole)."""
        window = self._context_window(chat.provider, chat.model)
        budget = history_budget(window, chat.system_prompt)
        reading = self._reading(chat.provider, chat.model)
        turns: list[tuple[int, Turn]] = []  # (place on the path, turn), newest first
        left_out = 0
        if newest is not None:
            files = self._sent(newest.attachments, reading, as_text=as_text)[0]
            turns.append((len(path), Turn(newest.role, newest.content, files)))
            budget -= turn_cost(turns[0][1])
        end = len(path)
        while end > 0 and budget > 0:
            start = max(0, end - HISTORY_PAGE)
            page = uow.messages.get_many(path[start:end])
            for place, message in reversed(list(enumerate(page, start))):
                if (
                    message.role in (Role.USER, Role.ASSISTANT)
                    and (message.content or message.attachments)
                    and (message.status != MessageStatus.ERROR)
                ):
                    files, cannot = self._sent(message.attachments, reading, as_text=True)
                    turn = Turn(message.role, message.content, files)
                    if files and turn_cost(turn) > budget:  # the words still go, if they fit
                        cannot, turn = cannot + len(files), Turn(message.role, message.content)
                    left_out += cannot
                    turns.append((place, turn))
                    budget -= turn_cost(turn)
            end = start
        turns.reverse()
        kept = trim_history([turn for _, turn in turns], chat.system_prompt, window)
        oldest_sent = turns[len(turns) - len(kept)][0] if kept else len(path)
        dropped = turns[: len(turns) - len(kept)]
        left_out -= sum(len(t.files) for _, t in dropped)  # (a whole turn left out is told)
        return kept, oldest_sent, max(left_out, 0)

    def _reading(self, provider: str, model: str) -> Reading | None:
        return self._readings.reading(provider, model) if self._readings else None

    def _sent(
        self, attachments: Sequence[Attachment], reading: Reading | None, *, as_text: bool
    ) -> tuple[tuple[SentFile, ...], int]:
        """The files that go, and how many cannot (an earlier file the chat's model does
        not read, with no text to send instead; a file no longer on this device)."""
        if not attachments or reading is None or self._files is None:
            return (), len(attachments)
        sent: list[SentFile] = []
        for attachment in attachments:
            try:
                how = how_to_send(attachment, reading, as_text=as_text)
            except CannotSend:
                continue
            if how is Sending.FILE and not self._files.has(attachment.sha256):
                if not attachment.file.text:
                    continue
                how = Sending.TEXT
            sent.append(SentFile(attachment, self._files.path(attachment.sha256), how))
        return tuple(sent), len(attachments) - len(sent)

    def _open_reply(
        self,
        uow: UnitOfWork,
        chat: Chat,
        lineage: Lineage,
        parent_id: str,
        history: tuple[list[Turn], int, int],
        user_message: Message | None,
    ) -> PendingReply:
        now = self._clock()
        reply = Message(
            id=new_id(),
            chat_id=chat.id,
            parent_id=parent_id,
            role=Role.ASSISTANT,
            content="",
            status=MessageStatus.STREAMING,
            created_at=now,
            provider=chat.provider,
            model=chat.model,
        )
        uow.messages.add(reply)
        uow.writers.claim(reply.id, self._writer)
        uow.branches.choose(chat.id, None)  # the reply is the newest message: it shows
        chat = dataclasses.replace(chat, updated_at=now)
        uow.chats.update(chat)
        first = user_message or reply
        others = [i for i, parent in lineage if parent == first.parent_id]
        version = (len(others) + 1, len(others) + 1) if others else None
        turns, dropped, dropped_files = history
        request = CompletionRequest(chat.model, chat.system_prompt, tuple(turns))
        return PendingReply(
            chat,
            user_message,
            reply,
            request,
            dropped,
            version=version,
            dropped_files=dropped_files,
        )
