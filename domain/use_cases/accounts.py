"""Register, sign in, sign out, change password, recover with the recovery key, and API
keys saved to the account: the account actions the window and the commands share, on ports
(the account store, this device's link, the key vault), tested with fakes.

The password never leaves this machine. One Argon2id run of it gives three keys: a verifier
the database's sign-in function checks (it keeps a hash, and slows repeated failures), the
key that wraps the data key, and the password of the account's own database role, which
sees that account's rows only. A recovery key, shown once at registration, wraps the data
key a second time.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from domain.accounts import (
    WRONG_CREDENTIALS,
    AccountLink,
    AccountStore,
    Credentials,
    KeyVault,
    LinkedAccount,
    RecoveryLock,
    Session,
    check_password,
    normalise_email,
)
from domain.backup import HereAndNow, StoreThread
from domain.errors import AccountError, LegacyAccountError
from domain.ids import new_id
from domain.ports import SecretStore

log = logging.getLogger(__name__)
T = TypeVar("T")
LEGACY_DATA_KEY_SECRET = "primer:account-data-key"
"""One entry for every account, from before entries were named by account: adopted only
when it opens one of the account's own saved keys."""


def data_key_secret(account_id: str) -> str:
    return f"{LEGACY_DATA_KEY_SECRET}:{account_id}"


def database_password_secret(account_id: str) -> str:
    """Where this device keeps the password of the account's database role."""
    return f"primer:account-database-password:{account_id}"


NOT_SIGNED_IN = "You are not signed in. Sign in (Account → Sign in…, or `primer account login`)."
SIGN_IN_AGAIN = (
    "Sign in again (Account → Sign in…, or `primer account login`): this version of Primer "
    "gives each account a database login of its own, made when you sign in."
)


class Registered(NamedTuple):
    account: LinkedAccount
    recovery_key: str
    """Shown once, to print or save: it alone opens the backup if the password is lost."""


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
        crypto: KeyVault,
        store: StoreThread | None = None,
    ) -> None:
        self._crypto = crypto
        self._remote = remote
        self._link = link
        self._secrets = secrets
        self._local_keys = local_keys  # provider names whose keys are worth saving
        self._store = store or HereAndNow()
        """Where this device's account link (SQLite) is used."""

    def _local(self, fn: Callable[..., T], *args: object) -> T:
        return self._store.submit(fn, *args).result()

    def current(self) -> LinkedAccount | None:
        return self._local(self._link.current)

    def register(self, email: str, password: str) -> Registered:
        email = normalise_email(email)
        check_password(password, email)
        account_id = new_id()
        data_key = self._crypto.new_data_key()
        credentials = _credentials(self._crypto, account_id, password, data_key)
        recovery_key = self._crypto.new_recovery_key()
        lock = _recovery_lock(self._crypto, account_id, recovery_key, data_key)
        # The keys are stored first: with nowhere to keep them, no account is created.
        session = Session(account_id, credentials.database_password)
        self._keep(session, data_key)
        try:
            self._remote.sign_up(account_id, email, credentials, lock)
        except BaseException:
            self._forget(account_id)
            raise
        account = LinkedAccount(account_id, email)
        self._local(self._link.link, account)
        log.info("account: registered and signed in")
        return Registered(account, recovery_key)

    def sign_in(self, email: str, password: str) -> SignedIn:
        """Sign in; return the account and the providers whose keys came back from it."""
        email = normalise_email(email)
        salt, params = self._remote.salt(email)
        keys = self._crypto.password_keys(password, salt, params)
        try:
            wrapped = self._remote.sign_in(email, keys.verifier, keys.database_password)
        except LegacyAccountError:
            return self._adopt_legacy(email, password)
        data_key = self._crypto.unwrap_data_key(
            keys.wrapping_key, wrapped.wrapped, wrapped.nonce, wrapped.account_id
        )
        session = Session(wrapped.account_id, keys.database_password)
        if wrapped.kdf_params != self._crypto.current_kdf_params():
            # wrapped under older parameters: write again under today's
            credentials = _credentials(self._crypto, wrapped.account_id, password, data_key)
            self._remote.change_password(session, keys.verifier, credentials)
            session = Session(wrapped.account_id, credentials.database_password)
        return self._start_session(LinkedAccount(wrapped.account_id, wrapped.email), data_key,
                                   session)  # fmt: skip

    def _adopt_legacy(self, email: str, password: str) -> SignedIn:
        """An account whose hash only a Primer can check (an Argon2id PHC string): checked
        here, through the owner's connection, and written anew in today's form."""
        record = self._remote.legacy_record(email)
        if record is None or not self._crypto.verify_password(record.password_hash, password):
            raise AccountError(WRONG_CREDENTIALS)
        kek = self._crypto.key_encryption_key(password, record.kdf_salt, record.kdf_params)
        data_key = self._crypto.unwrap_data_key(
            kek, record.wrapped_data_key, record.wrap_nonce, record.id
        )
        credentials = _credentials(self._crypto, record.id, password, data_key)
        self._remote.adopt(record.id, credentials)
        session = Session(record.id, credentials.database_password)
        return self._start_session(LinkedAccount(record.id, record.email), data_key, session)

    def recover(self, email: str, recovery_key: str, new_password: str) -> SignedIn:
        """A forgotten password: the recovery key opens the data key, and the account gets
        `new_password` (nothing is encrypted again). Signs this device in."""
        email = normalise_email(email)
        check_password(new_password, email)
        verifier, wrapping_key = self._crypto.recovery_keys(recovery_key)
        wrapped = self._remote.open_recovery(email, verifier)
        data_key = self._crypto.unwrap_data_key(
            wrapping_key, wrapped.wrapped, wrapped.nonce, wrapped.account_id
        )
        credentials = _credentials(self._crypto, wrapped.account_id, new_password, data_key)
        self._remote.recover(email, verifier, credentials)
        log.info("account: a new password set with the recovery key")
        session = Session(wrapped.account_id, credentials.database_password)
        return self._start_session(LinkedAccount(wrapped.account_id, email), data_key, session)

    def new_recovery_key(self) -> str:
        """A new recovery key for the signed-in account; the one before stops working."""
        account = self._require()
        data_key = self.data_key(account.account_id)
        recovery_key = self._crypto.new_recovery_key()
        lock = _recovery_lock(self._crypto, account.account_id, recovery_key, data_key)
        self._remote.set_recovery(self.session(account.account_id), lock)
        return recovery_key

    def sign_out(self) -> None:
        self._local(sign_out, self._link, self._secrets)

    def change_password(self, old_password: str, new_password: str) -> None:
        account = self._require()
        check_password(new_password, account.email)
        salt, params = self._remote.salt(account.email)
        old = self._crypto.password_keys(old_password, salt, params)
        data_key = self.data_key(account.account_id)
        # Only the wrapping changes: every saved key stays readable under the same data key.
        credentials = _credentials(self._crypto, account.account_id, new_password, data_key)
        session = Session(account.account_id, old.database_password)
        self._remote.change_password(session, old.verifier, credentials)
        self._secrets.set(
            database_password_secret(account.account_id), credentials.database_password
        )

    def save_key(self, provider: str, api_key: str) -> bool:
        """Seal `api_key` into the account when signed in; return whether it was saved there."""
        account = self._local(self._link.current)
        if account is None:
            return False
        data_key = self.data_key(account.account_id)
        sealed = self._crypto.seal_key(data_key, account.account_id, provider, api_key)
        self._remote.put_key(self.session(account.account_id), sealed)
        return True

    def delete_key(self, provider: str) -> None:
        account = self._local(self._link.current)
        if account is not None:
            self._remote.delete_key(self.session(account.account_id), provider)

    def save_all_keys(self) -> list[str]:
        """Seal every provider key this machine holds into the account."""
        saved = []
        for provider in self._local_keys:
            key = self._secrets.get(provider)
            if key and self.save_key(provider, key):
                saved.append(provider)
        return saved

    def _require(self) -> LinkedAccount:
        account = self._local(self._link.current)
        if account is None:
            raise AccountError(NOT_SIGNED_IN)
        return account

    def _keep(self, session: Session, data_key: bytes) -> None:
        self._secrets.set(data_key_secret(session.account_id), base64.b64encode(data_key).decode())
        self._secrets.set(database_password_secret(session.account_id), session.database_password)

    def _forget(self, account_id: str) -> None:
        self._secrets.delete(data_key_secret(account_id))
        self._secrets.delete(database_password_secret(account_id))

    def _start_session(self, account: LinkedAccount, data_key: bytes, session: Session) -> SignedIn:
        self._keep(session, data_key)
        self._local(self._link.link, account)
        restored, unreadable = [], []
        for sealed in self._remote.keys(session):
            key = self._crypto.open_key(data_key, account.account_id, sealed)
            if key is None:
                log.warning("account: a saved key for %s could not be opened", sealed.provider)
                unreadable.append(sealed.provider)
                continue
            self._secrets.set(sealed.provider, key)
            restored.append(sealed.provider)
        log.info("account: signed in, %d saved keys restored", len(restored))
        return SignedIn(account, restored, unreadable)

    def session(self, account_id: str) -> Session:
        """How this device reaches the account's rows: its role's password, kept since
        sign-in (a device signed in by an older Primer signs in again)."""
        password = self._secrets.get(database_password_secret(account_id))
        if not password:
            raise AccountError(SIGN_IN_AGAIN)
        return Session(account_id, password)

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
            for sealed in self._remote.keys(self.session(account_id))
        )


def _credentials(crypto: KeyVault, account_id: str, password: str, data_key: bytes) -> Credentials:
    """The sign-in verifier's hash, the data key wrapped and the database password, all
    from one Argon2id run under today's parameters and a new salt."""
    salt, params = crypto.new_salt(), crypto.current_kdf_params()
    keys = crypto.password_keys(password, salt, params)
    wrapped, nonce = crypto.wrap_data_key(keys.wrapping_key, data_key, account_id)
    return Credentials(
        crypto.verifier_hash(keys.verifier), salt, wrapped, nonce, params, keys.database_password
    )


def _recovery_lock(
    crypto: KeyVault, account_id: str, recovery_key: str, data_key: bytes
) -> RecoveryLock:
    verifier, wrapping_key = crypto.recovery_keys(recovery_key)
    wrapped, nonce = crypto.wrap_data_key(wrapping_key, data_key, account_id)
    return RecoveryLock(crypto.recovery_hash(verifier), wrapped, nonce)


def sign_out(link: AccountLink, secrets: SecretStore) -> None:
    """Forget the account on this machine (no server needed); chats and provider keys stay."""
    account = link.current()
    link.unlink()
    if account is not None:
        secrets.delete(data_key_secret(account.account_id))
        secrets.delete(database_password_secret(account.account_id))
