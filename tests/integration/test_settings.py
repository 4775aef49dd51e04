"""settings.json on disk: what is saved comes back, and a damaged file is never lost."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from app.settings import BUILT_IN, Settings, SettingsStore


def test_saved_settings_come_back(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    local = replace(BUILT_IN["openai"], name="ollama", kind="openai_compatible")
    saved = replace(Settings().with_provider(local), theme="dark", default_provider="ollama")
    store.save(saved)
    assert SettingsStore(tmp_path).load() == saved


def test_a_damaged_file_is_set_aside_with_a_message_and_defaults_apply(tmp_path: Path) -> None:
    damaged = '{"theme": "dark", "providers": '
    (tmp_path / "settings.json").write_text(damaged, "utf-8")
    store = SettingsStore(tmp_path)
    assert store.load() == Settings()
    aside = [path for path in tmp_path.iterdir() if path.name != "settings.json"]
    assert len(aside) == 1 and aside[0].read_text("utf-8") == damaged  # nothing lost
    assert re.fullmatch(r"settings\.json\.damaged-\d{8}T\d{6}Z", aside[0].name)
    assert store.problem is not None and aside[0].name in store.problem
    assert not (tmp_path / "settings.json").exists()
