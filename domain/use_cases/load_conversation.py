"""Open a chat: the visible branch's ids, and the newest page of its messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from domain.branches import (
    Lineage,
    active_path,
    branch_positions,
    visible_leaf,
    without_replaced_failures,
)
from domain.entities import Chat, Message
from domain.ports import UnitOfWork, UnitOfWorkFactory

PAGE_SIZE = 50  # more than a screenful; older pages load on scroll


@dataclass(frozen=True, slots=True)
class Conversation:
    chat: Chat
    path: tuple[str, ...]
    newest: tuple[Message, ...]
    branches: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """Messages on the path that have other versions: (1-based place, how many)."""

    start: int | None = None
    """Where `newest` begins on the path; None: it ends the path (the usual page)."""

    @property
    def older_ids(self) -> tuple[str, ...]:
        start = len(self.path) - len(self.newest) if self.start is None else self.start
        return self.path[:start]

    @property
    def newer_ids(self) -> tuple[str, ...]:
        """Messages after the page, when it is not the newest (a search hit far up)."""
        return self.path[len(self.older_ids) + len(self.newest) :]


class LoadConversation:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, chat_id: str, page_size: int | None = PAGE_SIZE) -> Conversation:
        """The newest `page_size` messages of the visible branch (all of it for None)."""
        with self._uow_factory() as uow:
            chat = uow.chats.get(chat_id)
            lineage, path = visible_path(uow, chat_id)
            return conversation(uow, chat, lineage, path, page_size)

    def around(self, message_id: str, page_size: int = PAGE_SIZE) -> Conversation:
        """The page of its chat around a message (a search hit), on the branch that holds
        it: if another version was shown, this one's branch is chosen, as switching to it
        would."""
        with self._uow_factory() as uow:
            message = uow.messages.get(message_id)
            chat = uow.chats.get(message.chat_id)
            lineage, path = visible_path(uow, chat.id)
            if message_id not in path:
                full = uow.messages.lineage(chat.id)  # (a failure a retry replaced, too)
                lineage = full if all(i != message_id for i, _ in lineage) else lineage
                uow.branches.choose(chat.id, message_id)
                uow.commit()
                path = active_path(lineage, visible_leaf(lineage, message_id))
            at = path.index(message_id)
            start = max(0, min(at - page_size // 4, len(path) - page_size))
            page = uow.messages.get_many(path[start : start + page_size])
        return Conversation(
            chat, tuple(path), tuple(page), branch_positions(lineage, path), start=start
        )

    def messages(self, message_ids: Sequence[str]) -> list[Message]:
        """An older page, fetched when the user scrolls up."""
        with self._uow_factory() as uow:
            return uow.messages.get_many(message_ids)


def visible_path(uow: UnitOfWork, chat_id: str) -> tuple[Lineage, list[str]]:
    """The chat's whole tree, and the ids of the branch it shows, oldest first."""
    lineage = without_replaced_failures(
        uow.messages.lineage(chat_id), uow.messages.failed_ids(chat_id)
    )
    return lineage, active_path(lineage, visible_leaf(lineage, uow.branches.chosen(chat_id)))


def conversation(
    uow: UnitOfWork, chat: Chat, lineage: Lineage, path: Sequence[str], page_size: int | None
) -> Conversation:
    """What a chat shows of a tree already read: the newest `page_size` of `path`."""
    wanted = path if page_size is None else path[len(path) - min(page_size, len(path)) :]
    page = uow.messages.get_many(wanted) if wanted else []
    return Conversation(chat, tuple(path), tuple(page), branch_positions(lineage, path))
