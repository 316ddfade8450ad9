"""Periodic work of the governance app (run by `sunlit worker`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sunlit.governance import services


@db_periodic_task(crontab(minute="*"))
def open_and_close_votes() -> tuple[int, int]:
    """Opens announced votes whose start has come and closes open votes whose end has passed
    (a vote with entered ballots still waiting for review stays open until they are reviewed).
    Returns (opened, closed)."""
    opened = services.open_due_votes()
    closed = services.close_due_votes()
    return len(opened), len(closed)
