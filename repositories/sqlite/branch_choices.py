"""The branch each chat shows, in SQLite."""

from __future__ import annotations

from sqlmodel import Session


class SqliteBranchChoices:
    def __init__(self, session: Session) -> None:
        self._session = session

    def chosen(self, chat_id: str) -> str | None:
        row = (
            self._session.connection()
            .exec_driver_sql("SELECT message_id FROM branch_choices WHERE chat_id = ?", (chat_id,))
            .first()
        )
        return row[0] if row else None

    def choose(self, chat_id: str, message_id: str | None) -> None:
        connection = self._session.connection()
        if message_id is None:
            connection.exec_driver_sql("DELETE FROM branch_choices WHERE chat_id = ?", (chat_id,))
        else:
            connection.exec_driver_sql(
                "INSERT INTO branch_choices (chat_id, message_id) VALUES (?, ?) "
                "ON CONFLICT (chat_id) DO UPDATE SET message_id = excluded.message_id",
                (chat_id, message_id),
            )
