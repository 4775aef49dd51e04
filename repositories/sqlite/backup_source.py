"""The local side of backup and restore, in plain SQL on the store's own connections.

Backup reads the change log after the account's watermark; restore merges by id and then
drops the change-log rows its own writes made, so restored rows are not sent back.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from domain.backup import (
    CHAT_COLUMNS,
    MESSAGE_COLUMNS,
    TIME_FORMAT,
    ChangeBatch,
    ChatRecord,
    DeletionRecord,
    MessageRecord,
    RemoteSnapshot,
)
from domain.backup_files import AttachmentRecord, FileRecord, RemoteAttachment
from domain.backup_notes import NOTE_COLUMNS, NoteRecord, newer
from domain.backup_usage import USAGE_COLUMNS, UsageRecord
from domain.chats import LOCAL_USER_ID
from repositories.sqlite.store import Store
from repositories.sqlite.usage_ledger import SqliteUsageLedger

_IN_CHUNK = 500
_MESSAGE_SELECT = ", ".join(MESSAGE_COLUMNS)
_CHAT_SELECT = ", ".join(CHAT_COLUMNS)
_USAGE_SELECT = ", ".join(USAGE_COLUMNS)
_NOTE_SELECT = ", ".join(NOTE_COLUMNS)
_NOTE_MARKS = ", ".join("?" for _ in NOTE_COLUMNS)


class SqliteBackupSource:
    def __init__(self, store: Store) -> None:
        self._store = store

    def _connection(self) -> AbstractContextManager[sqlite3.Connection]:
        """The store's connection: what is not committed is rolled back; SQLite's failures
        as a sentence."""
        return self._store.transaction()

    # Backup -------------------------------------------------------------------------------

    def acknowledged_seq(self, account_id: str) -> int:
        with self._connection() as db:
            row = db.execute(
                "SELECT acknowledged_seq FROM backup_state WHERE account_id = ?", (account_id,)
            ).fetchone()
        return int(row[0]) if row else 0

    def pending_count(self, account_id: str) -> int:
        with self._connection() as db:
            row = db.execute(
                "SELECT count(*) FROM changes WHERE seq > coalesce("
                "(SELECT acknowledged_seq FROM backup_state WHERE account_id = ?), 0)",
                (account_id,),
            ).fetchone()
        return int(row[0])

    def next_batch(self, account_id: str, after_seq: int, limit: int) -> ChangeBatch | None:
        with self._connection() as db:
            db.execute("BEGIN")  # one snapshot for the whole batch
            last_seq = db.execute(
                "SELECT max(seq) FROM (SELECT seq FROM changes WHERE seq > ? ORDER BY seq LIMIT ?)",
                (after_seq, limit),
            ).fetchone()[0]
            batch = None if last_seq is None else _batch(db, after_seq, int(last_seq))
            db.rollback()
        return batch if batch is not None and batch.change_count else None

    def window_batch(self, account_id: str, after_seq: int, width: int) -> ChangeBatch | None:
        """The changes numbered `after_seq + 1 .. after_seq + width` (fewer if the log ends
        sooner, or a reply still streaming holds some back); None past the log's end. Two
        readers can read alternate windows at once: no window depends on the one before."""
        with self._connection() as db:
            db.execute("BEGIN")
            top = _last_seq(db)
            batch = _batch(db, after_seq, min(after_seq + width, top)) if top > after_seq else None
            db.rollback()
        return batch

    def acknowledge(self, account_id: str, seq: int) -> None:
        with self._connection() as db:
            db.execute(
                "INSERT INTO backup_state (account_id, acknowledged_seq) VALUES (?, ?) "
                "ON CONFLICT (account_id) DO UPDATE"
                " SET acknowledged_seq = excluded.acknowledged_seq",
                (account_id, seq),
            )
            db.commit()

    def backup_finished(self, account_id: str, at: str) -> None:
        self._set_state(account_id, "last_backup_at", at)

    def last_backup_at(self, account_id: str) -> str | None:
        with self._connection() as db:
            row = db.execute(
                "SELECT last_backup_at FROM backup_state WHERE account_id = ?", (account_id,)
            ).fetchone()
        return row[0] if row else None

    def message_counts(self, chat_ids: Sequence[str], up_to_seq: int) -> dict[str, int]:
        """Per chat, the messages a backup up to `up_to_seq` has sent (so not newer ones)."""
        counts: dict[str, int] = {}
        with self._connection() as db:
            for start in range(0, len(chat_ids), _IN_CHUNK):
                chunk = chat_ids[start : start + _IN_CHUNK]
                marks = ",".join("?" * len(chunk))
                counts.update(
                    db.execute(
                        f"SELECT chat_id, count(*) FROM messages WHERE chat_id IN ({marks})"
                        " AND status != 'streaming' AND id NOT IN (SELECT entity_id FROM changes"
                        "   WHERE seq > ? AND entity = 'message') GROUP BY chat_id",
                        (*chunk, up_to_seq),
                    ).fetchall()
                )
        return counts

    def chats_of(self, message_ids: Sequence[str]) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        with self._connection() as db:
            for start in range(0, len(message_ids), _IN_CHUNK):
                chunk = message_ids[start : start + _IN_CHUNK]
                marks = ",".join("?" * len(chunk))
                found += db.execute(
                    f"SELECT id, chat_id FROM messages WHERE id IN ({marks})", chunk
                ).fetchall()
        return found

    # Restore ------------------------------------------------------------------------------

    def merge_chats(self, snapshot: RemoteSnapshot) -> None:
        """Merge the account's chats: the newer copy wins, deletions stay deleted unless
        the user brought the chat back (Undo) after the deletion, here or elsewhere."""
        columns = ", ".join(CHAT_COLUMNS)
        marks = ", ".join("?" * len(CHAT_COLUMNS))
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            before = _last_seq(db)
            db.execute(f"CREATE TEMPORARY TABLE remote_chats ({columns})")
            try:
                db.executemany(f"INSERT INTO remote_chats VALUES ({marks})", snapshot.chats)
                _merge_remote_chats(db, snapshot.deletions)
                db.execute("DELETE FROM changes WHERE seq > ?", (before,))
                # Writes that must reach the backup again go to the change log from here on.
                _requeue_undone_chats(db)
                db.commit()
            finally:
                db.execute("DROP TABLE temp.remote_chats")

    def merge_messages(self, messages: Sequence[MessageRecord]) -> int:
        """Insert the messages this machine lacks; return how many were new (one change each)."""
        marks = ", ".join("?" * len(MESSAGE_COLUMNS))
        with self._connection() as db:
            # A parent may arrive after its child (ids from two machines' clocks); every
            # parent is in the backup, so the check is off for the merge only.
            db.execute("PRAGMA foreign_keys = OFF")
            try:
                db.execute("BEGIN IMMEDIATE")
                before = _last_seq(db)
                db.executemany(
                    f"INSERT INTO messages ({_MESSAGE_SELECT}) SELECT {marks}"
                    " WHERE EXISTS (SELECT 1 FROM chats WHERE id = ? AND deleted_at IS NULL)"
                    " ON CONFLICT (id) DO NOTHING",
                    [(*message, message[1]) for message in messages],
                )
                added = db.execute(
                    "SELECT count(*) FROM changes WHERE seq > ?", (before,)
                ).fetchone()[0]
                db.execute("DELETE FROM changes WHERE seq > ?", (before,))
                db.commit()
            finally:
                db.execute("PRAGMA foreign_keys = ON")
        return int(added)

    # Attached files ----------------------------------------------------------------------

    def unsent_attachments(self, account_id: str) -> list[AttachmentRecord]:
        with self._connection() as db:
            return db.execute(
                "SELECT a.message_id, a.position, a.sha256, a.name, m.chat_id"
                " FROM attachments a JOIN messages m ON m.id = a.message_id"
                " WHERE NOT EXISTS (SELECT 1 FROM attachment_backups b"
                "   WHERE b.account_id = ? AND b.message_id = a.message_id)"
                " ORDER BY a.message_id, a.position",
                (account_id,),
            ).fetchall()

    def file_records(self, sha256s: Sequence[str]) -> list[FileRecord]:
        found: list[FileRecord] = []
        with self._connection() as db:
            for start in range(0, len(sha256s), _IN_CHUNK):
                chunk = sha256s[start : start + _IN_CHUNK]
                found += db.execute(
                    "SELECT sha256, size, mime, width, height, text, thumbnail FROM files"
                    f" WHERE sha256 IN ({', '.join('?' * len(chunk))}) ORDER BY sha256",
                    chunk,
                ).fetchall()
        return found

    def attachments_sent(self, account_id: str, message_ids: Sequence[str]) -> None:
        with self._connection() as db:
            db.executemany(
                "INSERT OR IGNORE INTO attachment_backups (account_id, message_id) VALUES (?, ?)",
                [(account_id, message_id) for message_id in message_ids],
            )
            db.commit()

    def merge_attachments(self, account_id: str, rows: Sequence[RemoteAttachment]) -> int:
        now = datetime.now(UTC).strftime(TIME_FORMAT)
        with self._connection() as db:
            db.executemany(
                "INSERT OR IGNORE INTO files (sha256, size, mime, width, height, text,"
                " thumbnail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(*row[2:3], *row[4:], now) for row in rows],
            )
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO attachments (message_id, position, sha256, name)"
                " SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM messages WHERE id = ?)",
                [(*row[:4], row[0]) for row in rows],
            )
            added = db.total_changes - before
            db.executemany(  # what came from the backup is in it
                "INSERT OR IGNORE INTO attachment_backups (account_id, message_id) VALUES (?, ?)",
                sorted({(account_id, row[0]) for row in rows}),
            )
            db.commit()
        return added

    # The usage ledger (domain/backup_usage.py) ----------------------------------------------

    def unsent_usage(self, account_id: str, limit: int) -> tuple[list[UsageRecord], int]:
        with self._connection() as db:
            state = db.execute(
                "SELECT usage_sent_upto FROM backup_state WHERE account_id = ?", (account_id,)
            ).fetchone()
            upto = int(state[0]) if state else 0
            rows = db.execute(
                f"SELECT rowid, {_USAGE_SELECT} FROM usage WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (upto, limit),
            ).fetchall()
        return [row[1:] for row in rows], int(rows[-1][0]) if rows else upto

    def usage_sent(self, account_id: str, upto: int) -> None:
        self._set_state(account_id, "usage_sent_upto", upto)

    def merge_usage(self, rows: Sequence[UsageRecord]) -> int:
        with self._connection() as db:
            added = SqliteUsageLedger(db).add_many(rows)
            db.commit()
        return added

    # Notes (domain/backup_notes.py) ------------------------------------------------------

    def unsent_notes(self, account_id: str, limit: int) -> tuple[list[NoteRecord], int]:
        with self._connection() as db:
            state = db.execute(
                "SELECT notes_sent_upto FROM backup_state WHERE account_id = ?", (account_id,)
            ).fetchone()
            upto = int(state[0]) if state else 0
            rows = db.execute(
                f"SELECT seq, {_NOTE_SELECT} FROM notes WHERE seq > ? ORDER BY seq LIMIT ?",
                (upto, limit),
            ).fetchall()
        return [row[1:] for row in rows], int(rows[-1][0]) if rows else upto

    def notes_sent(self, account_id: str, upto: int) -> None:
        self._set_state(account_id, "notes_sent_upto", upto)

    def merge_notes(self, rows: Sequence[NoteRecord]) -> int:
        changed = 0
        with self._connection() as db:
            for row in rows:
                here = db.execute(f"SELECT {_NOTE_SELECT} FROM notes WHERE id = ?",
                                  (row[0],)).fetchone()  # fmt: skip
                if here is None:
                    db.execute(f"INSERT INTO notes ({_NOTE_SELECT}) VALUES ({_NOTE_MARKS})", row)
                elif newer(row, here):
                    db.execute(
                        f"UPDATE notes SET ({_NOTE_SELECT}) = ({_NOTE_MARKS}) WHERE id = ?",
                        (*row, row[0]),
                    )
                else:
                    continue
                changed += 1
            db.commit()
        return changed

    def finish_restore(self, account_id: str, at: str) -> None:
        self._set_state(account_id, "last_restore_at", at)

    def _set_state(self, account_id: str, column: str, value: object) -> None:
        with self._connection() as db:
            db.execute(
                f"INSERT INTO backup_state (account_id, {column}) VALUES (?, ?) "
                f"ON CONFLICT (account_id) DO UPDATE SET {column} = excluded.{column}",
                (account_id, value),
            )
            db.commit()


def _merge_remote_chats(db: sqlite3.Connection, deletions: Sequence[DeletionRecord]) -> None:
    # New chats, and newer copies of chats not deleted here.
    db.execute(
        f"INSERT INTO chats ({_CHAT_SELECT}, user_id) SELECT *, ? FROM remote_chats WHERE true"
        " ON CONFLICT (id) DO UPDATE SET title = excluded.title,"
        # a title from another machine is no first line to replace (it may have been typed)
        " title_by = iif(excluded.title = chats.title, chats.title_by, 'person'),"
        " provider = excluded.provider, model = excluded.model,"
        " system_prompt = excluded.system_prompt, pinned = excluded.pinned,"
        " archived = excluded.archived, updated_at = excluded.updated_at, tags = excluded.tags"
        " WHERE excluded.updated_at > chats.updated_at AND chats.deleted_at IS NULL",
        (LOCAL_USER_ID,),
    )
    # Another machine's deletion, unless the user brought the chat back here after it.
    db.executemany(
        "UPDATE chats SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL"
        " AND coalesce(undeleted_at, '') < ?",
        [(deleted_at, chat_id, deleted_at) for chat_id, deleted_at in deletions],
    )


def _requeue_undone_chats(db: sqlite3.Connection) -> None:
    """Bring back chats another machine undid after their deletion here; queue again what
    this machine sent while the deletion stood, since the backup dropped it."""
    newer_undo = (
        "SELECT r.id FROM remote_chats r JOIN chats c ON c.id = r.id"
        " WHERE r.undeleted_at > coalesce(c.undeleted_at, '')"
        " AND (c.deleted_at IS NULL OR r.undeleted_at >= c.deleted_at)"
    )
    # (For a chat deleted here, the undelete trigger queues its messages.)
    db.execute(
        "INSERT INTO changes (entity, entity_id, op) SELECT 'message', id, 'insert'"
        f" FROM messages WHERE chat_id IN ({newer_undo} AND c.deleted_at IS NULL)"
    )
    # Taking the remote Undo's time (not a new one) keeps the stamp trigger out of it;
    # the update itself queues the chat. A chat deleted here comes back as the copy that
    # brought it back (domain/sync.py); a live one keeps the newer copy.
    remote_wins = "(r.updated_at > chats.updated_at OR chats.deleted_at IS NOT NULL)"
    fields = ("title", "provider", "model", "system_prompt", "pinned", "archived", "updated_at")
    taken = ", ".join(f"{name} = iif({remote_wins}, r.{name}, chats.{name})" for name in fields)
    db.execute(
        f"UPDATE chats SET deleted_at = NULL, undeleted_at = r.undeleted_at, {taken}"
        f" FROM remote_chats r WHERE chats.id = r.id AND r.id IN ({newer_undo})"
    )


def _last_seq(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0])


def _batch(db: sqlite3.Connection, after_seq: int, last_seq: int) -> ChangeBatch:
    """The current state of everything named by changes `after_seq + 1 .. last_seq`, in the
    transaction open on `db` (one snapshot)."""
    # A reply still streaming holds the watermark before it: what was written after it (a
    # follow-up question, whose parent it is) waits with it, so the backup never holds a
    # message whose parent it lacks.
    held = db.execute(
        "SELECT min(seq) FROM changes WHERE seq > ? AND seq <= ? AND entity = 'message'"
        " AND entity_id IN (SELECT id FROM messages INDEXED BY ix_messages_streaming"
        "   WHERE status = 'streaming')",
        (after_seq, last_seq),
    ).fetchone()[0]
    if held is not None:
        last_seq = int(held) - 1
    window = (after_seq, last_seq)
    count = int(
        db.execute("SELECT count(*) FROM changes WHERE seq > ? AND seq <= ?", window).fetchone()[0]
    )
    messages: list[MessageRecord] = db.execute(
        f"SELECT {_MESSAGE_SELECT} FROM messages WHERE id IN ("
        "  SELECT entity_id FROM changes"
        "  WHERE seq > ? AND seq <= ? AND entity = 'message')"
        " AND status != 'streaming' ORDER BY id",
        window,
    ).fetchall()
    # The chats named in the window, and the chat of every message sent with it: a chat
    # always reaches the backup before (or with) its messages. (The messages' chats are
    # passed in, not looked up again: that took a quarter of the reading.)
    rows = db.execute(
        f"SELECT {_CHAT_SELECT}, deleted_at FROM chats WHERE id IN ("
        "  SELECT entity_id FROM changes"
        "  WHERE seq > ? AND seq <= ? AND entity = 'chat'"
        "  UNION SELECT value FROM json_each(?))",
        (*window, json.dumps(sorted({message[1] for message in messages}))),
    ).fetchall()
    chats: list[ChatRecord] = []
    deletions: list[DeletionRecord] = []
    for row in rows:
        if row[-1] is not None:
            deletions.append((row[0], row[-1]))
        else:
            chats.append((*row[:5], bool(row[5]), bool(row[6]), *row[7:11]))
    if deletions:  # a deleted chat's messages stay out (asked here, not of every message)
        gone = {chat_id for chat_id, _ in deletions}
        messages = [message for message in messages if message[1] not in gone]
    return ChangeBatch(last_seq, count, chats, messages, deletions)
