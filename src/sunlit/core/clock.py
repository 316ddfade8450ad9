"""Time as services take it: an aware ``now`` (the caller's, for tests and back-dated demo data,
or the clock's) and a moment as people read it in a message (Asia/Shanghai, to the minute)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now_or(now: dt.datetime | None) -> dt.datetime:
    """``now`` if given (it must be aware), else the current time."""
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("naive datetime")
    return now


def minute(value: dt.datetime) -> str:
    """``2026-12-07 20:30``: local time, to the minute, as messages and notices print it."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
