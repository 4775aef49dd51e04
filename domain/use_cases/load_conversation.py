"""Open a chat: the visible branch's ids, and the newest page of its messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.branches import active_path
from domain.entities import Chat, Message
from domain.ports import UnitOfWorkFactory

PAGE_SIZE = 50  # more than a screenful; older pages load on scroll


@dataclass(frozen=True, slots=True)
class Conversation:
    chat: Chat
    path: tuple[str, ...]
    newest: tuple[Message, ...]

    @property
    def older_ids(self) -> tuple[str, ...]:
        return self.path[: len(self.path) - len(self.newest)]


class LoadConversation:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, chat_id: str, page_size: int | None = PAGE_SIZE) -> Conversation:
        """The newest `page_size` messages of the visible branch (all of it for None)."""
        with self._uow_factory() as uow:
            chat = uow.chats.get(chat_id)
            path = active_path(uow.messages.lineage(chat_id))
            wanted = path if page_size is None else path[len(path) - min(page_size, len(path)) :]
            page = uow.messages.get_many(wanted) if wanted else []
        return Conversation(chat=chat, path=tuple(path), newest=tuple(page))

    def every_message(self, chat_id: str) -> list[Message]:
        """Every branch, oldest first: what an export needs."""
        with self._uow_factory() as uow:
            return uow.messages.get_many([i for i, _ in uow.messages.lineage(chat_id)])

    def messages(self, message_ids: Sequence[str]) -> list[Message]:
        """An older page, fetched when the user scrolls up."""
        with self._uow_factory() as uow:
            return uow.messages.get_many(message_ids)
