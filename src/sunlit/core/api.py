"""Core API: who am I, which communities may I see, my API tokens.

What every router shares (the error shape, pagination, idempotency, the community in the path)
is the ``sunlit.api`` package.
"""

from __future__ import annotations

from datetime import datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from sunlit.api.errors import ERRORS
from sunlit.core.choices import Role
from sunlit.core.models import ApiToken, Community
from sunlit.core.permissions import role_map
from sunlit.core.services import create_api_token, revoke_api_token

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


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=60, description="用途，如“东门道闸”")
    valid_days: int | None = Field(
        None, ge=1, le=3650,
        description="有效天数；不填则为默认有效期（默认 90 天）。到期自动失效，可随时吊销",
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    state: ApiToken.State = Field(..., description="active 有效、expired 已过期、revoked 已吊销")

    @staticmethod
    def resolve_state(obj) -> str:
        return obj.state(timezone.now())


class TokenCreatedOut(TokenOut):
    secret: str = Field(..., description="令牌全文，只显示这一次；请求时放在 Authorization: Bearer 之后")


@router.get("/me", response={200: MeOut, **ERRORS}, summary="当前用户")
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


@router.get("/communities", response={200: list[CommunityOut], **ERRORS},
            summary="我可访问的小区")
def communities(request):
    return Community.objects.visible_to(request.user).order_by("pk")


@router.post("/tokens", response={201: TokenCreatedOut, **ERRORS},
             summary="创建接口令牌（仅限登录会话）")
def create_token(request, payload: TokenIn):
    """The secret is shown once. Only a logged-in session may create tokens, so that a leaked
    token cannot mint new ones that outlive its revocation."""
    if request.headers.get("Authorization"):
        raise HttpError(403, "不能用接口令牌创建新令牌，请登录后在会话中创建")
    secret = create_api_token(request.auth, name=payload.name.strip(),
                              valid_days=payload.valid_days)
    token = get_object_or_404(ApiToken.objects.filter(user=request.auth),
                              prefix=secret.split("_")[1])
    token.secret = secret
    return Status(201, TokenCreatedOut.from_orm(token))


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="我的接口令牌")
def list_tokens(request):
    return ApiToken.objects.filter(user=request.auth).order_by("-created_at", "-pk")


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS}, summary="吊销接口令牌")
def revoke_token(request, token_id: int):
    token = get_object_or_404(ApiToken.objects.filter(user=request.auth), pk=token_id)
    revoke_api_token(token, actor=request.auth)
    return Status(204, None)
