"""Writing the audit trail. Services call ``audit.record`` inside their transaction."""

from __future__ import annotations

from typing import Any

from sunlit.core.context import current
from sunlit.core.models import AuditEvent


def record(
    action: str,
    obj: Any = None,
    *,
    actor=None,
    community=None,
    summary: str = "",
    changes: dict | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
) -> AuditEvent:
    ctx = current.get()
    if community is None and obj is not None:
        community = getattr(obj, "community_id", None)
    return AuditEvent.objects.create(
        community_id=getattr(community, "pk", community),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        summary=summary[:300],
        changes=changes or {},
        ip_address=ctx.ip_address,
        user_agent=ctx.user_agent,
    )


def diff(instance, data: dict[str, Any]) -> dict[str, list]:
    """{field: [old, new]} for the fields in ``data`` whose value changes (as strings)."""
    changes = {}
    for field, new in data.items():
        old = getattr(instance, field)
        if old != new:
            changes[field] = [None if old is None else str(old), None if new is None else str(new)]
    return changes
