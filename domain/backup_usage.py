"""The usage ledger in the backup. Its rows never change, so each is sent once, after the
chats (the device remembers the last row it sent), and restore brings in the rows it lacks,
by id: two machines' ledgers end up the same, each request counted once.

A row holds no content: provider, model, purpose, token counts, timings, cost and the rates
used, which sealing's rules leave readable (counts, sizes, times and model names), so they
go as they are (domain/sealing.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, Protocol, runtime_checkable

from domain.backup import Retry, StoreThread, send_in_pages
from domain.ports import CancelToken

USAGE_COLUMNS = (
    "id", "created_at", "purpose", "provider", "model", "chat_id", "message_id",
    "input_tokens", "output_tokens", "reasoning_tokens", "cached_tokens", "first_token_ms",
    "duration_ms", "cost", "rates", "estimated",
)  # fmt: skip
UsageRecord = tuple[Any, ...]
"""A ledger row, its values in USAGE_COLUMNS' order (times as text, like the messages')."""
PAGE = 5000


class UsageBackupSource(Protocol):
    """The device's ledger (on the store's thread)."""

    def unsent_usage(self, account_id: str, limit: int) -> tuple[list[UsageRecord], int]:
        """Rows after the last one sent, and where they end (to mark them sent)."""
        ...

    def usage_sent(self, account_id: str, upto: int) -> None: ...
    def merge_usage(self, rows: Sequence[UsageRecord]) -> int:
        """Add the rows this device lacks; how many were new."""
        ...


@runtime_checkable
class UsageBackupTarget(Protocol):
    def push_usage(self, account_id: str, rows: Sequence[UsageRecord]) -> None:
        """Rows the backup has already (by id) are left as they are."""
        ...

    def usage_after(self, account_id: str, after_id: str | None, limit: int) -> list[UsageRecord]:
        """In id order."""
        ...


def send_usage(
    source: UsageBackupSource,
    target: UsageBackupTarget,
    account_id: str,
    *,
    on_store: Callable[..., Any],
    retry: Retry,
    cancel: CancelToken | None,
    page: int = PAGE,
) -> int | None:
    """How many rows were sent; None if cancelled (what was sent stays marked sent)."""
    return send_in_pages(
        partial(source.unsent_usage, account_id, page),
        partial(target.push_usage, account_id),
        partial(source.usage_sent, account_id),
        on_store=on_store, retry=retry, cancel=cancel,
    )  # fmt: skip


def fetch_usage(
    source: UsageBackupSource,
    target: UsageBackupTarget,
    account_id: str,
    *,
    store: StoreThread,
    retry: Retry,
    cancel: CancelToken | None,
    page: int = PAGE,
) -> int | None:
    """How many rows were new here; None if cancelled."""
    added, after = 0, None
    while rows := retry(lambda after=after: target.usage_after(account_id, after, page)):
        if cancel is not None and cancel.cancelled:
            return None
        added += store.submit(source.merge_usage, rows).result()
        after = rows[-1][0]
    return added
