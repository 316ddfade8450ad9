"""The community an operation names in its path: the one way an endpoint reaches it."""

from __future__ import annotations

from sunlit.core import tenancy
from sunlit.core.models import Community


def community_for(request, community_id: int, action: str) -> Community:
    """The community in the path: 404 if the caller has no role there, 403 if not ``action``
    (``core.tenancy.community_for``, the rule pages share)."""
    return tenancy.community_for(request.auth, community_id, action)
