"""The branch each chat shows, in SQLite."""

from __future__ import annotations

import sqlite3


class SqliteBranchChoices:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def chosen(self, chat_id: str) -> str | None:
        row = self._db.execute(
            "SELECT message_id FROM branch_choices WHERE chat_id = ?", (chat_id,)
        ).fetchone()
        return row[0] if row else None

    def choose(self, chat_id: str, message_id: str | None) -> None:
        if message_id is None:
            self._db.execute("DELETE FROM branch_choices WHERE chat_id = ?", (chat_id,))
        else:
            self._db.execute(
                "INSERT INTO branch_choices (chat_id, message_id) VALUES (?, ?) "
                "ON CONFLICT (chat_id) DO UPDATE SET message_id = excluded.message_id",
                (chat_id, message_id),
            )
