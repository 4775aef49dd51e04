"""Shared fixtures: a fake provider server on loopback, an in-memory keyring, data folders."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from tests.support.fake_providers import FakeProviderServer

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every SQLite statement on the thread that opened the store (DESIGN.md §2): using it from
# any other raises, in this process and in every `primer` the tests start.
os.environ["PRIMER_STRICT_STORE_THREAD"] = "1"
# No test may reach the network or the user's own Primer data or keys.
for variable in (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_GEMINI_BASE_URL",
    "PRIMER_DATA_DIR",
):
    os.environ.pop(variable, None)


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in memory, for the real keyring API."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}
        self.calls_on_main_thread: list[str] = []
        """In the GUI tests the main thread is the GUI thread, which must never wait on it."""

    def _note(self, call: str) -> None:
        if threading.current_thread() is threading.main_thread():
            self.calls_on_main_thread.append(call)

    def get_password(self, service: str, username: str) -> str | None:
        self._note(f"get {username}")
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._note(f"set {username}")
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def fake_server() -> Iterator[FakeProviderServer]:
    server = FakeProviderServer().start()
    yield server
    server.stop()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "primer-data"


@pytest.fixture
def configured_data_dir(
    data_dir: Path, fake_server: FakeProviderServer, memory_keyring: MemoryKeyring
) -> Path:
    """A data folder whose OpenAI and Gemini point at the fake server, keys in the keyring."""
    from dataclasses import replace

    from app.settings import BUILT_IN, SettingsStore

    data_dir.mkdir(parents=True, exist_ok=True)
    store = SettingsStore(data_dir)
    settings = store.load()
    settings = settings.with_provider(
        replace(BUILT_IN["openai"], base_url=fake_server.openai_url, default_model="gpt-test")
    )
    settings = settings.with_provider(
        replace(BUILT_IN["gemini"], base_url=fake_server.url, default_model="gemini-test")
    )
    # Titles written by a model are tested on their own (tests/gui/test_titles.py); here
    # a chat keeps its first line, and the fake server sees only what a test sends.
    store.save(replace(settings, title_model="off"))
    memory_keyring.set_password("Primer", "openai", "sk-test-openai-0123456789")
    memory_keyring.set_password("Primer", "gemini", "gm-test-gemini-0123456789")
    return data_dir


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL for the whole run (embedded pgserver or $PRIMER_TEST_PG_URL)."""
    from devtools import embedded_postgres as postgres

    server = postgres.start()
    yield server
    server.stop()  # no /tmp/primer-pg-* or running server left behind


@pytest.fixture
def backup_url(postgres_server, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty backup database for one test; its URL carries the app role's password."""
    import re
    import zlib

    node = request.node.name.lower()
    name = f"t_{re.sub(r'[^a-z0-9]+', '_', node)[:40]}_{zlib.crc32(node.encode()):08x}"
    yield postgres_server.create_database(name)
    if postgres_server.shared:  # (an embedded server goes whole at the end of the run)
        postgres_server.drop_database(name)


@pytest.fixture
def machine(tmp_path: Path, backup_url: str):
    """Make Primers ("laptop", "desktop", ...) that back up to this test's database."""
    from tests.support.seeding import machines

    return machines(tmp_path, backup_url)
