"""Accounts and their encrypted API keys in the backup database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from domain.accounts import AccountRecord, SealedKey
from domain.errors import AccountError
from repositories.postgres.connection import BackupDatabase

_ACCOUNT_COLUMNS = (
    "id::text, email, password_hash, kdf_salt, wrapped_data_key, wrap_nonce, kdf_params"
)


class PostgresAccounts:
    def __init__(self, database: BackupDatabase) -> None:
        self._database = database

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection]:
        try:
            with self._database.connect() as db, db.transaction():
                yield db
        except psycopg.errors.UniqueViolation:
            raise AccountError(
                "An account with this email already exists; sign in instead."
            ) from None
        except psycopg.Error as error:
            raise self._database.explain(error) from None

    def create(self, account: AccountRecord) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO users (id, email, password_hash, kdf_salt, wrapped_data_key,"
                " wrap_nonce, kdf_params) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    account.id,
                    account.email,
                    account.password_hash,
                    account.kdf_salt,
                    account.wrapped_data_key,
                    account.wrap_nonce,
                    account.kdf_params,
                ),
            )

    def find(self, email: str) -> AccountRecord | None:
        with self._transaction() as db:
            row = db.execute(
                f"SELECT {_ACCOUNT_COLUMNS} FROM users WHERE lower(email) = lower(%s)", (email,)
            ).fetchone()
        return AccountRecord(*row) if row else None

    def get(self, account_id: str) -> AccountRecord | None:
        with self._transaction() as db:
            row = db.execute(
                f"SELECT {_ACCOUNT_COLUMNS} FROM users WHERE id = %s", (account_id,)
            ).fetchone()
        return AccountRecord(*row) if row else None

    def update_credentials(self, account: AccountRecord) -> None:
        """New hash, salt and wrapped data key together: a half-changed password cannot exist."""
        with self._transaction() as db:
            db.execute(
                "UPDATE users SET password_hash = %s, kdf_salt = %s, wrapped_data_key = %s,"
                " wrap_nonce = %s, kdf_params = %s, updated_at = now() WHERE id = %s",
                (
                    account.password_hash,
                    account.kdf_salt,
                    account.wrapped_data_key,
                    account.wrap_nonce,
                    account.kdf_params,
                    account.id,
                ),
            )

    def put_key(self, account_id: str, key: SealedKey) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO user_api_keys (user_id, provider, ciphertext, nonce)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (user_id, provider) DO UPDATE"
                " SET ciphertext = excluded.ciphertext, nonce = excluded.nonce, updated_at = now()",
                (account_id, key.provider, key.ciphertext, key.nonce),
            )

    def delete_key(self, account_id: str, provider: str) -> None:
        with self._transaction() as db:
            db.execute(
                "DELETE FROM user_api_keys WHERE user_id = %s AND provider = %s",
                (account_id, provider),
            )

    def keys(self, account_id: str) -> list[SealedKey]:
        with self._transaction() as db:
            rows = db.execute(
                "SELECT provider, ciphertext, nonce FROM user_api_keys WHERE user_id = %s"
                " ORDER BY provider",
                (account_id,),
            ).fetchall()
        return [SealedKey(*row) for row in rows]
