"""Background work of the finance app: billing runs started from the web."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def execute_billing_run(run_id: int) -> None:
    """Runs a queued billing run (``services.start_billing_run``); its page follows the status."""
    from sunlit.finance import services

    services.execute_billing_run(run_id)


# --- online payments (finance.online) ---------------------------------------------------------------


@db_periodic_task(crontab(minute="*/10"))
def close_expired_payment_orders() -> int:
    """支付订单超时关闭: orders past their deadline and never paid are closed (every 10 minutes;
    the order page also closes its own order when it is looked at)."""
    from sunlit.finance import online

    return online.close_expired_orders()
