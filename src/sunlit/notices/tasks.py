"""Background delivery of notifications over e-mail, SMS and WeChat (run by ``sunlit worker``)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from sunlit.notices import services


class DeliveryFailed(RuntimeError):
    """Some deliveries failed; Huey runs the task again later (sent ones are not resent)."""


@db_task(retries=4, retry_delay=60, retry_backoff=2)
def deliver_notifications(notification_ids: list[int], channels: list[str] | None = None,
                          mandatory: bool = False) -> int:
    """Delivers the given notifications; retried 4 times (1, 2, 4, 8 minutes) while any fail.
    ``channels`` (names) limits the channels tried; None: every active channel. ``mandatory``
    ignores the recipients' channel preferences (security notices)."""
    in_use = None
    if channels is not None:
        from sunlit.notices.channels import active_channels

        in_use = [c for c in active_channels() if c.name in set(channels)]
    failed = services.deliver(notification_ids, channels=in_use, mandatory=mandatory)
    if failed:
        raise DeliveryFailed(f"{failed} notification deliveries failed; retrying later")
    return 0
