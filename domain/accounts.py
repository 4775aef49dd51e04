"""Account rules that hold wherever the account lives: email form and password strength."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password is too short. {PASSWORD_RULES}")
    if password.strip().lower() == email.strip().lower():
        raise AccountError(f"The password cannot be the email address. {PASSWORD_RULES}")


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """An account as the backup database keeps it: nothing here is a usable secret."""

    id: str
    email: str
    password_hash: str
    kdf_salt: bytes
    wrapped_data_key: bytes
    wrap_nonce: bytes


@dataclass(frozen=True, slots=True)
class SealedKey:
    """One provider's API key, encrypted on this machine under the account's data key."""

    provider: str
    ciphertext: bytes
    nonce: bytes
