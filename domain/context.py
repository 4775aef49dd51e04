"""Fitting a conversation into a model's context window."""

from __future__ import annotations

from collections.abc import Sequence

from domain.attachments import token_estimate
from domain.ports import Turn

DEFAULT_CONTEXT_TOKENS = 8_192
REPLY_RESERVE_FRACTION = 0.25
PER_TURN_OVERHEAD = 4

# Known windows by model-name prefix, longest prefix first wins. Local servers are set per provider.
KNOWN_CONTEXT_WINDOWS: dict[str, int] = {
    "gpt-3.5": 16_385,
    "gpt-4": 8_192,
    "gpt-4-turbo": 128_000,
    "gpt-4o": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-5": 400_000,
    "o1": 200_000,
    "o3": 200_000,
    "o4": 200_000,
    "gemini-1.5": 1_048_576,
    "gemini-2": 1_048_576,
    "gemini-3": 1_048_576,
}


def context_window_for(model: str, override: int | None = None) -> int:
    if override:
        return override
    matches = [p for p in KNOWN_CONTEXT_WINDOWS if model.startswith(p)]
    if not matches:
        return DEFAULT_CONTEXT_TOKENS
    return KNOWN_CONTEXT_WINDOWS[max(matches, key=len)]


def estimate_tokens(text: str) -> int:
    """About four characters a token for English; no tokenizer download needed offline."""
    return len(text) // 4 + 1


def history_budget(context_tokens: int, system_prompt: str) -> int:
    """Tokens left for the conversation once the reply and the system prompt have room."""
    return int(context_tokens * (1 - REPLY_RESERVE_FRACTION)) - estimate_tokens(system_prompt)


def turn_cost(turn: Turn) -> int:
    files = sum(token_estimate(f.attachment, f.sending) for f in turn.files)
    return estimate_tokens(turn.content) + PER_TURN_OVERHEAD + files


def trim_history(turns: Sequence[Turn], system_prompt: str, context_tokens: int) -> list[Turn]:
    """Keep the newest turns that fit, leaving room for the reply.

    The latest turn is always kept, even alone over budget: the provider then says so itself.
    """
    budget = history_budget(context_tokens, system_prompt)
    kept: list[Turn] = []
    for turn in reversed(turns):
        cost = turn_cost(turn)
        if kept and cost > budget:
            break
        kept.append(turn)
        budget -= cost
    kept.reverse()
    return kept
