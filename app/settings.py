"""User settings: providers, default model, theme. JSON in the data folder; keys never."""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

ProviderKind = Literal["openai", "gemini", "openai_compatible"]
Theme = Literal["system", "light", "dark"]
SETTINGS_NAME = "settings.json"


@dataclass(frozen=True)
class ProviderConfig:
    name: str
    kind: ProviderKind
    base_url: str = ""
    default_model: str = ""
    context_window: int | None = None


BUILT_IN: dict[str, ProviderConfig] = {
    "openai": ProviderConfig("openai", "openai", default_model="gpt-4o-mini"),
    "gemini": ProviderConfig("gemini", "gemini", default_model="gemini-2.5-flash"),
}

# Local servers people name on the command line without configuring them first.
WELL_KNOWN_LOCAL: dict[str, ProviderConfig] = {
    "ollama": ProviderConfig(
        "ollama", "openai_compatible", "http://localhost:11434/v1", "llama3.2"
    ),
    "lmstudio": ProviderConfig("lmstudio", "openai_compatible", "http://localhost:1234/v1"),
    "llamacpp": ProviderConfig("llamacpp", "openai_compatible", "http://localhost:8080/v1"),
}


@dataclass(frozen=True)
class EmbeddingChoice:
    """Which provider and model turn text into vectors for search by meaning."""

    provider: str
    model: str


@dataclass(frozen=True)
class ModelPrice:
    """US dollars a million tokens."""

    input: float
    output: float


@dataclass(frozen=True)
class Settings:
    providers: dict[str, ProviderConfig] = field(default_factory=lambda: dict(BUILT_IN))
    default_provider: str = "openai"
    theme: Theme = "system"
    insecure_key_file: bool = False
    backup_url: str = ""
    """The backup database's URL without its password (that is in the keyring)."""
    backup_every_hours: int = 0
    """Backup now on its own while the window is open, this often (0: only when asked)."""
    title_model: str = "auto"
    """Who titles a new chat after its first reply: "auto" (a cheap model of the chat's
    provider, or a local server's own), "off" (the first message's line stays), or a model."""
    prices: dict[str, ModelPrice] = field(default_factory=dict)
    """The person's own prices, by "provider/model": they win over the shipped table."""
    embeddings: EmbeddingChoice | None = None
    """Search by meaning: off (None) until the person chooses a provider for it."""

    def provider(self, name: str) -> ProviderConfig | None:
        return self.providers.get(name) or WELL_KNOWN_LOCAL.get(name)

    def with_provider(self, config: ProviderConfig) -> Settings:
        return replace(self, providers={**self.providers, config.name: config})

    def without_provider(self, name: str) -> Settings:
        return replace(self, providers={k: v for k, v in self.providers.items() if k != name})


class SettingsStore:
    """Reads and writes settings.json; a damaged file is set aside, never silently lost."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / SETTINGS_NAME
        self.problem: str | None = None

    def load(self) -> Settings:
        if not self.path.exists():
            return Settings()
        try:
            raw = json.loads(self.path.read_text("utf-8"))
            providers = dict(BUILT_IN)
            for name, value in raw.get("providers", {}).items():
                providers[name] = ProviderConfig(**{**value, "name": name})
            return Settings(
                providers=providers,
                default_provider=raw.get("default_provider", "openai"),
                theme=raw.get("theme", "system"),
                insecure_key_file=bool(raw.get("insecure_key_file", False)),
                backup_url=str(raw.get("backup_url", "")),
                backup_every_hours=max(0, int(raw.get("backup_every_hours", 0))),
                title_model=str(raw.get("title_model", "auto")),
                prices={
                    str(name): ModelPrice(float(value["input"]), float(value["output"]))
                    for name, value in raw.get("prices", {}).items()
                },
                embeddings=EmbeddingChoice(**raw["embeddings"]) if raw.get("embeddings") else None,
            )
        except (ValueError, TypeError, AttributeError) as error:
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
            os.replace(self.path, aside)
            self.problem = (
                f"The settings file was damaged ({error}); it was kept as {aside.name} and "
                "Primer starts with default settings (providers, backup database)."
            )
            log.warning(self.problem)
            return Settings()

    def save(self, settings: Settings) -> None:
        data = asdict(settings)
        for value in data["providers"].values():
            value.pop("name")
        from app.private_files import write_private

        write_private(self.path, json.dumps(data, indent=2))
