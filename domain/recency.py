"""How long ago, in words a chat list uses: the group a chat falls in (Today, Yesterday,
Previous 7 days, …) and a short relative time (5 min, 3 h, Mon, 12 Oct). Local time: a
day is the user's day, not UTC's."""

from __future__ import annotations

from datetime import datetime, timedelta

PINNED = "Pinned"


def date_group(when: datetime, now: datetime) -> str:
    """The heading a chat last active `when` goes under, seen at `now` (both aware)."""
    day, today = when.astimezone().date(), now.astimezone().date()
    days = (today - day).days
    if days <= 0:
        return "Today"
    if days == 1:
        return "Yesterday"
    if days <= 7:
        return "Previous 7 days"
    if days <= 30:
        return "Previous 30 days"
    if day.year == today.year:
        return f"{day:%B}"
    return str(day.year)


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
