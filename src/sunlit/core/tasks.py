"""Periodic work of the core app (run by `sunlit worker`, and beside `sunlit demo`)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sunlit.core.idempotency import purge_expired_keys
from sunlit.core.models import ActivationCode, WorkerHeartbeat


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """Lets the staff console show that schedules are firing."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(name="worker").update(beat_at=now, runs=F("runs") + 1)
    if not updated:
        WorkerHeartbeat.objects.get_or_create(name="worker", defaults={"beat_at": now, "runs": 1})


@db_periodic_task(crontab(hour="3", minute="17"))
def purge_stale_activation_codes() -> int:
    """Deletes activation codes that expired or were revoked more than 90 days ago."""
    cutoff = timezone.now() - timedelta(days=90)
    stale = ActivationCode.objects.filter(used_at__isnull=True, expires_at__lt=cutoff)
    deleted, _ = stale.delete()
    return deleted


@db_periodic_task(crontab(minute="43"))
def purge_idempotency_keys() -> int:
    """Deletes idempotency keys older than 24 hours (their answers are no longer promised)."""
    return purge_expired_keys()
