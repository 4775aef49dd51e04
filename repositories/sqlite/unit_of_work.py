"""One SQLAlchemy session per unit of work; each thread opens its own."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from domain.errors import StoreError
from repositories.sqlite.branch_choices import SqliteBranchChoices
from repositories.sqlite.chat_repository import SqliteChatRepository
from repositories.sqlite.message_repository import SqliteMessageRepository
from repositories.sqlite.reply_writers import SqliteReplyWriters
from repositories.sqlite.store_health import describe


class SqliteUnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __enter__(self) -> Self:
        self._session = Session(self._engine, expire_on_commit=False)
        self.chats = SqliteChatRepository(self._session)
        self.messages = SqliteMessageRepository(self._session)
        self.branches = SqliteBranchChoices(self._session)
        self.writers = SqliteReplyWriters(self._session)
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self._session.rollback()
            self._session.close()
        except DBAPIError as error:
            raise self._explain(error) from None
        if isinstance(exc, DBAPIError):
            raise self._explain(exc) from None

    def commit(self) -> None:
        try:
            self._session.commit()
        except DBAPIError as error:
            raise self._explain(error) from None

    def _explain(self, error: DBAPIError) -> StoreError:
        return explain(error, self._engine)


def explain(error: DBAPIError, engine: Engine) -> StoreError:
    """An SQLAlchemy failure of the store, as a sentence (SQLite's result code decides)."""
    original = error.orig
    if not isinstance(original, sqlite3.Error):
        return StoreError(f"The local database failed: {original or error}.")
    return describe(original, Path(engine.url.database or ""))


def unit_of_work_factory(engine: Engine) -> Callable[[], SqliteUnitOfWork]:
    return lambda: SqliteUnitOfWork(engine)
