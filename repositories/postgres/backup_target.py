"""An account's chats and messages in the backup database; every statement names the account.

A batch is one transaction: chats upserted (the newer `updated_at` wins), deletions applied,
then messages copied into a temporary table and inserted by id, never twice.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, TypeVar

import psycopg
from psycopg.copy import Copy, FileWriter

from domain.backup import (
    MESSAGE_COLUMNS,
    ChangeBatch,
    ChatRecord,
    EncodedMessages,
    MessageRecord,
    PushResult,
    RemoteSnapshot,
)
from domain.backup_files import AttachmentRecord, FileRecord, RemoteAttachment
from domain.backup_notes import NOTE_COLUMNS, NoteRecord
from domain.backup_usage import USAGE_COLUMNS, UsageRecord
from domain.sealing import LEFT_CLEAR
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
    f"{_TIME.format('created_at')}, {_TIME.format('updated_at')}, {_TIME.format('undeleted_at')},"
    " tags"
)


_NOTE_COLUMNS = ", ".join(NOTE_COLUMNS)
_NOTE_MARKS = ", ".join("%s" for _ in NOTE_COLUMNS)
_NOTE_CHANGED = ", ".join(c for c in NOTE_COLUMNS if c not in ("id", "created_at"))
_NOTE_EXCLUDED = ", ".join(f"excluded.{c}" for c in _NOTE_CHANGED.split(", "))
_NOTE_SELECT = ", ".join(
    f"{c}::text" if c.endswith("id") else _TIME.format(c) if c.endswith("_at") else c
    for c in NOTE_COLUMNS
)
_USAGE_COLUMNS = ", ".join(USAGE_COLUMNS)
_USAGE_MARKS = ", ".join("%s" for _ in USAGE_COLUMNS)
_USAGE_SELECT = ", ".join(
    {"id": "id::text", "chat_id": "chat_id::text", "message_id": "message_id::text"}.get(
        c, _TIME.format(c) if c == "created_at" else c
    )
    for c in USAGE_COLUMNS
)

_SEALED_FIELDS = {
    "chats": ("title", "system_prompt", "tags"),
    "messages": ("content", "error", "metadata"),
}
"""The columns domain/sealing.py seals, in its order (CHAT_FIELDS, MESSAGE_FIELDS)."""


# PostgreSQL's text cannot hold U+0000, which a message may (pasted binary, a model's
# output). Text travels escaped with U+FFFF, a noncharacter that real text hardly holds:
# NUL becomes U+FFFF "0" and U+FFFF itself is doubled. Text with neither is sent as it is,
# so the escape costs a first backup two substring checks per value.
_ESCAPE = "\uffff"
_ESCAPED = re.compile("\uffff(.)", re.DOTALL)


def to_server(value: Any) -> Any:
    """Text as the server keeps it (a sealed value too: its U+FFFF doubled like any)."""
    if isinstance(value, str) and ("\0" in value or _ESCAPE in value):
        return value.replace(_ESCAPE, _ESCAPE * 2).replace("\0", _ESCAPE + "0")
    return value


def from_server(value: Any) -> Any:
    if isinstance(value, str) and _ESCAPE in value:
        return _ESCAPED.sub(lambda m: "\0" if m.group(1) == "0" else _ESCAPE, value)
    return value


_SEALED_PATTERN = "\uffff\uffffS%"
"""A sealed value as the server keeps it (SEALED, escaped by `to_server`), for LIKE."""


def _from_server_rows(rows: list[tuple[Any, ...]]) -> list[Any]:
    return [tuple(from_server(value) for value in row) for row in rows]


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

    def message_encoder(self) -> CopyEncoder:
        return CopyEncoder(self._database)

    def _push(self, db: psycopg.Connection, account_id: str, batch: ChangeBatch) -> PushResult:
        with db.cursor() as cursor:
            if batch.chats:
                _upsert_chats(cursor, account_id, batch.chats)
            if batch.deletions:
                # A deletion wins over an Undo made before it, never over one made after.
                ids, times = (list(column) for column in zip(*batch.deletions, strict=True))
                cursor.execute(
                    "INSERT INTO deletions (user_id, chat_id, deleted_at)"
                    " SELECT %s, d.id, d.at FROM unnest(%s::uuid[], %s::timestamptz[])"
                    " AS d (id, at) WHERE NOT EXISTS (SELECT 1 FROM chats c"
                    "   WHERE c.user_id = %s AND c.id = d.id AND c.undeleted_at >= d.at)"
                    " ON CONFLICT (user_id, chat_id) DO UPDATE"
                    " SET deleted_at = greatest(deletions.deleted_at, excluded.deleted_at)"
                    " RETURNING chat_id",
                    (account_id, ids, times, account_id),
                )
                gone = (account_id, [row[0] for row in cursor.fetchall()])
                _forget_files_of(cursor, gone)
                cursor.execute(
                    "DELETE FROM messages WHERE user_id = %s AND chat_id = ANY(%s::uuid[])", gone
                )
                cursor.execute(
                    "DELETE FROM chats WHERE user_id = %s AND id = ANY(%s::uuid[])", gone
                )
            if not batch.message_count:
                return PushResult()
            return PushResult(_insert_messages(cursor, account_id, batch))

    def message_counts(self, account_id: str, chat_ids: Sequence[str]) -> dict[str, int]:
        def count(db: psycopg.Connection) -> dict[str, int]:
            rows = db.execute(
                "SELECT chat_id::text, count(*) FROM messages"
                " WHERE user_id = %s AND chat_id = ANY(%s::uuid[]) GROUP BY chat_id",
                (account_id, list(chat_ids)),
            ).fetchall()
            return {chat_id: int(n) for chat_id, n in rows}

        return self._run(count)

    def deleted_among(self, account_id: str, chat_ids: Sequence[str]) -> list[str]:
        return self._run(
            lambda db: [
                row[0]
                for row in db.execute(
                    "SELECT chat_id::text FROM deletions"
                    " WHERE user_id = %s AND chat_id = ANY(%s::uuid[])",
                    (account_id, list(chat_ids)),
                ).fetchall()
            ]
        )

    # Sealing what a backup made before sealing holds in the clear ----------------------------

    def all_sealed(self, account_id: str) -> bool:
        return self._run(lambda db: db.execute(
            "SELECT content_sealed_at IS NOT NULL FROM users WHERE id = %s", (account_id,)
        ).fetchone() == (True,))  # fmt: skip

    def clear_rows(self, account_id: str, table: str, limit: int) -> list[tuple]:
        fields = _SEALED_FIELDS[table]
        clear = " OR ".join(
            f"({name} IS NOT NULL AND {name} NOT LIKE %s AND {name} IS DISTINCT FROM %s)"
            for name in fields
        )
        values = [value for name in fields for value in (_SEALED_PATTERN, LEFT_CLEAR.get(name))]
        return self._run(lambda db: _from_server_rows(db.execute(
            f"SELECT id::text, {', '.join(fields)} FROM {table} WHERE user_id = %s"
            f" AND ({clear}) ORDER BY id LIMIT %s",
            (account_id, *values, limit),
        ).fetchall()))  # fmt: skip

    def reseal(self, account_id: str, table: str, rows: Sequence[tuple]) -> None:
        fields = _SEALED_FIELDS[table]
        settings = ", ".join(f"{name} = %s" for name in fields)

        def update(db: psycopg.Connection) -> None:
            with db.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET {settings} WHERE user_id = %s AND id = %s",
                    [(*map(to_server, row[1:]), account_id, row[0]) for row in rows],
                )

        self._run(update)

    def mark_all_sealed(self, account_id: str) -> None:
        self._run(lambda db: db.execute(
            "UPDATE users SET content_sealed_at = now() WHERE id = %s", (account_id,)))  # fmt: skip

    # Attached files: each step a transaction of its own ------------------------------------

    def complete_files(self, account_id: str, sha256s: Sequence[str]) -> list[str]:
        return self._run(lambda db: [row[0] for row in db.execute(
            "SELECT sha256 FROM files WHERE user_id = %s AND sha256 = ANY(%s) AND complete",
            (account_id, list(sha256s)),
        )])  # fmt: skip

    def start_file(self, account_id: str, record: FileRecord, chunks: int) -> list[int]:
        def start(db: psycopg.Connection) -> list[int]:
            sha256, size, mime, width, height, text, thumbnail = record
            db.execute(
                "INSERT INTO files (user_id, sha256, size, mime, width, height, text,"
                " thumbnail, chunks) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (user_id, sha256) DO NOTHING",
                (account_id, sha256, size, mime, width, height, to_server(text), thumbnail,
                 chunks),
            )  # fmt: skip
            return [row[0] for row in db.execute(
                "SELECT seq FROM file_chunks WHERE user_id = %s AND sha256 = %s",
                (account_id, sha256),
            )]  # fmt: skip

        return self._run(start)

    def put_chunk(self, account_id: str, sha256: str, seq: int, data: bytes) -> None:
        self._run(lambda db: db.execute(
            "INSERT INTO file_chunks (user_id, sha256, seq, data) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            (account_id, sha256, seq, data),
        ))  # fmt: skip

    def finish_file(self, account_id: str, sha256: str) -> bool:
        return self._run(lambda db: db.execute(
            "UPDATE files SET complete = true WHERE user_id = %s AND sha256 = %s AND chunks ="
            " (SELECT count(*) FROM file_chunks WHERE user_id = %s AND sha256 = %s)"
            " RETURNING 1",
            (account_id, sha256, account_id, sha256),
        ).fetchone() is not None)  # fmt: skip

    def push_attachments(self, account_id: str, rows: Sequence[AttachmentRecord]) -> None:
        def push(db: psycopg.Connection) -> None:
            with db.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO attachments (user_id, message_id, position, sha256, name,"
                    " chat_id) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    [(account_id, *row[:3], to_server(row[3]), row[4]) for row in rows],
                )

        self._run(push)

    def attachments_after(
        self, account_id: str, after: tuple[str, int] | None, limit: int
    ) -> list[RemoteAttachment]:
        message_id, position = after or (_LOWEST_ID, -1)
        return self._run(lambda db: _from_server_rows(db.execute(
            "SELECT a.message_id::text, a.position, a.sha256, a.name, f.size, f.mime, f.width,"
            " f.height, f.text, f.thumbnail FROM attachments a JOIN files f"
            " ON f.user_id = a.user_id AND f.sha256 = a.sha256"
            " WHERE a.user_id = %s AND f.complete AND (a.message_id, a.position) > (%s::uuid, %s)"
            " ORDER BY a.message_id, a.position LIMIT %s",
            (account_id, message_id, position, limit),
        ).fetchall()))  # fmt: skip

    def file_chunks(self, account_id: str, sha256: str) -> int:
        return self._run(lambda db: int(db.execute(
            "SELECT chunks FROM files WHERE user_id = %s AND sha256 = %s", (account_id, sha256)
        ).fetchone()[0]))  # fmt: skip

    def get_chunk(self, account_id: str, sha256: str, seq: int) -> bytes:
        return self._run(lambda db: bytes(db.execute(
            "SELECT data FROM file_chunks WHERE user_id = %s AND sha256 = %s AND seq = %s",
            (account_id, sha256, seq),
        ).fetchone()[0]))  # fmt: skip

    # The usage ledger: rows never change, each sent once ------------------------------------

    def push_usage(self, account_id: str, rows: Sequence[UsageRecord]) -> None:
        def push(db: psycopg.Connection) -> None:
            with db.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO usage (user_id, {_USAGE_COLUMNS}) VALUES (%s, {_USAGE_MARKS})"
                    " ON CONFLICT DO NOTHING",
                    [(account_id, *map(to_server, row[:-1]), bool(row[-1])) for row in rows],
                )

        self._run(push)

    def usage_after(self, account_id: str, after_id: str | None, limit: int) -> list[UsageRecord]:
        return self._run(lambda db: _from_server_rows(db.execute(
            f"SELECT {_USAGE_SELECT} FROM usage WHERE user_id = %s AND id > %s ORDER BY id"
            " LIMIT %s",
            (account_id, after_id or _LOWEST_ID, limit),
        ).fetchall()))  # fmt: skip

    # Notes: a row replaced only by a newer state of it (domain/backup_notes.newer) ---------

    def push_notes(self, account_id: str, rows: Sequence[NoteRecord]) -> None:
        def push(db: psycopg.Connection) -> None:
            with db.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO notes (user_id, {_NOTE_COLUMNS}) VALUES (%s, {_NOTE_MARKS})"
                    " ON CONFLICT (user_id, id) DO UPDATE SET"
                    f" ({_NOTE_CHANGED}) = ({_NOTE_EXCLUDED})"
                    " WHERE excluded.updated_at > notes.updated_at"
                    " OR (excluded.updated_at = notes.updated_at"
                    " AND excluded.deleted_at IS NOT NULL AND notes.deleted_at IS NULL)",
                    [(account_id, *map(to_server, row)) for row in rows],
                )

        self._run(push)

    def notes_after(self, account_id: str, after_id: str | None, limit: int) -> list[NoteRecord]:
        return self._run(lambda db: _from_server_rows(db.execute(
            f"SELECT {_NOTE_SELECT} FROM notes WHERE user_id = %s AND id > %s ORDER BY id"
            " LIMIT %s",
            (account_id, after_id or _LOWEST_ID, limit),
        ).fetchall()))  # fmt: skip

    # Restore ------------------------------------------------------------------------------

    def snapshot(self, account_id: str) -> RemoteSnapshot:
        def read(db: psycopg.Connection) -> RemoteSnapshot:
            chats = _from_server_rows(
                db.execute(
                    f"SELECT {_CHAT_SELECT} FROM chats WHERE user_id = %s ORDER BY id",
                    (account_id,),
                ).fetchall()
            )
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
            lambda db: _from_server_rows(
                db.execute(
                    f"SELECT {_MESSAGE_SELECT} FROM messages WHERE user_id = %s AND id > %s"
                    " ORDER BY id LIMIT %s",
                    (account_id, after_id or _LOWEST_ID, limit),
                ).fetchall()
            )
        )


def _forget_files_of(cursor: psycopg.Cursor, gone: tuple[str, list[str]]) -> None:
    """The attachments of deleted chats' messages go with them, and files no chat uses
    any more with those (the backup keeps a file as long as it keeps a chat using it)."""
    account_id, chat_ids = gone
    cursor.execute(
        "DELETE FROM attachments WHERE user_id = %s AND chat_id = ANY(%s::uuid[]) RETURNING sha256",
        (account_id, chat_ids),
    )
    dropped = sorted({row[0] for row in cursor.fetchall()})
    if dropped:
        cursor.execute(
            "DELETE FROM files f WHERE f.user_id = %s AND f.sha256 = ANY(%s) AND NOT EXISTS"
            " (SELECT 1 FROM attachments a WHERE a.user_id = f.user_id AND a.sha256 = f.sha256)",
            (account_id, dropped),
        )


def _upsert_chats(cursor: psycopg.Cursor, account_id: str, chats: Sequence[ChatRecord]) -> None:
    # A deletion from another machine wins over any copy of the chat, unless the user
    # brought the chat back (Undo) after it. An edit made without knowing of the deletion
    # does not bring it back: every machine ends with the chat deleted.
    # One statement each, whatever the number of chats: columns travel as arrays.
    columns = [[to_server(v) for v in column] for column in zip(*chats, strict=True)]
    ids, undeleted = columns[0], columns[9]
    cursor.execute(
        "DELETE FROM deletions d USING unnest(%s::uuid[], %s::timestamptz[]) AS c (id, at)"
        " WHERE d.user_id = %s AND d.chat_id = c.id AND d.deleted_at <= c.at",
        (ids, undeleted, account_id),
    )
    cursor.execute(
        "INSERT INTO chats (user_id, id, title, provider, model, system_prompt, pinned,"
        " archived, created_at, updated_at, undeleted_at, tags)"
        " SELECT %s, c.* FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[],"
        " %s::text[], %s::boolean[], %s::boolean[], %s::timestamptz[], %s::timestamptz[],"
        " %s::timestamptz[], %s::text[]) AS c (id, title, provider, model, system_prompt,"
        " pinned, archived, created_at, updated_at, undeleted_at, tags)"
        " WHERE NOT EXISTS (SELECT 1 FROM deletions d WHERE d.user_id = %s AND d.chat_id = c.id)"
        " ON CONFLICT (user_id, id) DO UPDATE SET title = excluded.title,"
        " provider = excluded.provider, model = excluded.model,"
        " system_prompt = excluded.system_prompt, pinned = excluded.pinned,"
        " archived = excluded.archived, updated_at = excluded.updated_at, tags = excluded.tags"
        " WHERE chats.updated_at < excluded.updated_at",
        (account_id, *columns, account_id),
    )
    # The latest Undo is kept whichever copy is newer, so a later deletion can be judged.
    cursor.execute(
        "UPDATE chats SET undeleted_at = c.at"
        " FROM unnest(%s::uuid[], %s::timestamptz[]) AS c (id, at)"
        " WHERE chats.user_id = %s AND chats.id = c.id"
        " AND c.at > coalesce(chats.undeleted_at, '-infinity')",
        (ids, undeleted, account_id),
    )


def _insert_messages(cursor: psycopg.Cursor, account_id: str, batch: ChangeBatch) -> list[str]:
    """Insert new messages; return the ids the backup already held with other content.

    The batch is copied into a temporary table (row-level security allows no COPY into
    `messages` itself), then inserted by id: a message of a chat another machine deleted
    is not brought back, and a re-sent id is compared, not doubled. Whether every chat is
    here is asked once for the batch: asked of each row, it took three times the insert.
    """
    columns = ", ".join(MESSAGE_COLUMNS)
    cursor.execute(  # (the account's id is added in the insert: a tenth less to copy)
        f"CREATE TEMPORARY TABLE incoming ON COMMIT DROP AS SELECT {columns} FROM messages"
        " WITH NO DATA"
    )
    encoded = batch.encoded or EncodedMessages.of(
        batch.messages, partial(_copy_text, cursor.connection)
    )
    with cursor.copy(f"COPY incoming ({columns}) FROM STDIN") as copy:
        copy.write(encoded.data)
    cursor.execute(
        "SELECT count(*) FROM unnest(%s::uuid[]) AS wanted (id) WHERE NOT EXISTS"
        " (SELECT 1 FROM chats WHERE user_id = %s AND chats.id = wanted.id)",
        (encoded.chat_ids, account_id),
    )
    every_chat_here = cursor.fetchone()[0] == 0
    # Messages of a chat another machine deleted are not brought back.
    only_kept_chats = "" if every_chat_here else (
        " WHERE EXISTS (SELECT 1 FROM chats c WHERE c.user_id = %(account)s AND c.id = i.chat_id)"
    )  # fmt: skip
    insert = (
        f"INSERT INTO messages (user_id, {columns})"
        f" SELECT %(account)s, {columns} FROM incoming i{only_kept_chats}"
    )
    account = {"account": account_id}
    try:
        with cursor.connection.transaction():  # (a savepoint)
            cursor.execute(insert, account)  # a third faster than ON CONFLICT; the usual case
    except psycopg.errors.UniqueViolation:  # some were here already: a batch sent again
        cursor.execute(f"{insert} ON CONFLICT (user_id, id) DO NOTHING", account)
    if cursor.rowcount == encoded.count:
        return []
    # A re-send is identical in every column; anything else is the same id with other content.
    cursor.execute(
        "SELECT i.id::text FROM incoming i JOIN messages m ON m.user_id = %(account)s"
        f" AND m.id = i.id WHERE ({_prefixed('m')}) IS DISTINCT FROM ({_prefixed('i')})",
        account,
    )
    return [row[0] for row in cursor.fetchall()]


def _prefixed(table: str) -> str:
    return ", ".join(f"{table}.{column}" for column in MESSAGE_COLUMNS)


_ESCAPE_UTF8 = _ESCAPE.encode()


def _copy_text(db: psycopg.Connection, messages: Sequence[MessageRecord]) -> bytes:
    """Messages as COPY text for `incoming`, their text as the server keeps it (`to_server`),
    formatted by psycopg for the connection `db`; nothing is sent.

    Every sealed value holds a U+FFFF, so it is doubled in the formatted bytes, at once:
    COPY's escapes neither make nor read one, so that is the same as doubling it in each
    value. Only a batch with a NUL in it (psycopg refuses one) is escaped value by value.
    """
    try:
        return _formatted(db, messages).replace(_ESCAPE_UTF8, _ESCAPE_UTF8 * 2)
    except psycopg.DataError:
        return _formatted(db, (tuple(map(to_server, message)) for message in messages))


def _formatted(db: psycopg.Connection, rows: Iterable[tuple]) -> bytes:
    data = io.BytesIO()
    with Copy(db.cursor(), writer=FileWriter(data)) as copy:
        for row in rows:
            copy.write_row(row)
    return data.getvalue()


class CopyEncoder:
    """Messages as COPY text for `incoming`, made in a backup's reader process (domain/
    backup.MessageEncoder), so the window's process only sends the bytes.

    psycopg formats COPY data for a cursor's connection (its adapters and encoding), and
    writes it to a file with a FileWriter; the encoder connects once, as the account, for
    that cursor, and sends nothing through it. It travels to the reader by pickle, its
    password with it, as the account's sealer does (never on a command line).
    """

    def __init__(self, database: BackupDatabase) -> None:
        self._database = database
        self._db: psycopg.Connection | None = None

    def __reduce__(self) -> tuple[type[CopyEncoder], tuple[BackupDatabase]]:
        return CopyEncoder, (self._database,)  # (a connection does not travel)

    def __repr__(self) -> str:
        return f"CopyEncoder({self._database!r})"

    def encode(self, messages: Sequence[MessageRecord]) -> bytes:
        if self._db is None:
            self._db = self._database.connect()
        return _copy_text(self._db, messages)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
