"""Who turns text into vectors for search by meaning: the provider and model the person
chose (Settings' `embeddings`; off until then), through that provider's own SDK client."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from domain.meaning import DIMENSIONS, Embedder

if TYPE_CHECKING:
    from app.providers.registry import ProviderRegistry


class ProviderEmbedder:
    def __init__(self, registry: ProviderRegistry, provider: str, model: str) -> None:
        self._registry = registry
        self._provider = provider
        self._model = model
        self.key = f"{provider}/{model}/{DIMENSIONS}"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        client = self._registry.resolve(self._provider)
        return client.embed(texts, self._model, DIMENSIONS)  # type: ignore[attr-defined]


def chosen_embedder(registry: ProviderRegistry) -> Embedder | None:
    """The embedder the settings name, or None (search by meaning is off)."""
    choice = registry.settings.embeddings
    if choice is None:
        return None
    return ProviderEmbedder(registry, choice.provider, choice.model)
