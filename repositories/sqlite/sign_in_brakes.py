"""Wrong passwords in a row per email on this device (`sign_in_failures`)."""

from __future__ import annotations

from datetime import datetime

from domain.accounts import SignInBrake
from repositories.sqlite.store import Store


class SqliteSignInBrakes:
    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, email: str) -> SignInBrake:
        with self._store.transaction() as db:
            row = db.execute(
                "SELECT failures, next_allowed_at FROM sign_in_failures WHERE email = ?", (email,)
            ).fetchone()
        if row is None:
            return SignInBrake()
        return SignInBrake(int(row[0]), datetime.fromisoformat(row[1]))

    def put(self, email: str, brake: SignInBrake) -> None:
        with self._store.transaction() as db:
            if brake.failures == 0 or brake.next_allowed_at is None:
                db.execute("DELETE FROM sign_in_failures WHERE email = ?", (email,))
                return
            db.execute(
                "INSERT OR REPLACE INTO sign_in_failures (email, failures, next_allowed_at)"
                " VALUES (?, ?, ?)",
                (email, brake.failures, brake.next_allowed_at.isoformat()),
            )
