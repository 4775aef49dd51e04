"""Wrong passwords in a row per email on this device (`sign_in_failures`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, text

from domain.accounts import SignInBrake


class SqliteSignInBrakes:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, email: str) -> SignInBrake:
        with self._engine.connect() as db:
            row = db.execute(
                text("SELECT failures, next_allowed_at FROM sign_in_failures WHERE email = :e"),
                {"e": email},
            ).first()
        if row is None:
            return SignInBrake()
        return SignInBrake(int(row[0]), datetime.fromisoformat(row[1]))

    def put(self, email: str, brake: SignInBrake) -> None:
        with self._engine.begin() as db:
            if brake.failures == 0 or brake.next_allowed_at is None:
                db.execute(text("DELETE FROM sign_in_failures WHERE email = :e"), {"e": email})
                return
            db.execute(
                text(
                    "INSERT OR REPLACE INTO sign_in_failures (email, failures, next_allowed_at)"
                    " VALUES (:e, :f, :t)"
                ),
                {"e": email, "f": brake.failures, "t": brake.next_allowed_at.isoformat()},
            )
