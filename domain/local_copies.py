"""Copies of the store kept on this computer, made without any server: when one is due and
which are kept (restic's "forget --keep-hourly …" rule: in each of the most recent hours,
days, weeks and months that have a copy, its newest copy stays), under a size cap."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

KEEP_HOURLY, KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = 24, 14, 8, 12
EVERY = timedelta(hours=1)
"""At most one automatic copy an hour (and one at quit), and only when something changed."""
DEFAULT_CAP_BYTES = 5 * 1024**3


AUTOMATIC, BY_HAND, BEFORE_UPGRADE = "automatic", "by hand", "before an upgrade"


@dataclass(frozen=True, slots=True)
class LocalCopy:
    name: str
    saved_at: datetime
    size: int
    kind: str = AUTOMATIC
    """AUTOMATIC copies go by the rule below; those made BY_HAND (and before a restore) or
    BEFORE_UPGRADE stay until the person removes them."""
    change_mark: int = 0
    """How far the store's log of changes had got when the copy was made."""

    @property
    def automatic(self) -> bool:
        return self.kind == AUTOMATIC


class LocalCopyStore(Protocol):
    """The copies in the data folder's backups/ (repositories/sqlite/local_copies.py)."""

    def copies(self) -> list[LocalCopy]:
        """Newest first."""
        ...

    def change_mark(self) -> int:
        """How far the store's log of changes has got now (it only grows)."""
        ...

    def write(self, now: datetime, kind: str) -> LocalCopy:
        """A consistent copy of the store and its attached files, checked whole before it
        takes its name; StoreError (with a sentence) when it cannot be made."""
        ...

    def remove(self, names: Sequence[str]) -> None: ...


def _buckets(moment: datetime) -> dict[str, object]:
    iso = moment.isocalendar()
    return {
        "hourly": (moment.date(), moment.hour),
        "daily": moment.date(),
        "weekly": (iso.year, iso.week),
        "monthly": (moment.year, moment.month),
    }


def to_keep(copies: Sequence[LocalCopy], cap_bytes: int = DEFAULT_CAP_BYTES) -> set[str]:
    """The names that stay. Copies saved before an upgrade always stay; of the automatic
    ones, the newest of each recent hour, day, week and month, then the oldest go until
    they fit under `cap_bytes` (the newest copy always stays)."""
    automatic = sorted((c for c in copies if c.automatic), key=lambda c: c.saved_at, reverse=True)
    kept: set[str] = set()
    for kind, count in (("hourly", KEEP_HOURLY), ("daily", KEEP_DAILY),
                        ("weekly", KEEP_WEEKLY), ("monthly", KEEP_MONTHLY)):  # fmt: skip
        seen: list[object] = []
        for copy in automatic:  # newest first: the first in a bucket is its newest
            bucket = _buckets(copy.saved_at.astimezone())[kind]
            if bucket in seen:
                continue
            if len(seen) == count:
                break
            seen.append(bucket)
            kept.add(copy.name)
    chosen = [c for c in automatic if c.name in kept]
    while len(chosen) > 1 and sum(c.size for c in chosen) > cap_bytes:
        kept.discard(chosen.pop().name)  # the oldest
    return kept | {c.name for c in copies if not c.automatic}


def is_due(copies: Sequence[LocalCopy], change_mark: int, now: datetime, *, at_quit: bool) -> bool:
    """Something changed since the newest automatic copy, and (but at quit) an hour passed."""
    newest = next((c for c in copies if c.automatic), None)
    if newest is None:
        return change_mark > 0
    if change_mark == newest.change_mark:
        return False
    return at_quit or now - newest.saved_at >= EVERY


@dataclass(frozen=True, slots=True)
class CopyReport:
    made: LocalCopy | None
    removed: list[str]


class KeepLocalCopies:
    """Make a copy when one is due (or asked for), then let the old ones go by the rule."""

    def __init__(
        self,
        copies: LocalCopyStore,
        clock: Callable[[], datetime],
        cap_bytes: int = DEFAULT_CAP_BYTES,
    ) -> None:
        self._copies = copies
        self._clock = clock
        self._cap = cap_bytes

    def copies(self) -> list[LocalCopy]:
        return self._copies.copies()

    def newest(self) -> LocalCopy | None:
        return next(iter(self._copies.copies()), None)

    def due(self, *, at_quit: bool = False) -> bool:
        return is_due(self._copies.copies(), self._copies.change_mark(), self._clock(),
                      at_quit=at_quit)  # fmt: skip

    def __call__(self, *, by_hand: bool = False, at_quit: bool = False) -> CopyReport:
        """A copy if one is due, or asked for `by_hand` (one the rule never lets go)."""
        if by_hand:
            return CopyReport(self._copies.write(self._clock(), BY_HAND), [])
        if not self.due(at_quit=at_quit):
            return CopyReport(None, [])
        made = self._copies.write(self._clock(), AUTOMATIC)
        every = self._copies.copies()
        keep = to_keep(every, self._cap)
        gone = [c.name for c in every if c.name not in keep]
        if gone:
            self._copies.remove(gone)
        return CopyReport(made, gone)
