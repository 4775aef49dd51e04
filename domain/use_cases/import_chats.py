"""Bring chats in: each in a transaction of its own, adding what this store lacks and
never changing what it has, so that importing a file again adds nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from domain.backup import HereAndNow, StoreThread
from domain.errors import NotFoundError
from domain.export import WholeChat
from domain.ports import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Skipped:
    item: str
    reason: str


@dataclass
class ImportReport:
    chats_added: int = 0
    chats_updated: int = 0
    messages_added: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def skip(self, item: str, reason: str) -> None:
        self.skipped.append(Skipped(item, reason))


class ImportChats:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(
        self,
        chats: Iterable[WholeChat],
        report: ImportReport,
        *,
        dry_run: bool = False,
        cancelled: Callable[[], bool] = lambda: False,
        store: StoreThread | None = None,
    ) -> ImportReport:
        """Import each chat, counting in `report` as it goes (what was read before a
        damaged part stays, counted). `dry_run`: count, write nothing. `store`: the
        store's thread, when the caller is not on it (the window reads the file on a
        worker, and each chat's transaction is a job of the store's: other work goes
        between them)."""
        on_store = store or HereAndNow()

        def one(whole: WholeChat) -> None:
            if not cancelled():  # (asked again once the store's thread takes it)
                self._one(whole, report, dry_run)

        for whole in chats:
            if cancelled():
                break
            on_store.submit(one, whole).result()
        return report

    def _one(self, whole: WholeChat, report: ImportReport, dry_run: bool) -> None:
        chat = whole.chat
        with self._uow_factory() as uow:
            try:
                here = uow.chats.get(chat.id, include_deleted=True)
            except NotFoundError:
                here = None
            if here is not None and here.deleted_at is not None:
                report.skip(chat.title, "deleted on this computer")
                return
            known = {message_id for message_id, _ in uow.messages.lineage(chat.id)}
            new = [message for message in whole.messages if message.id not in known]
            new_notes = [note for note in whole.notes if not uow.notes.exists(note.id)]
            if here is not None and not new and not new_notes:
                return  # (all of it is here already)
            if here is None:
                uow.chats.add(chat)
            for message in new:
                uow.messages.add(message)
            for note in new_notes:  # (one deleted here stays deleted)
                uow.notes.add(note)
            if here is None and whole.path:
                uow.branches.choose(chat.id, whole.path[-1])
            if not dry_run:
                uow.commit()
        report.chats_added += here is None
        report.chats_updated += here is not None
        report.messages_added += len(new)
