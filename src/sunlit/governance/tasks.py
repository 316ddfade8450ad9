"""Periodic work of the governance app (run by `sunlit worker`). The tasks stay in this module,
which calls the packages: huey names a task by its module, and a queued task keeps its name."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sunlit.governance.votes import services


@db_periodic_task(crontab(minute="*"))
def open_and_close_votes() -> tuple[int, int]:
    """Opens announced votes whose start has come and closes open votes whose end has passed
    (a vote with entered ballots still waiting for review stays open until they are reviewed).
    Returns (opened, closed)."""
    opened = services.open_due_votes()
    closed = services.close_due_votes()
    return len(opened), len(closed)


# --- proposals (金点子) and vote reminders: see proposals/services.py, proposals/notices.py ---

@db_periodic_task(crontab(minute="*/10"))
def proposals_and_reminders() -> tuple[int, int]:
    """Marks proposals whose answer became overdue (and tells the committee, once each) and
    reminds the owners who have not voted two days before a vote closes (once per vote).
    Returns (overdue marked, votes reminded)."""
    from sunlit.governance.proposals import notices as proposal_notices
    from sunlit.governance.proposals import services as proposals

    overdue = proposals.mark_overdue()
    reminded = proposal_notices.remind_due_votes()
    return len(overdue), len(reminded)
