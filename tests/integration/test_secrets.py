"""Keys through the real keyring API, and the honest fallback when there is none."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from app.providers.registry import ProviderRegistry
from app.secrets import (
    InsecureFileSecretStore,
    KeyringSecretStore,
    NoSecretStore,
    choose_secret_store,
)
from app.settings import Settings
from domain.errors import ConfigurationError
from tests.conftest import MemoryKeyring


def test_keyring_store_round_trip(memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    store = choose_secret_store(tmp_path, insecure_file=False)
    assert isinstance(store, KeyringSecretStore)
    store.set("openai", "sk-1")
    # Named by the data folder: another folder on this computer has entries of its own.
    assert memory_keyring.passwords[("Primer", f"openai @ {tmp_path}")] == "sk-1"
    assert store.get("openai") == "sk-1"
    assert choose_secret_store(tmp_path / "other", insecure_file=False).get("openai") is None
    store.delete("openai")
    store.delete("openai")
    assert store.get("openai") is None


def test_no_keyring_means_no_silent_fallback(tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        store = choose_secret_store(tmp_path, insecure_file=False)
    finally:
        keyring.set_keyring(previous)
    assert isinstance(store, NoSecretStore)
    with pytest.raises(ConfigurationError, match="No system keyring"):
        store.set("openai", "sk")
    assert not list(tmp_path.iterdir())


def test_plain_file_only_when_chosen(tmp_path: Path) -> None:
    store = choose_secret_store(tmp_path, insecure_file=True)
    assert isinstance(store, InsecureFileSecretStore)
    store.set("gemini", "gm")
    assert store.get("gemini") == "gm"
    assert (store.path.stat().st_mode & 0o077) == 0


def test_keyring_key_wins_over_environment(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("GEMINI_API_KEY", "gm-env")
    registry = ProviderRegistry(Settings(), KeyringSecretStore())
    assert registry.details("openai").api_key == "sk-env"
    assert registry.details("openai").key_source == "environment"
    memory_keyring.set_password("Primer", "openai", "sk-ring")
    assert registry.details("openai").api_key == "sk-ring"
    assert registry.details("gemini").api_key == "gm-env"


def test_sdk_base_url_variables_are_honoured(
    monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9")
    registry = ProviderRegistry(Settings(), KeyringSecretStore())
    assert registry.details("openai").base_url == "http://127.0.0.1:9/v1"
    assert registry.details("gemini").base_url == "http://127.0.0.1:9"


def test_entries_from_before_folders_named_them_are_still_found(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    memory_keyring.set_password("Primer", "openai", "sk-old")
    store = choose_secret_store(tmp_path, insecure_file=False)
    assert store.get("openai") == "sk-old"
    assert memory_keyring.passwords[("Primer", f"openai @ {tmp_path}")] == "sk-old"
    store.delete("openai")
    assert store.get("openai") is None


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        from keyring.errors import KeyringLocked

        raise KeyringLocked("the collection is locked")


def test_a_keyring_that_fails_to_read_says_so_and_the_environment_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        store = KeyringSecretStore(str(tmp_path))
        with pytest.raises(ConfigurationError, match=r"keyring could not be read.*locked"):
            store.get("openai")
        registry = ProviderRegistry(Settings(), store)
        with pytest.raises(ConfigurationError, match="could not be read"):
            registry.details("openai")
        assert registry.key_sources()["openai"] == "unreadable"
        monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
        assert registry.details("openai").api_key == "sk-env"
    finally:
        keyring.set_keyring(previous)
