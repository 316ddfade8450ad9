"""The one mechanism that scopes queries to the communities a user belongs to (rule 3).

Every community-owned model uses ``CommunityScopedQuerySet``; pages, API and selectors
reach rows through ``.visible_to(user, action)``, which keeps only the communities where
the user holds a role allowed to perform ``action`` (see ``permissions``).
"""

from __future__ import annotations

from django.db import models


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
