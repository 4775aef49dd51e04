"""One SQLAlchemy session per unit of work; each thread opens its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from domain.errors import StoreError
from repositories.sqlite.branch_choices import SqliteBranchChoices
from repositories.sqlite.chat_repository import SqliteChatRepository
from repositories.sqlite.message_repository import SqliteMessageRepository
from repositories.sqlite.reply_writers import SqliteReplyWriters


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
        self._session.rollback()
        self._session.close()
        if isinstance(exc, OperationalError):
            raise StoreError(plain_message(_text(exc))) from None

    def commit(self) -> None:
        try:
            self._session.commit()
        except OperationalError as error:
            raise StoreError(plain_message(_text(error))) from None


def _text(error: OperationalError) -> str:
    return str(error.orig) if error.orig else str(error)


def plain_message(text: str) -> str:
    """What a person can do about an SQLite failure."""
    if "disk is full" in text or "disk I/O" in text:
        return "The disk is full, so Primer could not save. Free some space and try again."
    if "locked" in text:
        return "The database is busy in another program. Try again in a moment."
    if "readonly" in text:
        return "Primer's database is read-only; check the data folder's permissions."
    return f"The local database failed: {text}."


def unit_of_work_factory(engine: Engine) -> Callable[[], SqliteUnitOfWork]:
    return lambda: SqliteUnitOfWork(engine)
