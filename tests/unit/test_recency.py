"""Date headings and short relative times of the chat list (issue 18), in local time."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.recency import date_group, relative_time

NOW = datetime(2026, 11, 30, 15, 0).astimezone()  # a Monday afternoon, local time


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def test_a_chat_goes_under_the_heading_of_its_local_day() -> None:
    midnight = NOW.replace(hour=0, minute=0)
    assert date_group(midnight, NOW) == "Today"
    assert date_group(midnight - timedelta(seconds=1), NOW) == "Yesterday"
    assert date_group(ago(days=3), NOW) == "Previous 7 days"
    assert date_group(ago(days=7), NOW) == "Previous 7 days"
    assert date_group(ago(days=8), NOW) == "Previous 30 days"
    assert date_group(ago(days=29), NOW) == "Previous 30 days"  # in November, yet recent
    assert date_group(ago(days=30), NOW) == "Previous 30 days"
    assert date_group(ago(days=200), NOW) == "May"
    assert date_group(datetime(2026, 1, 1, 0, 0).astimezone(), NOW) == "January"
    assert date_group(ago(days=31), NOW) == "October"
    assert date_group(datetime(2025, 12, 31, 12).astimezone(), NOW) == "2025"
    assert date_group(ago(minutes=-5), NOW) == "Today"  # a clock a little behind another
    early = datetime(2026, 1, 10, 9).astimezone()  # in January, the last 30 days reach 2025
    assert date_group(datetime(2025, 12, 20, 9).astimezone(), early) == "Previous 30 days"
    assert date_group(datetime(2025, 11, 20, 9).astimezone(), early) == "2025"


def test_relative_times_are_short_and_grow_coarser_with_age() -> None:
    assert relative_time(ago(seconds=20), NOW) == "now"
    assert relative_time(ago(minutes=5), NOW) == "5 min"
    assert relative_time(ago(hours=3, minutes=10), NOW) == "3 h"
    assert relative_time(ago(days=1), NOW) == "Yesterday"
    assert relative_time(ago(days=3), NOW) == "Fri"
    assert relative_time(ago(days=20), NOW) == "10 Nov"
    assert relative_time(datetime(2024, 2, 9, 12).astimezone(), NOW) == "9 Feb 2024"
