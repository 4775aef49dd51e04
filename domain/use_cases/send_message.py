"""Record what the user asked and open an empty reply, ready to stream into.

Sending, regenerating and editing all end in a `PendingReply`: the user's words are
committed before any network call, so a failed reply never loses them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from domain.branches import active_path
from domain.chats import new_chat, title_from_text
from domain.clock import Clock, utc_now
from domain.context import trim_history
from domain.entities import Chat, Message, MessageStatus, Role
from domain.errors import PrimerError
from domain.ids import new_id
from domain.ports import CompletionRequest, Turn, UnitOfWork, UnitOfWorkFactory
from domain.use_cases.load_conversation import visible_path

ContextWindow = Callable[[str, str], int]
"""(provider, model) -> tokens the model accepts."""


@dataclass(frozen=True, slots=True)
class NewChatSettings:
    provider: str
    model: str
    system_prompt: str = ""


@dataclass(frozen=True, slots=True)
class PendingReply:
    chat: Chat
    user_message: Message | None
    reply: Message
    request: CompletionRequest
    dropped_turns: int


class SendMessage:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        context_window: ContextWindow,
        clock: Clock = utc_now,
        *,
        writer: str,
    ) -> None:
        self._uow_factory = uow_factory
        self._context_window = context_window
        self._clock = clock
        self._writer = writer
        """This process's writer id: a reply it opens is its own until it finishes."""

    def send(
        self, chat_id: str | None, text: str, *, new_chat: NewChatSettings | None = None
    ) -> PendingReply:
        """Append a user message to the branch the chat shows; create the chat if needed."""
        if not text.strip():
            raise PrimerError("Type a message first.")
        with self._uow_factory() as uow:
            if chat_id is None:
                if new_chat is None:
                    raise ValueError("a new chat needs its settings")
                chat = self._create_chat(uow, text, new_chat)
                parent_id = None
            else:
                chat = uow.chats.get(chat_id)
                _, path = visible_path(uow, chat.id)
                parent_id = path[-1] if path else None
            return self._append_user_turn(uow, chat, parent_id, text)

    def edit(self, message_id: str, text: str) -> PendingReply:
        """A new user message beside the edited one: a branch; the original stays."""
        if not text.strip():
            raise PrimerError("Type a message first.")
        with self._uow_factory() as uow:
            original = uow.messages.get(message_id)
            if original.role is not Role.USER:
                raise PrimerError("Only your own messages can be edited.")
            chat = uow.chats.get(original.chat_id)
            return self._append_user_turn(uow, chat, original.parent_id, text)

    def regenerate(self, reply_id: str) -> PendingReply:
        """A new reply beside an earlier one (also Retry after an error)."""
        with self._uow_factory() as uow:
            old = uow.messages.get(reply_id)
            if old.role is not Role.ASSISTANT or old.parent_id is None:
                raise PrimerError("Only a reply to your message can be regenerated.")
            chat = uow.chats.get(old.chat_id)
            pending = self._open_reply(uow, chat, old.parent_id, user_message=None)
            uow.commit()
            return pending

    def _create_chat(self, uow: UnitOfWork, text: str, settings: NewChatSettings) -> Chat:
        chat = new_chat(
            title=title_from_text(text),
            provider=settings.provider,
            model=settings.model,
            system_prompt=settings.system_prompt,
            now=self._clock(),
        )
        uow.chats.add(chat)
        return chat

    def _append_user_turn(
        self, uow: UnitOfWork, chat: Chat, parent_id: str | None, text: str
    ) -> PendingReply:
        user_message = Message(
            id=new_id(),
            chat_id=chat.id,
            parent_id=parent_id,
            role=Role.USER,
            content=text,
            status=MessageStatus.COMPLETE,
            created_at=self._clock(),
        )
        uow.messages.add(user_message)
        pending = self._open_reply(uow, chat, user_message.id, user_message=user_message)
        uow.commit()
        return pending

    def _open_reply(
        self, uow: UnitOfWork, chat: Chat, parent_id: str, *, user_message: Message | None
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
        history_ids = active_path(uow.messages.lineage(chat.id), leaf=parent_id)
        history = uow.messages.get_many(history_ids)
        turns = [
            Turn(m.role, m.content)
            for m in history
            if m.role in (Role.USER, Role.ASSISTANT)
            and m.content
            and m.status != MessageStatus.ERROR
        ]
        window = self._context_window(chat.provider, chat.model)
        kept = trim_history(turns, chat.system_prompt, window)
        request = CompletionRequest(chat.model, chat.system_prompt, tuple(kept))
        return PendingReply(chat, user_message, reply, request, len(turns) - len(kept))
