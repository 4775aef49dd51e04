"""The chat list: pinned first, then the chats with the newest messages."""

from __future__ import annotations

from domain.chats import list_order
from domain.entities import ChatSummary
from domain.ports import UnitOfWorkFactory


class ListChats:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(
        self, *, with_counts: bool = False, archived: bool | None = False, tag: str | None = None
    ) -> list[ChatSummary]:
        """The chats out of the archive (default), the archived ones (True), or all (None);
        with `tag`, those carrying it only."""
        with self._uow_factory() as uow:
            summaries = uow.chats.summaries(with_counts=with_counts, archived=archived, tag=tag)
        return sorted(summaries, key=list_order)
