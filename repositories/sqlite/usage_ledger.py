"""The usage ledger in SQLite: a row a request, and sums by day (and provider and model)
and by chat kept by triggers (migrations_sqlite/0015_usage.sql), so the Usage view reads a
few hundred rows, not a million; a period's totals by chat read its rows by time."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date

from domain.backup_usage import USAGE_COLUMNS
from domain.clock import local_midnight
from domain.entities import Usage
from domain.usage import Grouping, Timing, UsageEntry, UsageTotals
from repositories.sqlite.store import parse_time, time_text

_IN_CHUNK = 500
_COLUMNS = ", ".join(USAGE_COLUMNS)
_MARKS = ", ".join("?" * len(USAGE_COLUMNS))
_SUMS = (
    "count(*), total(input_tokens), total(output_tokens), total(reasoning_tokens),"
    " total(cached_tokens), sum(cost), max(estimated)"
)
_KEPT_SUMS = (
    "sum(requests), sum(input_tokens), sum(output_tokens), sum(reasoning_tokens),"
    " sum(cached_tokens), CASE WHEN sum(priced) > 0 THEN sum(cost) END, sum(estimated) > 0"
)
"""The same, from the sums the triggers keep (usage_days, usage_chats)."""


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def _seconds(ms: int | None) -> float | None:
    return None if ms is None else ms / 1000


def entry_values(entry: UsageEntry) -> tuple[object, ...]:
    usage, timing = entry.usage, entry.timing
    return (
        entry.id, time_text(entry.created_at), entry.purpose, entry.provider, entry.model,
        entry.chat_id, entry.message_id, usage.input_tokens, usage.output_tokens,
        usage.reasoning_tokens, usage.cached_tokens, _ms(timing.first_token_seconds),
        _ms(timing.seconds), entry.cost, entry.rates, int(usage.estimated),
    )  # fmt: skip


def to_entry(row: Sequence) -> UsageEntry:
    usage = Usage(row[7], row[8], row[9], row[10], bool(row[15]))
    return UsageEntry(
        row[0], parse_time(row[1]), row[2], row[3], row[4], row[5], row[6], usage,  # type: ignore[arg-type]
        Timing(_seconds(row[11]), _seconds(row[12])), row[13], row[14],
    )  # fmt: skip


def _totals(key: str, row: Sequence) -> UsageTotals:
    requests, tokens_in, tokens_out, reasoning, cached, cost, estimated = row
    return UsageTotals(
        key, int(requests), int(tokens_in), int(tokens_out), int(reasoning), int(cached),
        None if cost is None else float(cost), bool(estimated),
    )  # fmt: skip


class SqliteUsageLedger:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def add(self, entry: UsageEntry) -> None:
        self.add_many([entry_values(entry)])

    def add_many(self, rows: Iterable[Sequence[object]]) -> int:
        """Rows in `USAGE_COLUMNS` order; one already here (by id) is left as it is. How many
        were new."""
        return self._db.executemany(
            f"INSERT INTO usage ({_COLUMNS}) VALUES ({_MARKS}) ON CONFLICT (id) DO NOTHING",
            rows,
        ).rowcount

    def totals(self, by: Grouping, since: str | None = None) -> list[UsageTotals]:
        if by == "chat" and since is None:
            rows = self._db.execute(
                f"SELECT chat_id, {_KEPT_SUMS} FROM usage_chats GROUP BY chat_id"
                " ORDER BY 7 DESC NULLS LAST, 2 DESC"
            ).fetchall()
        elif by == "chat":  # the period's rows, through their time's index
            rows = self._db.execute(
                f"SELECT chat_id, {_SUMS} FROM usage WHERE created_at >= ?"
                " AND chat_id IS NOT NULL GROUP BY chat_id ORDER BY 7 DESC NULLS LAST, 2 DESC",
                (time_text(local_midnight(date.fromisoformat(since))),),
            ).fetchall()
        else:
            order = "day DESC" if by == "day" else "7 DESC NULLS LAST, 2 DESC"
            rows = self._db.execute(
                f"SELECT {by}, {_KEPT_SUMS} FROM usage_days WHERE day >= ?"
                f" GROUP BY {by} ORDER BY {order}",
                (since or "",),
            ).fetchall()
        return [_totals(row[0], row[1:]) for row in rows]

    def of_chat(self, chat_id: str) -> UsageTotals | None:
        row = self._db.execute(
            f"SELECT {_KEPT_SUMS} FROM usage_chats WHERE chat_id = ?", (chat_id,)
        ).fetchone()
        return _totals(chat_id, row) if row[0] else None

    def of_messages(self, message_ids: Iterable[str]) -> dict[str, UsageEntry]:
        ids = list(message_ids)
        found: dict[str, UsageEntry] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            for row in self._db.execute(
                f"SELECT {_COLUMNS} FROM usage WHERE message_id IN"
                f" ({', '.join('?' * len(chunk))}) ORDER BY created_at",
                chunk,
            ):
                found[row[6]] = to_entry(row)
        return found
