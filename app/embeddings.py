"""Who turns text into vectors for search by meaning: the provider and model the person
chose (Settings' `embeddings`; off until then), through that provider's own SDK client."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from domain.meaning import DIMENSIONS, Embedder

if TYPE_CHECKING:
    from app.providers.registry import ProviderRegistry
    from domain.use_cases.index_meaning import MeaningStatus


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


def what_it_takes(registry: ProviderRegistry, provider: str, model: str,
                  status: MeaningStatus) -> str:  # fmt: skip
    """What embedding the history waiting will send, in words: messages, tokens (about
    four characters each) and the cost where the model's price is known."""
    from app.prices import Prices
    from domain.entities import Usage

    tokens = status.characters // 4
    price = Prices(registry).price(provider, model, Usage(input_tokens=tokens))
    config = registry.settings.provider(provider)
    if config is not None and config.kind == "openai_compatible":
        cost = ""  # (a local server's: nothing to pay)
    elif price is not None and price.cost is not None:
        cost = f", about ${price.cost:,.2f}" if price.cost >= 0.01 else ", under $0.01"
    else:
        cost = ", its price unknown"
    return f"{status.waiting:,} messages, about {tokens:,} tokens{cost}"
