"""The usage ledger in SQLite: a row a request, and sums by day kept by a trigger
(migrations_sqlite/0015_usage.sql), so that totals by day, model or provider read the
sums, and totals by chat read the chat's own rows through their index."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from domain.backup_usage import USAGE_COLUMNS
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
_DAY_SUMS = (
    "sum(requests), sum(input_tokens), sum(output_tokens), sum(reasoning_tokens),"
    " sum(cached_tokens), CASE WHEN sum(priced) > 0 THEN sum(cost) END, sum(estimated) > 0"
)


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
        if by == "chat":
            where = " AND date(created_at, 'localtime') >= ?" if since else ""
            rows = self._db.execute(
                f"SELECT chat_id, {_SUMS} FROM usage WHERE chat_id IS NOT NULL{where}"
                " GROUP BY chat_id ORDER BY sum(cost) DESC NULLS LAST, count(*) DESC",
                (since,) if since else (),
            ).fetchall()
        else:
            order = "day DESC" if by == "day" else "7 DESC NULLS LAST, 2 DESC"
            rows = self._db.execute(
                f"SELECT {by}, {_DAY_SUMS} FROM usage_days WHERE day >= ?"
                f" GROUP BY {by} ORDER BY {order}",
                (since or "",),
            ).fetchall()
        return [_totals(row[0], row[1:]) for row in rows]

    def of_chat(self, chat_id: str) -> UsageTotals | None:
        row = self._db.execute(
            f"SELECT {_SUMS} FROM usage WHERE chat_id = ?", (chat_id,)
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
