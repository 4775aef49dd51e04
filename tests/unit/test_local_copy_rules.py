"""Which local copies are made and kept, on a clock the test moves: a year of a person who
uses Primer a few hours a day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from domain.local_copies import (
    AUTOMATIC,
    BEFORE_UPGRADE,
    BY_HAND,
    KEEP_DAILY,
    KEEP_HOURLY,
    KEEP_MONTHLY,
    KEEP_WEEKLY,
    KeepLocalCopies,
    LocalCopy,
    to_keep,
)

START = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
MB = 1024**2


class FakeCopies:
    def __init__(self) -> None:
        self.kept: list[LocalCopy] = []
        self.mark = 0
        self.size = 10 * MB

    def copies(self) -> list[LocalCopy]:
        return sorted(self.kept, key=lambda c: c.saved_at, reverse=True)

    def change_mark(self) -> int:
        return self.mark

    def write(self, now: datetime, kind: str) -> LocalCopy:
        made = LocalCopy(f"{kind}-{now:%Y%m%dT%H%M%S}", now, self.size, kind, self.mark)
        self.kept.append(made)
        return made

    def remove(self, names: Sequence[str]) -> None:
        self.kept = [c for c in self.kept if c.name not in names]


def test_a_copy_is_made_at_most_hourly_and_only_when_something_changed() -> None:
    copies, now = FakeCopies(), [START]
    keep = KeepLocalCopies(copies, lambda: now[0])
    assert not keep.due()  # nothing ever written: nothing to copy
    copies.mark = 5
    assert keep().made is not None
    now[0] += timedelta(minutes=59)
    copies.mark = 9
    assert not keep.due() and keep().made is None  # within the hour
    assert keep.due(at_quit=True)  # but quitting copies what changed
    now[0] += timedelta(minutes=1)
    assert keep().made is not None
    now[0] += timedelta(hours=5)
    assert not keep.due() and not keep.due(at_quit=True)  # nothing changed since
    by_hand = keep(by_hand=True).made  # asked for: made anyway, and never let go by the rule
    assert by_hand is not None and by_hand.kind == BY_HAND
    assert not keep.due(at_quit=True)


def test_a_year_of_copies_keeps_24_hourly_14_daily_8_weekly_12_monthly() -> None:
    copies, now = FakeCopies(), [START]
    keep = KeepLocalCopies(copies, lambda: now[0], cap_bytes=10**15)
    for day in range(400):
        for hour in range(6):  # six hours of use a day, a change every hour
            now[0] = START + timedelta(days=day, hours=hour)
            copies.mark += 1
            keep()
    kept = copies.copies()
    times = [c.saved_at for c in kept]
    newest = times[0]
    assert newest == START + timedelta(days=399, hours=5)
    # The last 24 hours with a copy: the last four days' six copies each.
    hourly = [t for t in times if newest - t < timedelta(days=4)]
    assert len(hourly) == KEEP_HOURLY
    days = {t.date() for t in times}
    weeks = {t.isocalendar()[:2] for t in times}
    months = {(t.year, t.month) for t in times}
    assert len(days) >= KEEP_DAILY and len(weeks) >= KEEP_WEEKLY
    assert len(months) == KEEP_MONTHLY  # this month counts as one of the twelve
    assert len(kept) <= KEEP_HOURLY + KEEP_DAILY + KEEP_WEEKLY + KEEP_MONTHLY
    assert min(times) < newest - timedelta(days=300)  # a copy from most of a year ago


def test_the_size_cap_lets_the_oldest_go_and_keeps_the_newest_and_the_upgrade_copies() -> None:
    now = START
    copies = [LocalCopy(f"c{n}", now - timedelta(hours=n * 2), 40 * MB, AUTOMATIC, 100 - n)
              for n in range(10)]  # fmt: skip
    upgrade = LocalCopy("schema", now - timedelta(days=90), 500 * MB, BEFORE_UPGRADE)
    kept = to_keep([*copies, upgrade], cap_bytes=100 * MB)
    assert kept == {"c0", "c1", "schema"}  # 80 MB of automatic copies fit, 120 would not
    assert to_keep(copies, cap_bytes=1 * MB) == {"c0"}  # the newest stays whatever its size
