"""Template context shared by every page: the community switcher and the menu."""

from __future__ import annotations

from sunlit.company.access import is_company_admin
from sunlit.core.choices import Role
from sunlit.core.permissions import can, roles_in
from sunlit.core.tenancy import current_community


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    community = current_community(request)
    memberships = (
        user.memberships.filter(is_active=True)
        .select_related("community")
        .order_by("community_id", "role")
    )
    switcher = {}
    for membership in memberships:
        switcher.setdefault(membership.community_id, membership.community)
    roles = roles_in(user, community) if community else frozenset()
    return {
        "current_community": community,
        "switcher_communities": list(switcher.values()),
        "current_roles": [Role(r).label for r in sorted(roles)],
        "nav": {
            "console": bool(community) and can(user, "console.view", community=community),
            "roster": bool(community) and can(user, "roster.view", community=community),
            "import": bool(community) and can(user, "roster.import", community=community),
            "accounts": bool(community) and can(user, "accounts.issue", community=community),
            "audit": bool(community) and can(user, "audit.view", community=community),
            "ticket_queue": bool(community) and can(user, "tickets.view_all", community=community),
            "ticket_tasks": bool(community) and Role.TECHNICIAN in roles,
            "company": is_company_admin(user),
            "rosters": bool(community) and can(user, "rosters.manage", community=community),
            "my_roster": bool(community) and can(user, "rosters.request", community=community),
            "benchmark": bool(community) and can(user, "benchmarks.view", community=community),
        },
    }
