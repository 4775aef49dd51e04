"""Show another version of an edited message or a regenerated reply."""

from __future__ import annotations

from domain.branches import active_path, siblings
from domain.errors import PrimerError
from domain.ports import UnitOfWorkFactory
from domain.use_cases.load_conversation import Conversation, LoadConversation, visible_path


class SwitchBranch:
    def __init__(self, uow_factory: UnitOfWorkFactory, load: LoadConversation) -> None:
        self._uow_factory = uow_factory
        self._load = load

    def __call__(self, message_id: str, step: int) -> Conversation:
        """Move `step` versions from `message_id` (-1: the older one) and remember the choice."""
        with self._uow_factory() as uow:
            chat_id = uow.messages.get(message_id).chat_id
            lineage, _ = visible_path(uow, chat_id)  # versions as shown: no replaced failures
            versions = siblings(lineage, message_id)
            place = versions.index(message_id) + step
            if not 0 <= place < len(versions):
                raise PrimerError("There is no other version that way.")
            uow.branches.choose(chat_id, versions[place])
            uow.commit()
        depth = len(active_path(lineage, message_id)) - 1
        conversation = self._load(chat_id)
        if depth < len(conversation.older_ids):  # the switched message is further up: load it
            conversation = self._load(chat_id, page_size=len(conversation.path) - depth)
        return conversation
