"""Account rules that hold wherever the account lives: email form and password strength."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from domain.errors import AccountError

MIN_PASSWORD_LENGTH = 10
PASSWORD_RULES = (
    f"At least {MIN_PASSWORD_LENGTH} characters, not just the email again. "
    "A passphrase of a few words is easy to remember and hard to guess. "
    "It also protects your saved API keys: Primer cannot recover it."
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

# Sign-in slows down after a few wrong passwords in a row: 1 s, 2 s, 4 s ... up to 15 min.
FREE_FAILURES = 3
MAX_SIGN_IN_DELAY = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class SignInBrake:
    """Wrong passwords in a row for one email, and when the next try is allowed."""

    failures: int = 0
    next_allowed_at: datetime | None = None

    def wait(self, now: datetime) -> timedelta:
        """How long until the next try is allowed (zero: now)."""
        if self.next_allowed_at is None or now >= self.next_allowed_at:
            return timedelta(0)
        return self.next_allowed_at - now

    def after_failure(self, now: datetime) -> SignInBrake:
        failures = self.failures + 1
        if failures <= FREE_FAILURES:
            return SignInBrake(failures, now)
        delay = timedelta(seconds=2 ** min(failures - FREE_FAILURES - 1, 20))
        return SignInBrake(failures, now + min(delay, MAX_SIGN_IN_DELAY))


def too_many_tries(wait: timedelta) -> AccountError:
    seconds = max(1, round(wait.total_seconds()))
    if seconds < 120:
        when = f"{seconds} second{'' if seconds == 1 else 's'}"
    else:
        when = f"{round(seconds / 60)} minutes"
    return AccountError(f"Too many wrong passwords in a row. Try again in {when}.")


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


class AccountStore(Protocol):
    """Where accounts live (the backup database): hashes, wrapped keys, sealed API keys."""

    def create(self, account: AccountRecord) -> None: ...
    def find(self, email: str) -> AccountRecord | None: ...
    def update_credentials(self, account: AccountRecord) -> None: ...
    def put_key(self, account_id: str, key: SealedKey) -> None: ...
    def delete_key(self, account_id: str, provider: str) -> None: ...
    def keys(self, account_id: str) -> list[SealedKey]: ...


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
    def password_keys(
        self, password: str, salt: bytes, params: str | None
    ) -> tuple[bytes, bytes]: ...
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


class SignInBrakes(Protocol):
    """Wrong passwords in a row, per email, on this device."""

    def get(self, email: str) -> SignInBrake: ...
    def put(self, email: str, brake: SignInBrake) -> None: ...


@dataclass(frozen=True, slots=True)
class SealedKey:
    """One provider's API key, encrypted on this machine under the account's data key."""

    provider: str
    ciphertext: bytes
    nonce: bytes
