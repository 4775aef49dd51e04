"""Fixtures the integration tests share."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.settings import BUILT_IN, SettingsStore
from tests.support.fake_providers import FakeProviderServer


@pytest.fixture
def cli_dir(data_dir: Path, fake_server: FakeProviderServer) -> Path:
    data_dir.mkdir(parents=True)
    store = SettingsStore(data_dir)
    store.save(
        store.load().with_provider(
            replace(BUILT_IN["openai"], base_url=fake_server.openai_url, default_model="gpt-test")
        )
    )
    return data_dir
