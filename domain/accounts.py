"""Account rules that hold wherever the account lives: email form and password strength."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from domain.errors import AccountError

MIN_PASSWORD_LENGTH = 10
PASSWORD_RULES = (
    f"At least {MIN_PASSWORD_LENGTH} characters, not just the email again. "
    "A passphrase of a few words is easy to remember and hard to guess. "
    "It locks your backup and saved API keys: without it, or the recovery key Primer "
    "shows you once, nobody can read them, Primer included."
)
WRONG_CREDENTIALS = "The email or password is wrong."
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class LinkedAccount:
    """The account this machine backs up to, once signed in."""

    account_id: str
    email: str


def normalise_email(email: str) -> str:
    """Trimmed, checked, lower-cased: one account per address whatever its case."""
    cleaned = email.strip()
    if not _EMAIL.match(cleaned):
        raise AccountError(f"“{cleaned}” does not look like an email address.")
    return cleaned.lower()


def check_password(password: str, email: str) -> None:
    """Refuse what is short or easy to guess: zxcvbn's lists of common passwords, names
    and words (shipped in its package, never asked of a service), with its own reason."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password is too short. {PASSWORD_RULES}")
    if password.strip().lower() == email.strip().lower():
        raise AccountError(f"The password cannot be the email address. {PASSWORD_RULES}")
    from zxcvbn import zxcvbn

    verdict = zxcvbn(password, user_inputs=[email, *email.split("@")])
    if verdict["score"] < MIN_STRENGTH:
        reason = verdict["feedback"].get("warning") or "It is easy to guess."
        raise AccountError(f"That password is too easy to guess: {reason} {PASSWORD_RULES}")


MIN_STRENGTH = 3
"""zxcvbn's score, 0-4: 3 is "safely unguessable" against an online attack."""


def too_many_tries(seconds: int) -> AccountError:
    """The backup database counts wrong passwords per account and slows the next try (three
    are free, then 1 s, 2 s, 4 s ... up to 15 minutes): what it says, in a sentence."""
    seconds = max(1, seconds)
    if seconds < 120:
        when = f"{seconds} second{'' if seconds == 1 else 's'}"
    else:
        when = f"{round(seconds / 60)} minutes"
    return AccountError(f"Too many wrong passwords in a row. Try again in {when}.")


LEGACY_ACCOUNT = (
    "This account was made by an older Primer, and the backup database cannot check its "
    "password itself. Sign in once with the database owner's URL to bring it up to date; "
    "after that, any Primer signs in with the shared URL."
)


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """An account as the backup database keeps it: nothing here is a usable secret."""

    id: str
    email: str
    password_hash: str
    kdf_salt: bytes
    wrapped_data_key: bytes
    wrap_nonce: bytes
    kdf_params: str | None = None
    """The key-derivation parameters the data key was wrapped under ("m=…,t=…,p=…");
    None for accounts made before they were stored."""


@dataclass(frozen=True, slots=True)
class PasswordKeys:
    """What one Argon2id run of the password gives, drawn apart by HKDF."""

    verifier: bytes
    """Proves the password to the database's sign-in function (which keeps its hash)."""
    wrapping_key: bytes
    """Wraps the data key; never leaves this machine."""
    database_password: str
    """The account's own database role signs in with it (the server keeps a SCRAM
    verifier of it)."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the backup database keeps so that a password opens an account."""

    verifier_hash: str
    salt: bytes
    wrapped_data_key: bytes
    wrap_nonce: bytes
    kdf_params: str
    database_password: str
    """Handed to the database as a SCRAM verifier, never as it is."""


@dataclass(frozen=True, slots=True)
class RecoveryLock:
    """The data key wrapped under a recovery key, and a hash of what proves that key."""

    verifier_hash: str
    wrapped_data_key: bytes
    nonce: bytes


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """An account's data key as the database hands it over, once the account proved itself."""

    account_id: str
    email: str
    wrapped: bytes
    nonce: bytes
    kdf_params: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    """How this device reaches its account's own rows: the account's database role."""

    account_id: str
    database_password: str


class AccountStore(Protocol):
    """Where accounts live (the backup database). Passwords and recovery keys are checked
    there, by functions that slow repeated failures; nothing a client reads is a hash."""

    def sign_up(
        self, account_id: str, email: str, credentials: Credentials, recovery: RecoveryLock
    ) -> None: ...
    def salt(self, email: str) -> tuple[bytes, str | None]:
        """The salt and parameters to derive the verifier with (made up for no account)."""
        ...

    def sign_in(self, email: str, verifier: bytes, database_password: str) -> WrappedKey:
        """The wrapped data key if the verifier is right; AccountError otherwise (wrong,
        or wait), LegacyAccountError for an account only a Primer can check."""
        ...

    def legacy_record(self, email: str) -> AccountRecord | None:
        """An account from before one run (the owner's connection only)."""
        ...

    def adopt(self, account_id: str, credentials: Credentials) -> None:
        """Write a legacy account's credentials anew (the owner's connection only)."""
        ...

    def open_recovery(self, email: str, recovery_verifier: bytes) -> WrappedKey: ...
    def recover(self, email: str, recovery_verifier: bytes, credentials: Credentials) -> None: ...
    def change_password(
        self, session: Session, old_verifier: bytes, credentials: Credentials
    ) -> None: ...
    def set_recovery(self, session: Session, recovery: RecoveryLock) -> None: ...
    def put_key(self, session: Session, key: SealedKey) -> None: ...
    def delete_key(self, session: Session, provider: str) -> None: ...
    def keys(self, session: Session) -> list[SealedKey]: ...


ONE_RUN = "primer-v2$"
"""How a sign-in verifier drawn from the same Argon2id run as the key-encryption key is
kept (accounts made before it keep an Argon2id PHC string until their next sign-in)."""


class KeyVault(Protocol):
    """The cryptography of accounts (Argon2id, AES-256-GCM): app/account_crypto.py."""

    def hash_password(self, password: str) -> str: ...
    def verify_password(self, password_hash: str, password: str) -> bool: ...
    def new_salt(self) -> bytes: ...
    def new_data_key(self) -> bytes: ...
    def current_kdf_params(self) -> str: ...
    def key_encryption_key(self, password: str, salt: bytes, params: str | None) -> bytes: ...
    def password_keys(self, password: str, salt: bytes, params: str | None) -> PasswordKeys: ...
    def new_recovery_key(self) -> str: ...
    def recovery_keys(self, recovery_key: str) -> tuple[bytes, bytes]:
        """(verifier, wrapping key) of a recovery key as typed; AccountError if malformed."""
        ...

    def recovery_hash(self, verifier: bytes) -> str: ...
    def verifier_hash(self, verifier: bytes) -> str: ...
    def wrap_data_key(
        self, kek: bytes, data_key: bytes, account_id: str
    ) -> tuple[bytes, bytes]: ...
    def unwrap_data_key(
        self, kek: bytes, wrapped: bytes, nonce: bytes, account_id: str
    ) -> bytes: ...
    def seal_key(
        self, data_key: bytes, account_id: str, provider: str, api_key: str
    ) -> SealedKey: ...
    def open_key(self, data_key: bytes, account_id: str, sealed: SealedKey) -> str | None: ...


class AccountLink(Protocol):
    """Which account this device backs up to."""

    def current(self) -> LinkedAccount | None: ...
    def link(self, account: LinkedAccount) -> None: ...
    def unlink(self) -> None: ...


@dataclass(frozen=True, slots=True)
class SealedKey:
    """One provider's API key, encrypted on this machine under the account's data key."""

    provider: str
    ciphertext: bytes
    nonce: bytes
