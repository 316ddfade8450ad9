"""The tickets schedule (run by `sunlit worker`, and beside `sunlit demo`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sunlit.tickets import services


@db_periodic_task(crontab(minute="*"))
def escalate_late_tickets() -> int:
    """Every minute: warnings at 80 % of a promised time, escalations at breach and at 2×."""
    return len(services.run_escalations())
