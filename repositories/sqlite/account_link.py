"""Which backup account this machine's profile is linked to (the local `users` row)."""

from __future__ import annotations

from domain.accounts import LinkedAccount
from domain.chats import LOCAL_USER_ID
from repositories.sqlite.store import Store


class SqliteAccountLink:
    def __init__(self, store: Store) -> None:
        self._store = store

    def current(self) -> LinkedAccount | None:
        with self._store.transaction() as db:
            row = db.execute(
                "SELECT account_id, email FROM users WHERE id = ?", (LOCAL_USER_ID,)
            ).fetchone()
        if row is None or row[0] is None:
            return None
        return LinkedAccount(account_id=row[0], email=row[1] or "")

    def link(self, account: LinkedAccount) -> None:
        self._set(account.account_id, account.email)

    def unlink(self) -> None:
        """Signing out forgets the account, never the chats."""
        self._set(None, None)

    def _set(self, account_id: str | None, email: str | None) -> None:
        with self._store.transaction() as db:
            db.execute(
                "UPDATE users SET account_id = ?, email = ? WHERE id = ?",
                (account_id, email, LOCAL_USER_ID),
            )
