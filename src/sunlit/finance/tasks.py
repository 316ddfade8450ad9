"""Background work of the finance app: billing runs started from the web."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def execute_billing_run(run_id: int) -> None:
    """Runs a queued billing run (``services.start_billing_run``); its page follows the status."""
    from sunlit.finance import services

    services.execute_billing_run(run_id)
