"""Register, sign in, sign out, change password, and API keys saved to the account.

The password never leaves this machine: the server gets an Argon2id hash for sign-in and a
data key wrapped under a second Argon2id output; API keys go up sealed under that data key.
"""

from __future__ import annotations

import base64
import dataclasses
import logging

from app import account_crypto as crypto
from domain.accounts import (
    WRONG_CREDENTIALS,
    AccountRecord,
    LinkedAccount,
    check_password,
    normalise_email,
)
from domain.errors import AccountError
from domain.ids import new_id
from domain.ports import SecretStore
from repositories.postgres.accounts import PostgresAccounts
from repositories.sqlite.account_link import SqliteAccountLink

log = logging.getLogger(__name__)
DATA_KEY_SECRET = "primer:account-data-key"
NOT_SIGNED_IN = "You are not signed in. Sign in (Account → Sign in…, or `primer account login`)."

# Verified against when the email is unknown, so both failures take the same time.
_DECOY_HASH = crypto.hash_password("primer-decoy-password")


class Accounts:
    def __init__(
        self,
        remote: PostgresAccounts,
        link: SqliteAccountLink,
        secrets: SecretStore,
        local_keys: list[str],
    ) -> None:
        self._remote = remote
        self._link = link
        self._secrets = secrets
        self._local_keys = local_keys  # provider names whose keys are worth saving

    def current(self) -> LinkedAccount | None:
        return self._link.current()

    def register(self, email: str, password: str) -> LinkedAccount:
        email = normalise_email(email)
        check_password(password, email)
        account_id = new_id()
        salt, data_key = crypto.new_salt(), crypto.new_data_key()
        wrapped, nonce = crypto.wrap_data_key(
            crypto.key_encryption_key(password, salt), data_key, account_id
        )
        account = LinkedAccount(account_id, email)
        # The data key is stored first: with nowhere to keep it, no account is created. If
        # creating fails, the key of the account this machine was signed in to comes back.
        previous = self._secrets.get(DATA_KEY_SECRET)
        self._secrets.set(DATA_KEY_SECRET, base64.b64encode(data_key).decode())
        try:
            self._remote.create(
                AccountRecord(
                    account_id, email, crypto.hash_password(password), salt, wrapped, nonce
                )
            )
        except BaseException:
            if previous is None:
                self._secrets.delete(DATA_KEY_SECRET)
            else:
                self._secrets.set(DATA_KEY_SECRET, previous)
            raise
        self._link.link(account)
        log.info("account: registered and signed in")
        return account

    def sign_in(self, email: str, password: str) -> tuple[LinkedAccount, list[str]]:
        """Sign in; return the account and the providers whose keys came back from it."""
        record = self._check(normalise_email(email), password)
        if crypto.needs_rehash(record.password_hash):
            rehashed = dataclasses.replace(record, password_hash=crypto.hash_password(password))
            self._remote.update_credentials(rehashed)
        data_key = crypto.unwrap_data_key(
            crypto.key_encryption_key(password, record.kdf_salt),
            record.wrapped_data_key,
            record.wrap_nonce,
            record.id,
        )
        account = LinkedAccount(record.id, record.email)
        self._start_session(account, data_key)
        restored = []
        for sealed in self._remote.keys(record.id):
            key = crypto.open_key(data_key, record.id, sealed)
            if key is None:
                log.warning("account: a saved key for %s could not be opened", sealed.provider)
                continue
            self._secrets.set(sealed.provider, key)
            restored.append(sealed.provider)
        log.info("account: signed in, %d saved keys restored", len(restored))
        return account, restored

    def sign_out(self) -> None:
        sign_out(self._link, self._secrets)

    def change_password(self, old_password: str, new_password: str) -> None:
        account = self._require()
        record = self._check(account.email, old_password)
        check_password(new_password, record.email)
        data_key = crypto.unwrap_data_key(
            crypto.key_encryption_key(old_password, record.kdf_salt),
            record.wrapped_data_key,
            record.wrap_nonce,
            record.id,
        )
        # Only the wrapping changes: every saved key stays readable under the same data key.
        salt = crypto.new_salt()
        wrapped, nonce = crypto.wrap_data_key(
            crypto.key_encryption_key(new_password, salt), data_key, record.id
        )
        self._remote.update_credentials(
            AccountRecord(
                record.id, record.email, crypto.hash_password(new_password), salt, wrapped, nonce
            )
        )

    def save_key(self, provider: str, api_key: str) -> bool:
        """Seal `api_key` into the account when signed in; return whether it was saved there."""
        account = self._link.current()
        data_key = self._data_key()
        if account is None or data_key is None:
            return False
        sealed = crypto.seal_key(data_key, account.account_id, provider, api_key)
        self._remote.put_key(account.account_id, sealed)
        return True

    def delete_key(self, provider: str) -> None:
        account = self._link.current()
        if account is not None:
            self._remote.delete_key(account.account_id, provider)

    def save_all_keys(self) -> list[str]:
        """Seal every provider key this machine holds into the account."""
        saved = []
        for provider in self._local_keys:
            key = self._secrets.get(provider)
            if key and self.save_key(provider, key):
                saved.append(provider)
        return saved

    def _check(self, email: str, password: str) -> AccountRecord:
        record = self._remote.find(email)
        if record is None:
            crypto.verify_password(_DECOY_HASH, password)
            raise AccountError(WRONG_CREDENTIALS)
        if not crypto.verify_password(record.password_hash, password):
            raise AccountError(WRONG_CREDENTIALS)
        return record

    def _require(self) -> LinkedAccount:
        account = self._link.current()
        if account is None:
            raise AccountError(NOT_SIGNED_IN)
        return account

    def _start_session(self, account: LinkedAccount, data_key: bytes) -> None:
        self._secrets.set(DATA_KEY_SECRET, base64.b64encode(data_key).decode())
        self._link.link(account)

    def _data_key(self) -> bytes | None:
        stored = self._secrets.get(DATA_KEY_SECRET)
        return base64.b64decode(stored) if stored else None


def sign_out(link: SqliteAccountLink, secrets: SecretStore) -> None:
    """Forget the account on this machine (no server needed); chats and provider keys stay."""
    link.unlink()
    secrets.delete(DATA_KEY_SECRET)
