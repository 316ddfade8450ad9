"""Numbers people read — 编号: ``GS-202603-000001``, ``BX-20260311-0001``.

A number comes from a per-community counter row incremented in the database (``F() + n``), so
two requests at the same moment never get the same number; the row is created on first use.
The counters live in the app that numbers (``finance.NumberSequence``, ``tickets.TicketSequence``:
separate tables, one mechanism).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F


def reserve(model, community, key: str, count: int = 1, *, field: str = "last") -> range:
    """``count`` consecutive values of the counter ``key`` of ``community`` (a range of ints).
    ``model`` has ``community``, a ``key`` and an integer ``field``."""
    lookup = {"community_id": getattr(community, "pk", community), "key": key}
    row = model.objects.filter(**lookup).first()
    if row is None:
        try:
            with transaction.atomic():
                row = model.objects.create(**lookup)
        except IntegrityError:  # created at the same moment by another request
            row = model.objects.get(**lookup)
    model.objects.filter(pk=row.pk).update(**{field: F(field) + count})
    last = model.objects.filter(pk=row.pk).values_list(field, flat=True).get()
    return range(last - count + 1, last + 1)
