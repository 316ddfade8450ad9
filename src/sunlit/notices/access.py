"""Reaching one notification (STYLE.md rule 5): only its recipient, only while he is a member."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from sunlit.notices.models import Notification


def get_notification_for(user, notification_id: int) -> Notification:
    """The user's own notification, or 404 (someone else's looks exactly like a missing one)."""
    return get_object_or_404(Notification.objects.inbox_of(user).select_related("community"),
                             pk=notification_id)
