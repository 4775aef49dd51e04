"""API keys on this device: the OS keyring, or, only when the user asks, a plain file.

Where no keyring backend exists (headless Linux without Secret Service), Primer says so
and offers environment variables or the file; it never falls back silently.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from domain.errors import ConfigurationError

SERVICE = "Primer"
INSECURE_FILE_NAME = "insecure-keys.json"
CLI_PLAIN_FILE_HINT = (
    "To keep it in a file only you can read, run `primer keys storage file`"
    " (API keys can also come from OPENAI_API_KEY / GEMINI_API_KEY)."
)


class NoKeyring(ConfigurationError):
    """Nowhere safe to keep a secret; `sentence` says what could not be stored."""

    def __init__(self, what: str) -> None:
        self.sentence = (
            f"No system keyring was found, so Primer cannot store {what} securely on this computer."
        )
        super().__init__(
            f"{self.sentence} To keep it in a file only you can read, tick “Keep API keys "
            "in a plain file” in Settings, or run `primer keys storage file`."
        )


class KeyringUnreadable(ConfigurationError):
    """The keyring exists but failed (locked, D-Bus down): not the same as no key."""


def describe_secret(name: str) -> str:
    """What a secret's name holds, in words a person knows."""
    if name.startswith("primer:account-data-key"):
        return "your account's key"
    if name.startswith("primer:backup-database-password"):
        return "the backup database's password"
    return f"the API key for {name}"


def keyring_available() -> bool:
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    chained = getattr(backend, "backends", None)
    if chained is not None:
        return bool(chained)
    return not isinstance(backend, fail.Keyring) and backend.priority > 0  # type: ignore[operator]


class KeyringSecretStore:
    """The OS keyring, each entry named by the data folder it belongs to: two folders on
    one computer (two people, two accounts) never share a secret.

    Entries from before they were named by folder are still read, and copied to this
    folder's name when first found.
    """

    def __init__(self, scope: str = "") -> None:
        self._scope = scope

    def _name(self, name: str) -> str:
        return f"{name} @ {self._scope}" if self._scope else name

    def get(self, name: str) -> str | None:
        value = self._read(self._name(name))
        if value is None and self._scope:
            value = self._read(name)  # stored before entries were named by folder
            if value is not None:
                self.set(name, value)
        return value

    def _read(self, entry: str) -> str | None:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(SERVICE, entry)
        except KeyringError as error:
            raise KeyringUnreadable(
                f"The system keyring could not be read ({error or type(error).__name__}). "
                "Unlock it (or sign in to your desktop session) and try again."
            ) from None

    def set(self, name: str, value: str) -> None:
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(SERVICE, self._name(name), value)
        except KeyringError as error:
            raise ConfigurationError(
                f"The system keyring refused to store {describe_secret(name)}: {error}"
            ) from None

    def delete(self, name: str) -> None:
        import keyring
        from keyring.errors import PasswordDeleteError

        for entry in {self._name(name), name}:
            with contextlib.suppress(PasswordDeleteError):
                keyring.delete_password(SERVICE, entry)


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
            raise ConfigurationError(
                f"The key file {self.path} is damaged, so its keys cannot be read. "
                "Move it aside and store your keys again (`primer keys set PROVIDER`)."
            ) from None

    def _write(self, values: dict[str, str]) -> None:
        from app.private_files import write_private

        write_private(self.path, json.dumps(values))

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
        raise NoKeyring(describe_secret(name))

    def delete(self, name: str) -> None:
        pass


def choose_secret_store(
    data_dir: Path, *, insecure_file: bool
) -> KeyringSecretStore | InsecureFileSecretStore | NoSecretStore:
    if insecure_file:
        return InsecureFileSecretStore(data_dir / INSECURE_FILE_NAME)
    if keyring_available():
        return KeyringSecretStore(str(data_dir))
    return NoSecretStore()
