"""Core API: who am I, which communities may I see."""

from __future__ import annotations

from ninja import Router, Schema

from sunlit.core.choices import Role
from sunlit.core.models import Community
from sunlit.core.permissions import role_map

router = Router(tags=["core"])


class MembershipOut(Schema):
    community_id: int
    community: str
    roles: list[str]


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    memberships: list[MembershipOut]


class CommunityOut(Schema):
    id: int
    name: str
    code: str
    city: str
    district: str
    address: str
    service_phone: str


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    roles = role_map(request.user)
    names = dict(Community.objects.filter(pk__in=roles).values_list("pk", "name"))
    return {
        "id": request.user.pk, "username": request.user.username,
        "display_name": request.user.display_name,
        "memberships": [
            {"community_id": cid, "community": names[cid],
             "roles": sorted(Role(r).value for r in rs)}
            for cid, rs in sorted(roles.items())
        ],
    }


@router.get("/communities", response=list[CommunityOut], summary="我可访问的小区")
def communities(request):
    return Community.objects.visible_to(request.user).order_by("pk")
