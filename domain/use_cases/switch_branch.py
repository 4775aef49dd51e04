"""Show another version of an edited message or a regenerated reply."""

from __future__ import annotations

from domain.branches import active_path, siblings, visible_leaf
from domain.errors import PrimerError
from domain.ports import UnitOfWorkFactory
from domain.use_cases.load_conversation import (
    PAGE_SIZE,
    Conversation,
    conversation,
    visible_path,
)


class SwitchBranch:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, message_id: str, step: int) -> Conversation:
        """Move `step` versions from `message_id` (-1: the older one) and remember the choice.
        The tree is read once: the branch shown after the switch is worked out from it."""
        with self._uow_factory() as uow:
            chat_id = uow.messages.get(message_id).chat_id
            lineage, _ = visible_path(uow, chat_id)  # versions as shown: no replaced failures
            versions = siblings(lineage, message_id)
            place = versions.index(message_id) + step
            if not 0 <= place < len(versions):
                raise PrimerError("There is no other version that way.")
            chosen = versions[place]
            uow.branches.choose(chat_id, chosen)
            uow.commit()
            path = active_path(lineage, visible_leaf(lineage, chosen))
            depth = len(active_path(lineage, chosen)) - 1
            # the page reaches up to the switched message, however far up it is
            page_size = max(PAGE_SIZE, len(path) - depth)
            return conversation(uow, uow.chats.get(chat_id), lineage, path, page_size)
