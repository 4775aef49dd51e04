"""What a request cost: the person's own price for the model if they set one, nothing for
a local server's models, else genai-prices' table, which ships with the package and is
never fetched at run time. The rates used go with the cost (domain/usage.py)."""

from __future__ import annotations

import json
from importlib.metadata import version

from app.providers.registry import ProviderRegistry
from domain.entities import Usage
from domain.errors import PrimerError
from domain.usage import Price

_PROVIDER_IDS = {"openai": "openai", "gemini": "google"}
"""genai-prices' name for each kind of provider Primer speaks to."""


def price_name(provider: str, model: str) -> str:
    return f"{provider}/{model}"


class Prices:
    def __init__(self, providers: ProviderRegistry) -> None:
        self._providers = providers

    def price(self, provider: str, model: str, usage: Usage) -> Price | None:
        settings = self._providers.settings
        tokens_in, tokens_out = usage.input_tokens or 0, usage.output_tokens or 0
        own = settings.prices.get(price_name(provider, model))
        if own is not None:
            cost = (tokens_in * own.input + tokens_out * own.output) / 1_000_000
            return Price(cost, _rates("your price", own.input, own.output))
        try:
            config = self._providers.config(provider)
        except PrimerError:  # a provider no longer set up: its price is not known
            return None
        if config.kind == "openai_compatible":
            return Price(0.0, _rates("a local model", 0, 0))
        from genai_prices import Usage as Tokens
        from genai_prices import calc_price

        try:
            worked = calc_price(
                Tokens(input_tokens=tokens_in, output_tokens=tokens_out,
                       cache_read_tokens=usage.cached_tokens or None),
                model_ref=model,
                provider_id=_PROVIDER_IDS[config.kind],
            )  # fmt: skip
        except LookupError:
            return None
        rates = worked.model_price
        return Price(
            float(worked.total_price),
            _rates(f"genai-prices {version('genai-prices')}", rates.input_mtok,
                   rates.output_mtok, rates.cache_read_mtok, worked.model.id),
        )  # fmt: skip


def _rates(source: str, per_input: object, per_output: object, per_cached: object = None,
           model: str | None = None) -> str:  # fmt: skip
    said = {"source": source, "model": model, "input_per_mtok": per_input,
            "output_per_mtok": per_output, "cached_input_per_mtok": per_cached}  # fmt: skip
    return json.dumps({k: v if isinstance(v, int | float | str) else str(v)
                       for k, v in said.items() if v is not None})  # fmt: skip
