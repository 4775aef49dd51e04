"""Read chats for an export, one at a time: an export of a million messages holds one
chat in memory, not the history."""

from __future__ import annotations

from domain.chats import list_order
from domain.export import WholeChat
from domain.ports import UnitOfWorkFactory
from domain.use_cases.load_conversation import visible_path


class ExportChats:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def chat_ids(self, chat_id: str | None = None) -> list[str]:
        """The chat `chat_id` names (an id or a prefix; an unknown one raises), or every
        chat that is not deleted, in the list's order."""
        with self._uow_factory() as uow:
            if chat_id is not None:
                return [uow.chats.resolve_id(chat_id)]
            return [summary.id for summary in sorted(uow.chats.summaries(), key=list_order)]

    def __call__(self, chat_id: str) -> WholeChat:
        """The chat, every message of every branch, and the branch it shows."""
        with self._uow_factory() as uow:
            chat = uow.chats.get(chat_id)
            _, path = visible_path(uow, chat_id)
            everything = uow.messages.lineage(chat_id)  # (failures a retry replaced, too)
            messages = uow.messages.get_many([message_id for message_id, _ in everything])
            notes = sorted((view.note for view in uow.notes.listed(chat_id)),
                           key=lambda note: note.created_at)  # fmt: skip
        return WholeChat(chat, tuple(messages), tuple(path), tuple(notes))
