"""Which backup account this machine's profile is linked to (the local `users` row)."""

from __future__ import annotations

from sqlalchemy import Engine, text

from domain.accounts import LinkedAccount
from domain.chats import LOCAL_USER_ID


class SqliteAccountLink:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def current(self) -> LinkedAccount | None:
        with self._engine.connect() as db:
            row = db.execute(
                text("SELECT account_id, email FROM users WHERE id = :id"), {"id": LOCAL_USER_ID}
            ).first()
        if row is None or row[0] is None:
            return None
        return LinkedAccount(account_id=row[0], email=row[1] or "")

    def link(self, account: LinkedAccount) -> None:
        self._set(account.account_id, account.email)

    def unlink(self) -> None:
        """Signing out forgets the account, never the chats."""
        self._set(None, None)

    def _set(self, account_id: str | None, email: str | None) -> None:
        with self._engine.begin() as db:
            db.execute(
                text("UPDATE users SET account_id = :account, email = :email WHERE id = :id"),
                {"account": account_id, "email": email, "id": LOCAL_USER_ID},
            )
