"""Register, sign in, sign out, change password, and API keys saved to the account: the
account actions the window and the commands share, on ports (the account store, this
device's link and sign-in brakes, the key vault), tested with fakes.

The password never leaves this machine: the server gets an Argon2id hash for sign-in and a
data key wrapped under a second Argon2id output; API keys go up sealed under that data key.
"""

from __future__ import annotations

import base64
import hmac
import logging
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from domain.accounts import (
    ONE_RUN,
    WRONG_CREDENTIALS,
    AccountLink,
    AccountRecord,
    AccountStore,
    KeyVault,
    LinkedAccount,
    SignInBrake,
    SignInBrakes,
    check_password,
    normalise_email,
    too_many_tries,
)
from domain.backup import HereAndNow, StoreThread
from domain.clock import Clock, utc_now
from domain.errors import AccountError
from domain.ids import new_id
from domain.ports import SecretStore

log = logging.getLogger(__name__)
T = TypeVar("T")
LEGACY_DATA_KEY_SECRET = "primer:account-data-key"
"""One entry for every account, from before entries were named by account: adopted only
when it opens one of the account's own saved keys."""


def data_key_secret(account_id: str) -> str:
    return f"{LEGACY_DATA_KEY_SECRET}:{account_id}"


NOT_SIGNED_IN = "You are not signed in. Sign in (Account → Sign in…, or `primer account login`)."


class SignedIn(NamedTuple):
    account: LinkedAccount
    restored: list[str]
    """Providers whose keys came back from the account."""
    unreadable: list[str]
    """Providers whose saved keys this account's key cannot open: to be stored again."""

    def unreadable_notice(self) -> str | None:
        if not self.unreadable:
            return None
        names = ", ".join(self.unreadable)
        return (
            f"The key(s) saved to your account for {names} could not be opened (they were "
            "sealed under another key) and were not brought back; store them again."
        )


class Accounts:
    def __init__(
        self,
        remote: AccountStore,
        link: AccountLink,
        secrets: SecretStore,
        local_keys: list[str],
        brakes: SignInBrakes,
        crypto: KeyVault,
        clock: Clock = utc_now,
        store: StoreThread | None = None,
    ) -> None:
        self._crypto = crypto
        """Verified against when the email is unknown, so both failures take as long."""
        self._remote = remote
        self._link = link
        self._secrets = secrets
        self._local_keys = local_keys  # provider names whose keys are worth saving
        self._brakes = brakes
        self._clock = clock
        self._store = store or HereAndNow()
        """Where this device's account link and sign-in brakes (SQLite) are used."""

    def _local(self, fn: Callable[..., T], *args: object) -> T:
        return self._store.submit(fn, *args).result()

    def current(self) -> LinkedAccount | None:
        return self._local(self._link.current)

    def register(self, email: str, password: str) -> LinkedAccount:
        email = normalise_email(email)
        check_password(password, email)
        account_id = new_id()
        data_key = self._crypto.new_data_key()
        account = LinkedAccount(account_id, email)
        # The data key is stored first: with nowhere to keep it, no account is created.
        secret = data_key_secret(account_id)
        self._secrets.set(secret, base64.b64encode(data_key).decode())
        try:
            self._remote.create(_credentials(self._crypto, account_id, email, password, data_key))
        except BaseException:
            self._secrets.delete(secret)
            raise
        self._local(self._link.link, account)
        log.info("account: registered and signed in")
        return account

    def sign_in(self, email: str, password: str) -> SignedIn:
        """Sign in; return the account and the providers whose keys came back from it."""
        record, kek = self._check(normalise_email(email), password)
        data_key = _unwrap(self._crypto, record, password, kek)
        if not record.password_hash.startswith(ONE_RUN) or (
            record.kdf_params != self._crypto.current_kdf_params()
        ):  # written before one run served both, or under weaker parameters: write again
            self._remote.update_credentials(
                _credentials(self._crypto, record.id, record.email, password, data_key)
            )
        account = LinkedAccount(record.id, record.email)
        self._start_session(account, data_key)
        restored, unreadable = [], []
        for sealed in self._remote.keys(record.id):
            key = self._crypto.open_key(data_key, record.id, sealed)
            if key is None:
                log.warning("account: a saved key for %s could not be opened", sealed.provider)
                unreadable.append(sealed.provider)
                continue
            self._secrets.set(sealed.provider, key)
            restored.append(sealed.provider)
        log.info("account: signed in, %d saved keys restored", len(restored))
        return SignedIn(account, restored, unreadable)

    def sign_out(self) -> None:
        self._local(sign_out, self._link, self._secrets)

    def change_password(self, old_password: str, new_password: str) -> None:
        account = self._require()
        record, kek = self._check(account.email, old_password)
        check_password(new_password, record.email)
        data_key = _unwrap(self._crypto, record, old_password, kek)
        # Only the wrapping changes: every saved key stays readable under the same data key.
        self._remote.update_credentials(
            _credentials(self._crypto, record.id, record.email, new_password, data_key)
        )

    def save_key(self, provider: str, api_key: str) -> bool:
        """Seal `api_key` into the account when signed in; return whether it was saved there."""
        account = self._local(self._link.current)
        if account is None:
            return False
        data_key = self.data_key(account.account_id)
        sealed = self._crypto.seal_key(data_key, account.account_id, provider, api_key)
        self._remote.put_key(account.account_id, sealed)
        return True

    def delete_key(self, provider: str) -> None:
        account = self._local(self._link.current)
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

    def _check(self, email: str, password: str) -> tuple[AccountRecord, bytes | None]:
        """The account, if the password is right, and the key-encryption key when the same
        Argon2id run gave it; wrong passwords in a row slow the next try."""
        brake, now = self._local(self._brakes.get, email), self._clock()
        wait = brake.wait(now)
        if wait:
            raise too_many_tries(wait)
        record = self._remote.find(email)
        kek: bytes | None = None
        if record is None:  # the same work as for an account, so the time tells nothing
            salt, params = self._crypto.new_salt(), self._crypto.current_kdf_params()
            self._crypto.password_keys(password, salt, params)
            right = False
        elif record.password_hash.startswith(ONE_RUN):
            verifier, kek = self._crypto.password_keys(password, record.kdf_salt, record.kdf_params)
            kept = self._crypto.verifier_hash(verifier)
            right = hmac.compare_digest(kept.encode(), record.password_hash.encode())
        else:
            right = self._crypto.verify_password(record.password_hash, password)
        if record is None or not right:
            self._local(self._brakes.put, email, brake.after_failure(now))
            raise AccountError(WRONG_CREDENTIALS)
        if brake.failures:
            self._local(self._brakes.put, email, SignInBrake())
        return record, kek

    def _require(self) -> LinkedAccount:
        account = self._local(self._link.current)
        if account is None:
            raise AccountError(NOT_SIGNED_IN)
        return account

    def _start_session(self, account: LinkedAccount, data_key: bytes) -> None:
        self._secrets.set(data_key_secret(account.account_id), base64.b64encode(data_key).decode())
        self._local(self._link.link, account)

    def data_key(self, account_id: str) -> bytes:
        """The account's data key on this device; a key sealed under any other would be
        lost to the account, so a missing one is an error the user sees."""
        stored = self._secrets.get(data_key_secret(account_id))
        if stored:
            return base64.b64decode(stored)
        legacy = self._secrets.get(LEGACY_DATA_KEY_SECRET)
        if legacy and self._opens_a_saved_key(account_id, base64.b64decode(legacy)):
            self._secrets.set(data_key_secret(account_id), legacy)
            return base64.b64decode(legacy)
        raise AccountError(
            "This computer does not hold your account's key, so keys cannot be saved to "
            "the account. Sign in again (Account → Sign in…, or `primer account login`)."
        )

    def _opens_a_saved_key(self, account_id: str, data_key: bytes) -> bool:
        return any(
            self._crypto.open_key(data_key, account_id, sealed) is not None
            for sealed in self._remote.keys(account_id)
        )


def _credentials(
    crypto: KeyVault, account_id: str, email: str, password: str, data_key: bytes
) -> AccountRecord:
    """The sign-in verifier and the data key wrapped, both from one Argon2id run under
    today's parameters and a new salt."""
    salt, params = crypto.new_salt(), crypto.current_kdf_params()
    verifier, kek = crypto.password_keys(password, salt, params)
    wrapped, nonce = crypto.wrap_data_key(kek, data_key, account_id)
    return AccountRecord(
        account_id, email, crypto.verifier_hash(verifier), salt, wrapped, nonce, params
    )


def _unwrap(crypto: KeyVault, record: AccountRecord, password: str, kek: bytes | None) -> bytes:
    """The data key, under the parameters it was wrapped with (not today's): with the key
    the sign-in check drew already, or (an account written before) a run of its own."""
    if kek is None:
        kek = crypto.key_encryption_key(password, record.kdf_salt, record.kdf_params)
    return crypto.unwrap_data_key(kek, record.wrapped_data_key, record.wrap_nonce, record.id)


def sign_out(link: AccountLink, secrets: SecretStore) -> None:
    """Forget the account on this machine (no server needed); chats and provider keys stay."""
    account = link.current()
    link.unlink()
    if account is not None:
        secrets.delete(data_key_secret(account.account_id))
