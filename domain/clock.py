"""UTC time, in one place so tests can pin it; and where a local day begins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_midnight(day: date) -> datetime:
    """The moment `day` begins on this computer's clock (filters by day are local days)."""
    return datetime.combine(day, time()).astimezone()
