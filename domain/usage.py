"""The usage ledger: one entry a request sent to a model (a reply, a title), with its
tokens, its timing and what it cost, so a person sees what they spend and where.

The tokens are the provider's own figures. A server that reports none (many local ones)
gets an offline estimate, marked as such, never a silent gap. The cost is worked out when
the request ends, and the rates it used are kept beside it: a later change of prices does
not rewrite history.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, Protocol

from domain.entities import Usage
from domain.ids import new_id

Purpose = Literal["reply", "title"]
GROUPINGS = ("day", "model", "provider", "chat")
Grouping = Literal["day", "model", "provider", "chat"]


@dataclass(frozen=True, slots=True)
class Timing:
    first_token_seconds: float | None = None
    """From sending to the first words: None when none came."""
    seconds: float | None = None

    def tokens_per_second(self, output_tokens: int | None) -> float | None:
        """Output speed once the first words came (the wait before them is not speed)."""
        if output_tokens is None or self.seconds is None or self.first_token_seconds is None:
            return None
        streaming = self.seconds - self.first_token_seconds
        return output_tokens / streaming if streaming > 0 else None


@dataclass(frozen=True, slots=True)
class Price:
    cost: float
    """In US dollars."""
    rates: str
    """The rates it was worked out with, as their source says them (kept with the cost)."""


class PriceBook(Protocol):
    def price(self, provider: str, model: str, usage: Usage) -> Price | None:
        """None when no price is known for the model."""
        ...


@dataclass(frozen=True, slots=True)
class UsageEntry:
    id: str
    created_at: datetime
    purpose: Purpose
    provider: str
    model: str
    chat_id: str | None
    message_id: str | None
    usage: Usage
    timing: Timing
    cost: float | None
    rates: str | None


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """The requests of one day, model, provider or chat, summed."""

    key: str
    requests: int
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cached_tokens: int
    cost: float | None
    """None when no request of them had a known price."""
    estimated: bool
    """Whether any figure in them is an estimate."""


class UsageLedger(Protocol):
    def add(self, entry: UsageEntry) -> None: ...
    def totals(self, by: Grouping, since: str | None = None) -> list[UsageTotals]:
        """Newest day first for "day"; the costliest (then the busiest) first otherwise.
        `since`: an ISO date, the first day counted (the local day)."""
        ...

    def of_chat(self, chat_id: str) -> UsageTotals | None: ...
    def of_messages(self, message_ids: Iterable[str]) -> dict[str, UsageEntry]: ...


def dollars(cost: float | None) -> str:
    """A cost as people read it: cents, or four places below a cent; "-" when unknown."""
    if cost is None:
        return "-"
    return f"${cost:,.2f}" if cost >= 0.01 or cost == 0 else f"${cost:.4f}"


def figures(row: UsageTotals, name: str) -> list[str]:
    """A row of totals as a table shows it: name, requests, input, output, reasoning and
    cached tokens, cost ('~' marks estimated tokens)."""
    mark = "~" if row.estimated else ""
    return [name, f"{row.requests:,}", f"{mark}{row.input_tokens:,}",
            f"{mark}{row.output_tokens:,}", f"{row.reasoning_tokens:,}",
            f"{row.cached_tokens:,}", dollars(row.cost)]  # fmt: skip


_WIDE = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3040-\u30ff]")


def estimate_tokens(text: str) -> int:
    """A tokenizer's count, roughly, without one: about four characters a token, and a
    token a character for Chinese, Japanese and Korean (a tokenizer's vocabulary would have
    to be downloaded, and the local model's own is not known)."""
    if not text:
        return 0
    wide = len(_WIDE.findall(text))
    return wide + math.ceil((len(text) - wide) / 4)


def completed(usage: Usage, sent: Iterable[str], received: str) -> Usage:
    """The provider's figures, with an estimate where it gave none (then marked)."""
    if usage.input_tokens is not None and usage.output_tokens is not None:
        return usage
    return replace(
        usage,
        input_tokens=usage.input_tokens
        if usage.input_tokens is not None
        else sum(estimate_tokens(text) for text in sent),
        output_tokens=usage.output_tokens
        if usage.output_tokens is not None
        else estimate_tokens(received),
        estimated=True,
    )


def new_entry(
    prices: PriceBook,
    *,
    at: datetime,
    purpose: Purpose,
    provider: str,
    model: str,
    usage: Usage,
    timing: Timing,
    chat_id: str | None = None,
    message_id: str | None = None,
) -> UsageEntry:
    price = prices.price(provider, model, usage)
    return UsageEntry(
        new_id(), at, purpose, provider, model, chat_id, message_id, usage, timing,
        price.cost if price else None, price.rates if price else None,
    )  # fmt: skip
