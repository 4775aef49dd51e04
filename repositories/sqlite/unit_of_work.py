"""A unit of work on the store: the repositories share this thread's connection; `commit`
keeps what they wrote, leaving without it rolls back."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Self

from repositories.sqlite.branch_choices import SqliteBranchChoices
from repositories.sqlite.chat_repository import SqliteChatRepository
from repositories.sqlite.file_repository import SqliteFileRepository
from repositories.sqlite.meaning_sources import SqliteMeaningSources
from repositories.sqlite.message_repository import SqliteMessageRepository
from repositories.sqlite.note_repository import SqliteNoteRepository
from repositories.sqlite.reply_writers import SqliteReplyWriters
from repositories.sqlite.search_index import SqliteSearchIndex
from repositories.sqlite.store import Store
from repositories.sqlite.store_health import describe
from repositories.sqlite.usage_ledger import SqliteUsageLedger


class SqliteUnitOfWork:
    def __init__(self, store: Store) -> None:
        self._store = store

    def __enter__(self) -> Self:
        db = self._db = self._store.connection()
        self.chats = SqliteChatRepository(db)
        self.messages = SqliteMessageRepository(db)
        self.branches = SqliteBranchChoices(db)
        self.writers = SqliteReplyWriters(db)
        self.search = SqliteSearchIndex(db)
        self.files = SqliteFileRepository(db)
        self.usage = SqliteUsageLedger(db)
        self.notes = SqliteNoteRepository(db)
        self.meaning = SqliteMeaningSources(db)
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self._db.rollback()
        except sqlite3.Error as error:
            raise describe(error, self._store.path) from None
        if isinstance(exc, sqlite3.Error):
            raise describe(exc, self._store.path) from None

    def commit(self) -> None:
        try:
            self._db.commit()
        except sqlite3.Error as error:
            raise describe(error, self._store.path) from None


def unit_of_work_factory(store: Store) -> Callable[[], SqliteUnitOfWork]:
    return lambda: SqliteUnitOfWork(store)
