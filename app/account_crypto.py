"""Client-side secrets: one Argon2id run gives the sign-in verifier, the key that wraps
the data key and the account's database password (HKDF draws them apart); a recovery key
gives a second verifier and wrapping key; AES-256-GCM for the data key and every API key.
The server only ever sees ciphertext and hashes. Accounts made before keep an Argon2id PHC
hash (`hash_password`, `verify_password`) until they sign in once with the owner's URL."""

from __future__ import annotations

import base64
import hashlib
import os

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.accounts import ONE_RUN, PasswordKeys, SealedKey
from domain.errors import AccountError

# argon2-cffi's defaults: RFC 9106's low-memory profile (64 MiB, t=3, p=4), above OWASP's
# minimum (19 MiB, t=2, p=1). The hash is a PHC string, so raising them later re-hashes on
# the next sign-in.
HASHER = PasswordHasher()
SALT_BYTES = 16
NONCE_BYTES = 12


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


# What accounts made before the parameters were stored used: argon2-cffi's defaults then.
LEGACY_KDF_PARAMS = "m=65536,t=3,p=4"


def current_kdf_params() -> str:
    """The parameters a data key is wrapped under today, as stored beside it."""
    return f"m={HASHER.memory_cost},t={HASHER.time_cost},p={HASHER.parallelism}"


def key_encryption_key(password: str, salt: bytes, params: str | None) -> bytes:
    """Argon2id with its own salt (not the sign-in hash's): a 256-bit key that never leaves.

    Derived with the parameters stored with the wrapped key (`params`), never today's
    defaults: raising those must not lock anyone out.
    """
    values = dict(part.split("=", 1) for part in (params or LEGACY_KDF_PARAMS).split(","))
    return hash_secret_raw(
        password.encode(),
        salt,
        time_cost=int(values["t"]),
        memory_cost=int(values["m"]),
        parallelism=int(values["p"]),
        hash_len=32,
        type=Type.ID,
    )


def password_keys(password: str, salt: bytes, params: str | None) -> PasswordKeys:
    """The sign-in verifier, the key that wraps the data key and the database role's
    password, from one Argon2id run drawn apart by HKDF: signing in costs one run, and
    none of the three tells another."""
    master = key_encryption_key(password, salt, params)
    database_password = base64.urlsafe_b64encode(_drawn(master, "primer database password v1"))
    return PasswordKeys(
        _drawn(master, "primer sign-in verifier v2"),
        _drawn(master, "primer data key wrap v2"),
        database_password.decode().rstrip("="),
    )


def _drawn(master: bytes, purpose: str) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=purpose.encode()).derive(master)


RECOVERY_KEY_BYTES = 20
"""160 random bits: 32 characters of base32, typed in groups of four."""


def new_recovery_key() -> str:
    text = base64.b32encode(os.urandom(RECOVERY_KEY_BYTES)).decode()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def recovery_keys(recovery_key: str) -> tuple[bytes, bytes]:
    """(verifier, wrapping key) of a recovery key as typed: case, spaces and dashes do not
    matter, and 0, 1 and 8 read as the O, I and B they look like."""
    cleaned = "".join(recovery_key.split()).replace("-", "").upper()
    cleaned = cleaned.translate(str.maketrans("018", "OIB"))
    try:
        raw = base64.b32decode(cleaned)
    except ValueError:
        raw = b""
    if len(raw) != RECOVERY_KEY_BYTES:
        raise AccountError(
            "That is not a recovery key: it has 32 letters and digits, in groups of four."
        )
    return _drawn(raw, "primer recovery verifier v1"), _drawn(raw, "primer recovery wrap v1")


def recovery_hash(verifier: bytes) -> str:
    """What the database keeps of a recovery verifier (160 random bits: SHA-256 is enough)."""
    return hashlib.sha256(verifier).hexdigest()


def verifier_hash(verifier: bytes) -> str:
    """What the database keeps of the verifier (it is 256 random-looking bits: guessing
    the password behind it costs an Argon2id run a guess, as a PHC hash does)."""
    return ONE_RUN + hashlib.sha256(verifier).hexdigest()


def wrap_data_key(kek: bytes, data_key: bytes, account_id: str) -> tuple[bytes, bytes]:
    nonce = os.urandom(NONCE_BYTES)
    return AESGCM(kek).encrypt(nonce, data_key, f"data-key:{account_id}".encode()), nonce


def unwrap_data_key(kek: bytes, wrapped: bytes, nonce: bytes, account_id: str) -> bytes:
    try:
        return AESGCM(kek).decrypt(nonce, wrapped, f"data-key:{account_id}".encode())
    except InvalidTag:
        raise AccountError(
            "Your saved API keys could not be unlocked with this password."
        ) from None


def seal_key(data_key: bytes, account_id: str, provider: str, api_key: str) -> SealedKey:
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(data_key).encrypt(nonce, api_key.encode(), _aad(account_id, provider))
    return SealedKey(provider, ciphertext, nonce)


def open_key(data_key: bytes, account_id: str, sealed: SealedKey) -> str | None:
    """The plaintext key, or None if it was tampered with or sealed for someone else."""
    try:
        plain = AESGCM(data_key).decrypt(
            sealed.nonce, sealed.ciphertext, _aad(account_id, sealed.provider)
        )
    except InvalidTag:
        return None
    return plain.decode()


def _aad(account_id: str, provider: str) -> bytes:
    return f"api-key:{account_id}:{provider}".encode()
