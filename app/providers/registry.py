"""Build a provider from its name: settings, then the keyring, then the SDKs' variables."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from app.providers.gemini_provider import GeminiChatProvider
from app.providers.openai_provider import OpenAIChatProvider
from app.providers.uploads import Uploads
from app.settings import ProviderConfig, Settings
from domain.attachments import Reading, reading_for
from domain.context import context_window_for
from domain.errors import ConfigurationError, PrimerError
from domain.ports import ChatProvider, SecretStore

log = logging.getLogger(__name__)
ENV_KEYS = {"openai": ("OPENAI_API_KEY",), "gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
ENV_BASE_URLS = {"openai": "OPENAI_BASE_URL", "gemini": "GOOGLE_GEMINI_BASE_URL"}
LABELS = {"openai": "OpenAI", "gemini": "Gemini"}
FALLBACK_MODELS = {
    "openai": ["gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "o4-mini"],
    "gemini": ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.0-flash"],
}


@dataclass(frozen=True)
class ResolvedProvider:
    config: ProviderConfig
    api_key: str | None
    base_url: str
    key_source: str  # "keyring", "environment" or "none": shown in Settings, never the key


class ProviderRegistry:
    def __init__(
        self,
        settings: Settings,
        secrets: SecretStore,
        overrides: dict[str, str] | None = None,
        data_dir: Path | None = None,
    ) -> None:
        """`data_dir`: where Gemini's uploads are remembered across restarts."""
        self._uploads = Uploads(data_dir)
        self.settings = settings
        self._secrets = secrets
        self._overrides = overrides or {}
        # One provider per name while its key and URL stay the same: its SDK client (an
        # SSL context, a connection pool) is made once, not at every send (bench.stall).
        self._built: dict[str, tuple[tuple[str, str | None, str], ChatProvider]] = {}
        self._title_models: dict[str, str | None] = {}
        """A provider's cheapest model, once listed (for titles)."""
        self._building = threading.Lock()

    def use_secrets(self, secrets: SecretStore) -> None:
        self._secrets = secrets

    def names(self) -> list[str]:
        return list(self.settings.providers)

    def config(self, name: str) -> ProviderConfig:
        config = self.settings.provider(name)
        if config is None:
            base_url = self._overrides.get("base_url")
            if base_url:
                return ProviderConfig(name, "openai_compatible", base_url)
            known = ", ".join(self.names())
            raise ConfigurationError(
                f"Unknown provider '{name}'. Use one of: {known}, or add a local server "
                "in Settings (or pass --base-url for a one-off)."
            )
        if self._overrides.get("base_url"):
            config = ProviderConfig(
                config.name,
                config.kind,
                self._overrides["base_url"],
                config.default_model,
                config.context_window,
            )
        return config

    def details(self, name: str) -> ResolvedProvider:
        config = self.config(name)
        try:
            key = self._secrets.get(name)
        except ConfigurationError as failure:  # a locked keyring, a damaged key file
            key, problem = None, failure
        else:
            problem = None
        source = "keyring" if key else "none"
        if not key:
            for variable in ENV_KEYS.get(config.kind, ()):
                if os.environ.get(variable):
                    key, source = os.environ[variable], "environment"
                    break
        if not key and problem is not None:
            raise problem  # nothing else to use: say why the stored key is out of reach
        base_url = config.base_url or self.environment_base_url(name)
        return ResolvedProvider(config, key, base_url, source)

    def environment_base_url(self, name: str) -> str:
        """The base URL the SDK's own variable sets (OPENAI_BASE_URL, ...), if any."""
        config = self.settings.provider(name)
        kind = config.kind if config else ""
        return os.environ.get(ENV_BASE_URLS.get(kind, ""), "")

    def key_sources(self) -> dict[str, str]:
        """Where each provider's key comes from. Reads the keyring: not on the GUI thread."""
        sources = {}
        for name in self.names():
            try:
                sources[name] = self.details(name).key_source
            except ConfigurationError:
                sources[name] = "unreadable"
        return sources

    def resolve(self, provider: str) -> ChatProvider:
        """The provider to use now: the one already made, unless its key or URL changed."""
        details = self.details(provider)
        identity = (details.config.kind, details.api_key, details.base_url)
        with self._building:
            made = self._built.get(provider)
            if made is None or made[0] != identity:
                made = (identity, self._make(provider, details))
                self._built[provider] = made
            return made[1]

    def _make(self, provider: str, details: ResolvedProvider) -> ChatProvider:
        label = LABELS.get(provider, provider)
        if details.config.kind == "gemini":
            return GeminiChatProvider(
                label=label, api_key=details.api_key, base_url=details.base_url,
                uploads=self._uploads,
            )  # fmt: skip
        if details.config.kind == "openai" and not details.api_key:
            raise ConfigurationError(
                "No OpenAI API key. Add one in Settings → Providers (or with "
                "`primer keys set openai`), or set OPENAI_API_KEY."
            )
        return OpenAIChatProvider(
            label=label,
            api_key=details.api_key,
            base_url=details.base_url,
            local=details.config.kind == "openai_compatible",
        )

    def default_model(self, name: str) -> str:
        config = self.config(name)
        return config.default_model or FALLBACK_MODELS.get(config.kind, [""])[0]

    def reading(self, provider: str, model: str, *, ask: bool = False) -> Reading:
        """What the provider's model reads as files, by its kind and model; `ask`: a local
        server is asked whether its model reads pictures (Ollama tells)."""
        config = self.config(provider)
        reading = reading_for(config.kind, LABELS.get(provider, provider), model)
        made = self.resolve(provider) if ask and config.kind == "openai_compatible" else None
        if isinstance(made, OpenAIChatProvider):
            told = made.reads_pictures(model)
            if told is not None:
                reading = replace(reading, images=told, sure=True)
        return reading

    def title_model(self, provider: str, chat_model: str) -> str | None:
        """The model that titles a chat (a network call: not on the GUI thread). Settings
        say "off" (None), a model's name, or "auto": a local server's loaded model (the
        chat's), else the cheapest-sounding chat model the provider lists."""
        chosen = self.settings.title_model.strip()
        if chosen == "off":
            return None
        if chosen and chosen != "auto":
            return chosen
        if self.config(provider).kind == "openai_compatible":
            return chat_model
        if provider not in self._title_models:
            try:
                listed = self.resolve(provider).list_models()
            except PrimerError as error:
                log.info("title model: the models of %s could not be listed (%s)",
                         provider, error.message)  # fmt: skip
                listed = []
            self._title_models[provider] = cheapest_model(listed)
        return self._title_models[provider] or chat_model

    def context_window(self, provider: str, model: str) -> int:
        config = self.settings.provider(provider)
        return context_window_for(model, config.context_window if config else None)

    def fallback_models(self, name: str) -> list[str]:
        config = self.config(name)
        models = list(FALLBACK_MODELS.get(config.kind, []))
        if config.default_model and config.default_model not in models:
            models.insert(0, config.default_model)
        return models


_CHEAP = ("nano", "flash-lite", "lite", "mini", "haiku", "flash", "small")
_NOT_CHAT = ("audio", "realtime", "tts", "transcribe", "embed", "image", "vision", "whisper",
             "dall-e", "moderation", "search", "computer", "codex", "live")  # fmt: skip


def cheapest_model(models: list[str]) -> str | None:
    """The model whose name says cheapest (nano, then lite, mini, …), the shortest name of
    its kind (an alias, not a dated snapshot); None when no name says so."""
    ranked = []
    for name in models:
        lowered = name.lower().removeprefix("models/")
        if any(word in lowered for word in _NOT_CHAT):
            continue
        rank = next((i for i, word in enumerate(_CHEAP) if word in lowered), None)
        if rank is not None:
            ranked.append((rank, len(lowered), lowered))
    return min(ranked)[2] if ranked else None
