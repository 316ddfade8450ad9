"""Background delivery of notifications over e-mail, SMS and WeChat (run by ``sunlit worker``)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from sunlit.notices import services


class DeliveryFailed(RuntimeError):
    """Some deliveries failed; Huey runs the task again later (sent ones are not resent)."""


@db_task(retries=4, retry_delay=60, retry_backoff=2)
def deliver_notifications(notification_ids: list[int]) -> int:
    """Delivers the given notifications; retried 4 times (1, 2, 4, 8 minutes) while any fail."""
    failed = services.deliver(notification_ids)
    if failed:
        raise DeliveryFailed(f"{failed} notification deliveries failed; retrying later")
    return 0
