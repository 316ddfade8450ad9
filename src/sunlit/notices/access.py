"""Reaching one notification (STYLE.md rule 5): only its recipient, only while he is a member."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from sunlit.core.permissions import can
from sunlit.notices.models import Announcement, Notification


def get_notification_for(user, notification_id: int) -> Notification:
    """The user's own notification, or 404 (someone else's looks exactly like a missing one)."""
    return get_object_or_404(Notification.objects.inbox_of(user).select_related("community"),
                             pk=notification_id)


def get_announcement_for(user, announcement_id: int) -> Announcement:
    """A published announcement of one of the user's communities, or 404."""
    announcement = get_object_or_404(
        Announcement.objects.published().select_related("community", "published_by"),
        pk=announcement_id)
    if not can(user, "community.view", announcement):
        raise Http404
    return announcement
