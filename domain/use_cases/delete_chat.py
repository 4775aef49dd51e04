"""Delete a chat softly, so Undo can bring it back and backup can send the deletion."""

from __future__ import annotations

import dataclasses

from domain.clock import Clock, utc_now
from domain.entities import ChatSummary
from domain.ports import UnitOfWorkFactory


class DeleteChat:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock = utc_now) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def __call__(self, chat_id: str) -> None:
        now = self._clock()
        with self._uow_factory() as uow:
            chat = uow.chats.get(chat_id)
            uow.chats.update(dataclasses.replace(chat, deleted_at=now, updated_at=now))
            uow.commit()

    def undo(self, chat_id: str) -> ChatSummary:
        """Bring the chat back; its row in the chat list, where it was before."""
        with self._uow_factory() as uow:
            chat = uow.chats.get(chat_id, include_deleted=True)
            uow.chats.update(dataclasses.replace(chat, deleted_at=None, updated_at=self._clock()))
            uow.commit()
            return uow.chats.summaries(ids=[chat_id])[0]
