"""The sealing of backed-up content under an account's data key (domain/sealing.py says
what is sealed and why deterministically): AES-256-GCM-SIV, its nonce a keyed BLAKE2b
hash of where the value lives (a third of the cost of an HMAC, and a backup seals two
million values), and keys drawn from the data key with HKDF, one per purpose."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.sealing import SEALED, Tampered

NONCE_BYTES = 12


def _derived(data_key: bytes, purpose: str) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=f"primer {purpose}".encode()).derive(data_key)


class ContentSealer:
    def __init__(self, account_id: str, data_key: bytes) -> None:
        self._account = account_id
        self._data_key = data_key
        self._cipher = AESGCMSIV(_derived(data_key, "backup content v1"))
        self._nonce_hash = hashlib.blake2b(
            key=_derived(data_key, "backup nonces v1"), digest_size=NONCE_BYTES
        )
        self._files = _derived(data_key, "backup file names v1")

    def __reduce__(self) -> tuple[type[ContentSealer], tuple[str, bytes]]:
        """Made again from the account and key in a backup's reader process
        (app/backup_reader.py), to which it travels through the pipe that starts it."""
        return ContentSealer, (self._account, self._data_key)

    def __repr__(self) -> str:
        return f"ContentSealer({self._account!r})"  # (never the key, in a log or a trace)

    def _where(self, table: str, row_id: str, name: str) -> tuple[bytes, bytes]:
        """(associated data, nonce) of one value: the nonce is its place's, so a value
        sealed again in its place is the same bytes (AES-GCM-SIV stays safe with it)."""
        where = f"{self._account}/{table}/{row_id}/{name}".encode()
        nonce = self._nonce_hash.copy()  # keyed once, not for each of two million values
        nonce.update(where)
        return where, nonce.digest()

    def seal_bytes(self, data: bytes, table: str, row_id: str, name: str) -> bytes:
        where, nonce = self._where(table, row_id, name)
        return self._cipher.encrypt(nonce, data, where)

    def open_bytes(self, sealed: bytes, table: str, row_id: str, name: str) -> bytes:
        where, nonce = self._where(table, row_id, name)
        try:
            return self._cipher.decrypt(nonce, bytes(sealed), where)
        except InvalidTag:
            raise Tampered(f"A {name} in the backup does not open: it was changed.") from None

    def seal(self, text: str, table: str, row_id: str, name: str) -> str:
        sealed = self.seal_bytes(text.encode("utf-8", "surrogatepass"), table, row_id, name)
        return SEALED + base64.b64encode(sealed).decode("ascii")

    def open(self, sealed: str, table: str, row_id: str, name: str) -> str:
        try:
            data = base64.b64decode(sealed[len(SEALED) :], validate=True)
        except ValueError:
            raise Tampered(f"A {name} in the backup is damaged.") from None
        return self.open_bytes(data, table, row_id, name).decode("utf-8", "surrogatepass")

    def file_key(self, sha256: str) -> str:
        return hmac.new(self._files, sha256.encode(), hashlib.sha256).hexdigest()
