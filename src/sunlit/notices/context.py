"""Template context: the unread count for the bell in the top bar (computed only if shown)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from sunlit.notices.selectors import unread_count


def unread_notices(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notices": SimpleLazyObject(lambda: unread_count(user))}
