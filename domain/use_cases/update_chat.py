"""Change a chat's title, pin, provider, model or system prompt."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from domain.clock import Clock, utc_now
from domain.entities import Chat
from domain.errors import PrimerError
from domain.ports import UnitOfWorkFactory

EDITABLE_FIELDS = frozenset({"title", "pinned", "archived", "provider", "model", "system_prompt"})


class UpdateChat:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock = utc_now,
        default_model: Callable[[str], str] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._default_model = default_model
        """A provider's default model: a chat moved to another provider without a model
        named takes it (its old model means nothing there)."""

    def __call__(self, chat_id: str, **changes: object) -> Chat:
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        if "title" in changes:
            title = str(changes["title"]).strip()
            if not title:
                raise PrimerError("A chat needs a title.")
            changes["title"] = title
            changes["title_by"] = "person"  # typed: no model replaces it
        if "provider" in changes and "model" not in changes and self._default_model:
            changes["model"] = self._default_model(str(changes["provider"]))
        with self._uow_factory() as uow:
            chat = uow.chats.get(chat_id)
            updated = dataclasses.replace(chat, **changes, updated_at=self._clock())  # type: ignore[arg-type]
            uow.chats.update(updated)
            uow.commit()
        return updated
