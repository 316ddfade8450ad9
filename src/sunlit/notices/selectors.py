"""Read queries of the notices app: the inbox and the unread count."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from sunlit.core.permissions import role_map
from sunlit.notices.models import Notification


def inbox(user, *, unread_only: bool = False, community=None) -> QuerySet[Notification]:
    """The user's notifications, unread first, newest first within each."""
    rows = Notification.objects.inbox_of(user).select_related("community")
    if community is not None:
        rows = rows.in_community(community)
    if unread_only:
        rows = rows.unread()
    return rows.annotate(
        unread_first=Case(When(read_at__isnull=True, then=Value(0)), default=Value(1),
                          output_field=IntegerField()),
    ).order_by("unread_first", "-created_at", "-id")


def unread_count(user) -> int:
    """How many unread notifications the user has, in all his communities: one query."""
    communities = list(role_map(user))
    if not communities:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True,
                                       community_id__in=communities).count()
