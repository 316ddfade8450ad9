"""Periodic work of the transparency app (run by `sunlit worker`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sunlit.transparency import services


@db_periodic_task(crontab(minute="*"))
def sign_checkpoints() -> int:
    """Signs a checkpoint for every log that grew since its last one; returns how many.

    Then asks the witnesses that serve ``add-checkpoint`` (registered with a URL) to cosign
    each new checkpoint; witnesses without a URL poll the log themselves.
    """
    signed = services.sign_due_checkpoints()
    for checkpoint in signed:
        services.request_cosignatures(checkpoint)
    return len(signed)
