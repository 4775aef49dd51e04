"""Look up one chat, by its id or an unambiguous prefix of it."""

from __future__ import annotations

from domain.entities import Chat
from domain.ports import UnitOfWorkFactory


class GetChat:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, id_or_prefix: str) -> Chat:
        with self._uow_factory() as uow:
            return uow.chats.get(uow.chats.resolve_id(id_or_prefix))
