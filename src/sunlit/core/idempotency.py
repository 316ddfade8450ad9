"""Idempotency keys that live with the data: the API's request keys expire (``KEY_TTL``,
purged by ``purge_expired_keys``; the HTTP side is ``sunlit.api.idempotency``), and a service
that may be called twice for one intent stores the caller's key on the object it creates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from sunlit.core.models import IdempotencyKey

KEY_TTL = timedelta(hours=24)


def purge_expired_keys(now=None) -> int:
    """Deletes keys older than ``KEY_TTL``; returns how many."""
    cutoff = (now or timezone.now()) - KEY_TTL
    deleted, _ = IdempotencyKey.objects.filter(created_at__lte=cutoff).delete()
    return deleted


# A form or a client may send a key with a create (a payment at the counter, a waiver request,
# an expense): the service stores it on the object (unique per community) and a second call with
# the same key returns that object instead of creating another.

SERVICE_KEY_MAX = 64


def clean_service_key(key, errors: dict) -> str:
    """The key as stored (stripped); too long is an error on ``idempotency_key``."""
    from django.utils.translation import gettext as _

    key = (key or "").strip() if isinstance(key, str) else ""
    if len(key) > SERVICE_KEY_MAX:
        errors["idempotency_key"] = [_("幂等键最长 %(n)d 个字符") % {"n": SERVICE_KEY_MAX}]
    return key


def replayed(query, key: str, *, same: Callable[[Any], bool] | None = None,
             conflict: str = ""):
    """The object an earlier call with ``key`` created (in ``query``, the community's rows), or
    ``None`` when the key is empty or new. With ``same``, an object that does not match this
    call (the key reused for something else) is refused on ``idempotency_key`` with
    ``conflict``."""
    from django.core.exceptions import ValidationError

    if not key:
        return None
    existing = query.filter(idempotency_key=key).first()
    if existing is not None and same is not None and not same(existing):
        raise ValidationError({"idempotency_key": [conflict]})
    return existing
