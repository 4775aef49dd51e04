"""An account's chats and messages in the backup database; every statement names the account.

A batch is one transaction: chats upserted (the newer `updated_at` wins), deletions applied,
then messages copied into a temporary table and inserted by id, never twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import psycopg

from domain.backup import (
    MESSAGE_COLUMNS,
    ChangeBatch,
    ChatRecord,
    MessageRecord,
    PushResult,
    RemoteSnapshot,
    fingerprint,
)
from repositories.postgres.connection import BackupDatabase

T = TypeVar("T")
_TIME = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
_LOWEST_ID = "00000000-0000-0000-0000-000000000000"
_MESSAGE_SELECT = ", ".join(
    {"id": "id::text", "chat_id": "chat_id::text", "parent_id": "parent_id::text"}.get(
        c, _TIME.format(c) if c == "created_at" else c
    )
    for c in MESSAGE_COLUMNS
)
_CHAT_SELECT = (
    "id::text, title, provider, model, system_prompt, pinned, archived, "
    f"{_TIME.format('created_at')}, {_TIME.format('updated_at')}"
)


class PostgresBackupTarget:
    """Holds one connection and opens a new one after a cut, so a retry starts clean."""

    def __init__(self, database: BackupDatabase) -> None:
        self._database = database
        self._db: psycopg.Connection | None = None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _connection(self) -> psycopg.Connection:
        if self._db is None or self._db.closed or self._db.broken:
            self.close()
            self._db = self._database.connect()
        return self._db

    def _run(self, step: Callable[[psycopg.Connection], T]) -> T:
        db = self._connection()
        try:
            with db.transaction():
                return step(db)
        except psycopg.Error as error:
            self.close()
            raise self._database.explain(error) from None

    # Backup -------------------------------------------------------------------------------

    def push(self, account_id: str, batch: ChangeBatch) -> PushResult:
        return self._run(lambda db: self._push(db, account_id, batch))

    def _push(self, db: psycopg.Connection, account_id: str, batch: ChangeBatch) -> PushResult:
        with db.cursor() as cursor:
            if batch.chats:
                _upsert_chats(cursor, account_id, batch.chats)
            if batch.deletions:
                cursor.executemany(
                    "INSERT INTO deletions (user_id, chat_id, deleted_at) VALUES (%s, %s, %s)"
                    " ON CONFLICT (user_id, chat_id) DO NOTHING",
                    [(account_id, chat_id, at) for chat_id, at in batch.deletions],
                )
                cursor.execute(
                    "DELETE FROM chats WHERE user_id = %s AND id = ANY(%s::uuid[])",
                    (account_id, [chat_id for chat_id, _ in batch.deletions]),
                )
            if not batch.messages:
                return PushResult()
            return PushResult(_insert_messages(cursor, account_id, batch.messages))

    def message_counts(self, account_id: str, chat_ids: Sequence[str]) -> dict[str, int]:
        def count(db: psycopg.Connection) -> dict[str, int]:
            rows = db.execute(
                "SELECT chat_id::text, count(*) FROM messages"
                " WHERE user_id = %s AND chat_id = ANY(%s::uuid[]) GROUP BY chat_id",
                (account_id, list(chat_ids)),
            ).fetchall()
            return {chat_id: int(n) for chat_id, n in rows}

        return self._run(count)

    # Restore ------------------------------------------------------------------------------

    def snapshot(self, account_id: str) -> RemoteSnapshot:
        def read(db: psycopg.Connection) -> RemoteSnapshot:
            chats = db.execute(
                f"SELECT {_CHAT_SELECT} FROM chats WHERE user_id = %s ORDER BY id", (account_id,)
            ).fetchall()
            deletions = db.execute(
                f"SELECT chat_id::text, {_TIME.format('deleted_at')} FROM deletions"
                " WHERE user_id = %s",
                (account_id,),
            ).fetchall()
            return RemoteSnapshot(chats, deletions)

        return self._run(read)

    def message_count(self, account_id: str) -> int:
        return self._run(
            lambda db: int(
                db.execute(
                    "SELECT count(*) FROM messages WHERE user_id = %s", (account_id,)
                ).fetchone()[0]
            )
        )

    def messages_after(
        self, account_id: str, after_id: str | None, limit: int
    ) -> list[MessageRecord]:
        return self._run(
            lambda db: db.execute(
                f"SELECT {_MESSAGE_SELECT} FROM messages WHERE user_id = %s AND id > %s"
                " ORDER BY id LIMIT %s",
                (account_id, after_id or _LOWEST_ID, limit),
            ).fetchall()
        )


def _upsert_chats(cursor: psycopg.Cursor, account_id: str, chats: Sequence[ChatRecord]) -> None:
    # A deletion from another machine wins over an older copy of the chat; a chat changed
    # after the deletion (the user pressed Undo) lifts it.
    cursor.executemany(
        "DELETE FROM deletions WHERE user_id = %s AND chat_id = %s AND deleted_at < %s",
        [(account_id, chat[0], chat[8]) for chat in chats],
    )
    cursor.executemany(
        "INSERT INTO chats (user_id, id, title, provider, model, system_prompt, pinned,"
        " archived, created_at, updated_at)"
        " SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s, %s WHERE NOT EXISTS"
        " (SELECT 1 FROM deletions WHERE user_id = %s AND chat_id = %s)"
        " ON CONFLICT (user_id, id) DO UPDATE SET title = excluded.title,"
        " provider = excluded.provider, model = excluded.model,"
        " system_prompt = excluded.system_prompt, pinned = excluded.pinned,"
        " archived = excluded.archived, updated_at = excluded.updated_at"
        " WHERE chats.updated_at < excluded.updated_at",
        [(account_id, *chat, account_id, chat[0]) for chat in chats],
    )


def _insert_messages(
    cursor: psycopg.Cursor, account_id: str, messages: Sequence[MessageRecord]
) -> list[str]:
    """Insert new messages; return the ids the backup already held with other content."""
    columns = ", ".join(MESSAGE_COLUMNS)
    cursor.execute(
        "CREATE TEMPORARY TABLE incoming (LIKE messages INCLUDING DEFAULTS) ON COMMIT DROP"
    )
    with cursor.copy(f"COPY incoming (user_id, {columns}, content_hash) FROM STDIN") as copy:
        for message in messages:
            copy.write_row((account_id, *message, fingerprint(message)))
    # Messages of a chat another machine deleted are not brought back.
    cursor.execute(
        f"INSERT INTO messages (user_id, {columns}, content_hash)"
        f" SELECT user_id, {columns}, content_hash FROM incoming i WHERE EXISTS"
        " (SELECT 1 FROM chats c WHERE c.user_id = i.user_id AND c.id = i.chat_id)"
        " ON CONFLICT (user_id, id) DO NOTHING"
    )
    if cursor.rowcount == len(messages):
        return []
    cursor.execute(
        "SELECT i.id::text FROM incoming i JOIN messages m ON m.user_id = i.user_id"
        " AND m.id = i.id WHERE m.content_hash <> i.content_hash"
    )
    return [row[0] for row in cursor.fetchall()]
