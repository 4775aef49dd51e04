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
    assert memory_keyring.passwords[("Primer", "openai")] == "sk-1"
    assert store.get("openai") == "sk-1"
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
