"""Accounts in the backup database: sign-up, sign-in and recovery through its SECURITY
DEFINER functions (migrations_postgres/0007), and each account's own rows (its sealed API
keys) through the account's own database role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from domain.accounts import (
    LEGACY_ACCOUNT,
    WRONG_CREDENTIALS,
    AccountRecord,
    Credentials,
    RecoveryLock,
    SealedKey,
    Session,
    WrappedKey,
    too_many_tries,
)
from domain.errors import AccountError, LegacyAccountError
from repositories.postgres.connection import BackupDatabase, as_account, as_role, as_url

_ACCOUNT_COLUMNS = (
    "id::text, email, password_hash, kdf_salt, wrapped_data_key, wrap_nonce, kdf_params"
)
WRONG_RECOVERY_KEY = "The email or recovery key is wrong."


class PostgresAccounts:
    def __init__(self, database: BackupDatabase) -> None:
        """`database`: the configured URL (the shared sign-up URL, or the owner's)."""
        self._database = database

    @contextmanager
    def _transaction(self, database: BackupDatabase | None = None) -> Iterator[psycopg.Connection]:
        database = database or self._database
        try:
            with database.connect() as db, db.transaction():
                yield db
        except psycopg.errors.UniqueViolation:
            raise AccountError(
                "An account with this email already exists; sign in instead."
            ) from None
        except psycopg.errors.ConfigurationLimitExceeded:  # (migrations_postgres/0012)
            raise AccountError(
                "This backup database has taken as many new accounts as it allows in an "
                "hour. Try again later, or ask its owner to raise the limit."
            ) from None
        except psycopg.Error as error:
            raise database.explain(error) from None

    def _as(self, session: Session) -> BackupDatabase:
        return as_account(self._database, session.account_id, session.database_password)

    def sign_up(
        self, account_id: str, email: str, credentials: Credentials, recovery: RecoveryLock
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "SELECT primer_sign_up(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (account_id, email, *_kept(db, credentials), recovery.verifier_hash,
                 recovery.wrapped_data_key, recovery.nonce),
            )  # fmt: skip

    def salt(self, email: str) -> tuple[bytes, str | None]:
        with self._transaction() as db:
            salt, params = db.execute("SELECT * FROM primer_sign_in_salt(%s)", (email,)).fetchone()
        return bytes(salt), params

    def sign_in(self, email: str, verifier: bytes, database_password: str) -> WrappedKey:
        with self._transaction() as db:
            row = db.execute(
                "SELECT outcome, wait_seconds, account::text, account_email, wrapped, nonce,"
                " params FROM primer_sign_in(%s, %s, %s)",
                (email, verifier, _scram(db, database_password)),
            ).fetchone()
        outcome, wait, *found = row
        _check(outcome, wait, WRONG_CREDENTIALS)
        account_id, found_email, wrapped, nonce, params = found
        return WrappedKey(account_id, found_email, bytes(wrapped), bytes(nonce), params)

    def legacy_record(self, email: str) -> AccountRecord | None:
        with self._transaction() as db:
            (owner,) = db.execute(
                "SELECT has_column_privilege('users', 'password_hash', 'SELECT')"
            ).fetchone()
            row = (
                owner
                and db.execute(
                    f"SELECT {_ACCOUNT_COLUMNS} FROM users WHERE lower(email) = lower(%s)", (email,)
                ).fetchone()
            )
        if not row:  # not the owner's connection: only the owner may read a hash
            raise AccountError(LEGACY_ACCOUNT)
        return AccountRecord(*row)

    def adopt(self, account_id: str, credentials: Credentials) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE users SET password_hash = %s, kdf_salt = %s, wrapped_data_key = %s,"
                " wrap_nonce = %s, kdf_params = %s, updated_at = now() WHERE id = %s",
                (credentials.verifier_hash, credentials.salt, credentials.wrapped_data_key,
                 credentials.wrap_nonce, credentials.kdf_params, account_id),
            )  # fmt: skip
            db.execute(
                "SELECT primer_set_role(%s, %s)",
                (account_id, _scram(db, credentials.database_password)),
            )

    def open_recovery(self, email: str, recovery_verifier: bytes) -> WrappedKey:
        with self._transaction() as db:
            row = db.execute(
                "SELECT outcome, wait_seconds, account::text, wrapped, nonce"
                " FROM primer_recovery_open(%s, %s)",
                (email, recovery_verifier),
            ).fetchone()
        outcome, wait, account_id, wrapped, nonce = row
        _check(outcome, wait, WRONG_RECOVERY_KEY)
        return WrappedKey(account_id, email, bytes(wrapped), bytes(nonce))

    def recover(self, email: str, recovery_verifier: bytes, credentials: Credentials) -> None:
        with self._transaction() as db:
            (outcome,) = db.execute(
                "SELECT primer_recover(%s, %s, %s, %s, %s, %s, %s, %s)",
                (email, recovery_verifier, *_kept(db, credentials)),
            ).fetchone()  # fmt: skip
        _check(outcome, 0, WRONG_RECOVERY_KEY)

    def change_password(
        self, session: Session, old_verifier: bytes, credentials: Credentials
    ) -> None:
        with self._transaction(self._as(session)) as db:
            (outcome,) = db.execute(
                "SELECT primer_change_password(%s, %s, %s, %s, %s, %s, %s)",
                (old_verifier, *_kept(db, credentials)),
            ).fetchone()  # fmt: skip
        _check(outcome, 0, WRONG_CREDENTIALS)

    def set_recovery(self, session: Session, recovery: RecoveryLock) -> None:
        with self._transaction(self._as(session)) as db:
            db.execute(
                "SELECT primer_set_recovery(%s, %s, %s)",
                (recovery.verifier_hash, recovery.wrapped_data_key, recovery.nonce),
            )

    def put_key(self, session: Session, key: SealedKey) -> None:
        with self._transaction(self._as(session)) as db:
            db.execute(
                "INSERT INTO user_api_keys (user_id, provider, ciphertext, nonce)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (user_id, provider) DO UPDATE"
                " SET ciphertext = excluded.ciphertext, nonce = excluded.nonce, updated_at = now()",
                (session.account_id, key.provider, key.ciphertext, key.nonce),
            )

    def delete_key(self, session: Session, provider: str) -> None:
        with self._transaction(self._as(session)) as db:
            db.execute(
                "DELETE FROM user_api_keys WHERE user_id = %s AND provider = %s",
                (session.account_id, provider),
            )

    def keys(self, session: Session) -> list[SealedKey]:
        with self._transaction(self._as(session)) as db:
            rows = db.execute(
                "SELECT provider, ciphertext, nonce FROM user_api_keys WHERE user_id = %s"
                " ORDER BY provider",
                (session.account_id,),
            ).fetchall()
        return [SealedKey(*row) for row in rows]


def sign_up_url(database: BackupDatabase) -> str | None:
    """The URL anyone the owner chooses signs up and signs in with (the gate role: it may
    call the sign-up, sign-in and recovery functions and read no table); None when this
    connection is not the owner's."""
    try:
        with database.connect() as db:
            row = db.execute(
                "SELECT primer_role('gate'), gate_password FROM primer_install"
            ).fetchone()
    except psycopg.Error:
        return None
    return as_url(as_role(database, *row)) if row else None


def _kept(db: psycopg.Connection, credentials: Credentials) -> tuple[object, ...]:
    """What the database functions take of new credentials, in their order: the verifier's
    hash, salt, wrapped data key, nonce, parameters, and the role password's SCRAM verifier."""
    return (credentials.verifier_hash, credentials.salt, credentials.wrapped_data_key,
            credentials.wrap_nonce, credentials.kdf_params,
            _scram(db, credentials.database_password))  # fmt: skip


def _scram(db: psycopg.Connection, password: str) -> str:
    """The SCRAM-SHA-256 verifier of a role password, made here by libpq: the server gets
    what it stores, never the password (nor does a statement log)."""
    return db.pgconn.encrypt_password(password.encode(), b"", b"scram-sha-256").decode()


def _check(outcome: str, wait: int, wrong: str) -> None:
    if outcome == "ok":
        return
    if outcome == "wait":
        raise too_many_tries(wait)
    if outcome == "legacy":
        raise LegacyAccountError(LEGACY_ACCOUNT)
    raise AccountError(wrong)
