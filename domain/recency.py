"""How long ago, in words a chat list uses: the group a chat falls in (Today, Yesterday,
Previous 7 days, …) and a short relative time (5 min, 3 h, Mon, 12 Oct). Local time: a
day is the user's day, not UTC's."""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta

from domain.clock import local_midnight

PINNED = "Pinned"


class DateGroups:
    """The headings as seen at `now`: each begins at a local midnight, so a chat's is found
    by comparing its time with a dozen or so moments (a list of 10,000 chats asks for every
    row's when it is laid out)."""

    def __init__(self, now: datetime) -> None:
        today = now.astimezone().date()
        starts = [
            (local_midnight(today), "Today"),
            (local_midnight(today - timedelta(days=1)), "Yesterday"),
            (local_midnight(today - timedelta(days=7)), "Previous 7 days"),
            (local_midnight(today - timedelta(days=30)), "Previous 30 days"),
        ]
        month = today.replace(day=1)
        while month.month > 1:  # this year's months before the last 30 days, by name
            month = month.replace(month=month.month - 1)
            if local_midnight(month) < starts[-1][0]:
                starts.append((local_midnight(month), f"{month:%B}"))
        self._older = today.year
        starts.sort()
        self._times = [start.timestamp() for start, _ in starts]
        self._names = [name for _, name in starts]
        self._first = starts[0][0].timestamp()

    def of(self, when: datetime) -> str:
        """The heading a chat last active `when` (aware) goes under."""
        moment = when.timestamp()
        if moment < self._first:  # before this year's first heading: its year
            year = when.astimezone().year
            return str(year) if year < self._older else self._names[0]
        return self._names[bisect.bisect_right(self._times, moment) - 1]


def date_group(when: datetime, now: datetime) -> str:
    """The heading a chat last active `when` goes under, seen at `now` (both aware)."""
    return DateGroups(now).of(when)


def relative_time(when: datetime, now: datetime) -> str:
    """A short 'how long ago': now, 5 min, 3 h (today), Yesterday, Mon (this week),
    12 Oct (this year), 12 Oct 2024."""
    local, today = when.astimezone(), now.astimezone()
    ago = today - local
    days = (today.date() - local.date()).days
    if ago < timedelta(minutes=1):
        return "now"
    if days <= 0 and ago < timedelta(hours=1):
        return f"{int(ago.total_seconds() // 60)} min"
    if days <= 0:
        return f"{int(ago.total_seconds() // 3600)} h"
    if days == 1:
        return "Yesterday"
    if days < 7:
        return f"{local:%a}"
    if local.year == today.year:
        return f"{local.day} {local:%b}"
    return f"{local.day} {local:%b} {local.year}"
