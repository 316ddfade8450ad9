"""The one mechanism that scopes queries to the communities a user belongs to (rule 3).

Every community-owned model uses ``CommunityScopedQuerySet``; pages, API and selectors
reach rows through ``.visible_to(user, action)``, which keeps only the communities where
the user holds a role allowed to perform ``action`` (see ``permissions``).
"""

from __future__ import annotations

from django.db import models
from django.http import Http404

SESSION_KEY = "sunlit_community_id"


class CommunityScopedQuerySet(models.QuerySet):
    def _lookup(self) -> str:
        return getattr(self.model, "community_lookup", "community_id")

    def in_community(self, community) -> CommunityScopedQuerySet:
        community_id = getattr(community, "pk", community)
        return self.filter(**{self._lookup(): community_id})

    def visible_to(self, user, action: str = "community.view") -> CommunityScopedQuerySet:
        from sunlit.core.permissions import communities_where

        ids = communities_where(user, action)
        if not ids:
            return self.none()
        return self.filter(**{f"{self._lookup()}__in": ids})


# --- the community of a request ---------------------------------------------------------------
# One rule for pages and API alike: a community where the caller has no role is not found (404,
# nothing revealed); a community where he has a role but not the grant is refused (403).


def current_community(request):
    """The community a page works on: chosen with the switcher, kept in the session; the first
    of the caller's communities otherwise; ``None`` for a caller with no community."""
    if hasattr(request, "_sunlit_community"):
        return request._sunlit_community
    from sunlit.core.models import Community
    from sunlit.core.permissions import role_map

    community = None
    roles = role_map(request.user)
    if roles:
        wanted = request.session.get(SESSION_KEY)
        community_id = wanted if wanted in roles else min(roles)
        community = Community.objects.select_related("organization").get(pk=community_id)
    request._sunlit_community = community
    return community


def switch_community(request, community_id: int) -> bool:
    from sunlit.core.permissions import role_map

    if community_id not in role_map(request.user):
        return False
    request.session[SESSION_KEY] = community_id
    request.__dict__.pop("_sunlit_community", None)
    return True


def page_community(request, action: str):
    """The page's community (``current_community``) where the caller may do ``action``:
    404 when he has no community, 403 when he may not."""
    from sunlit.core.permissions import require

    community = current_community(request)
    if community is None:
        raise Http404
    require(request.user, action, community=community)
    return community


def community_for(user, community_id, action: str):
    """The community named in a path (API) where ``user`` may do ``action``: 404 when he has
    no role there (another community reveals nothing), 403 when he may not."""
    from django.shortcuts import get_object_or_404

    from sunlit.core.models import Community
    from sunlit.core.permissions import require

    community = get_object_or_404(Community.objects.visible_to(user), pk=community_id)
    require(user, action, community=community)
    return community
