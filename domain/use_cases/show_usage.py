"""What requests to models used and cost: totals by day, model, provider or chat, one
chat's, and each reply's own (the ledger is written by FinishReply and NameChat)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.ports import UnitOfWorkFactory
from domain.usage import Grouping, UsageEntry, UsageTotals


@dataclass(frozen=True, slots=True)
class UsageReport:
    by: Grouping
    rows: list[UsageTotals]
    names: dict[str, str]
    """For totals by chat: each chat's title ("a deleted chat" when it is gone)."""


class ShowUsage:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, by: Grouping = "day", since: str | None = None) -> UsageReport:
        with self._uow_factory() as uow:
            rows = uow.usage.totals(by, since)
            names = {}
            if by == "chat":
                ids = [row.key for row in rows]
                chats = uow.chats.summaries(ids=ids, archived=None)
                titles = {chat.id: chat.title for chat in chats}
                names = {key: titles.get(key, "a deleted chat") for key in ids}
        return UsageReport(by, rows, names)

    def of_chat(self, chat_id: str) -> UsageTotals | None:
        with self._uow_factory() as uow:
            return uow.usage.of_chat(chat_id)

    def of_messages(self, message_ids: Iterable[str]) -> dict[str, UsageEntry]:
        with self._uow_factory() as uow:
            return uow.usage.of_messages(message_ids)
