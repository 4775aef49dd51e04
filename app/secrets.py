"""API keys on this device: the OS keyring, or, only when the user asks, a plain file.

Where no keyring backend exists (headless Linux without Secret Service), Primer says so
and offers environment variables or the file; it never falls back silently.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from pathlib import Path

from domain.errors import ConfigurationError

SERVICE = "Primer"
INSECURE_FILE_NAME = "insecure-keys.json"
NO_KEYRING_MESSAGE = (
    "No system keyring was found, so Primer cannot store API keys securely on this machine. "
    "Set OPENAI_API_KEY / GEMINI_API_KEY in your environment, or choose to keep keys in a "
    "plain file in Settings."
)


def keyring_available() -> bool:
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    chained = getattr(backend, "backends", None)
    if chained is not None:
        return bool(chained)
    return not isinstance(backend, fail.Keyring) and backend.priority > 0  # type: ignore[operator]


class KeyringSecretStore:
    def get(self, name: str) -> str | None:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(SERVICE, name)
        except KeyringError:
            return None

    def set(self, name: str, value: str) -> None:
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(SERVICE, name, value)
        except KeyringError as error:
            raise ConfigurationError(f"The system keyring refused the key: {error}") from None

    def delete(self, name: str) -> None:
        import keyring
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):
            keyring.delete_password(SERVICE, name)


class InsecureFileSecretStore:
    """Keys in a JSON file readable only by the user. Chosen explicitly, with a warning."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, str]:
        try:
            return dict(json.loads(self.path.read_text("utf-8")))
        except FileNotFoundError:
            return {}
        except ValueError:
            raise ConfigurationError(f"The key file {self.path} is damaged.") from None

    def _write(self, values: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        with os.fdopen(os.open(self.path, flags, stat.S_IRUSR | stat.S_IWUSR), "w") as handle:
            json.dump(values, handle)

    def get(self, name: str) -> str | None:
        return self._read().get(name)

    def set(self, name: str, value: str) -> None:
        self._write({**self._read(), name: value})

    def delete(self, name: str) -> None:
        values = self._read()
        if values.pop(name, None) is not None:
            self._write(values)


class NoSecretStore:
    """No keyring and no file chosen: keys come from the environment only."""

    def get(self, name: str) -> str | None:
        return None

    def set(self, name: str, value: str) -> None:
        raise ConfigurationError(NO_KEYRING_MESSAGE)

    def delete(self, name: str) -> None:
        pass


def choose_secret_store(
    data_dir: Path, *, insecure_file: bool
) -> KeyringSecretStore | InsecureFileSecretStore | NoSecretStore:
    if insecure_file:
        return InsecureFileSecretStore(data_dir / INSECURE_FILE_NAME)
    if keyring_available():
        return KeyringSecretStore()
    return NoSecretStore()
