"""Background work of the finance app: billing runs started from the web; the reminder schedule."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def execute_billing_run(run_id: int) -> None:
    """Runs a queued billing run (``services.start_billing_run``); its page follows the status."""
    from sunlit.finance.billing import services

    services.execute_billing_run(run_id)


# --- online payments (finance.online) ---------------------------------------------------------------


@db_periodic_task(crontab(minute="*/10"))
def close_expired_payment_orders() -> int:
    """支付订单超时关闭: orders past their deadline and never paid are closed (every 10 minutes;
    the order page also closes its own order when it is looked at)."""
    from sunlit.finance.online import services as online

    return online.close_expired_orders()
# --- arrears: reminders (催缴) ---------------------------------------------------------------------


@db_periodic_task(crontab(minute="*/15"))
def send_due_reminders() -> int:
    """Every 15 minutes: the reminder rules of every community (quiet hours respected; each
    reminder at most once per unit, rule and period — reruns send nothing twice)."""
    from sunlit.finance.arrears import services as reminders

    return reminders.send_due_reminders()
