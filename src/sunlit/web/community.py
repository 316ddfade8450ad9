"""The community a page works on: chosen with the switcher, kept in the session."""

from __future__ import annotations

from sunlit.core.models import Community
from sunlit.core.permissions import role_map

SESSION_KEY = "sunlit_community_id"


def current_community(request) -> Community | None:
    if hasattr(request, "_sunlit_community"):
        return request._sunlit_community
    community = None
    roles = role_map(request.user)
    if roles:
        wanted = request.session.get(SESSION_KEY)
        community_id = wanted if wanted in roles else min(roles)
        community = Community.objects.select_related("organization").get(pk=community_id)
    request._sunlit_community = community
    return community


def switch_community(request, community_id: int) -> bool:
    if community_id not in role_map(request.user):
        return False
    request.session[SESSION_KEY] = community_id
    request.__dict__.pop("_sunlit_community", None)
    return True
