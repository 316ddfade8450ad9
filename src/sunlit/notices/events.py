"""The notices' event types on the log.

Registered from ``NoticesConfig.ready``; the machinery is ``sunlit.transparency.events``."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from sunlit.transparency.events import register_event

# Announcements to the whole community.
register_event(
    "notices.announcement.published", label=gettext_noop("发布公告"), subject="notices.announcement",
    public={"title": "masked_text", "kind": "enum", "body_sha256": "hash", "corrects": "id?"},
)
