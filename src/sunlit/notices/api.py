"""Notifications API: my notifications, mark one read, mark all read.

A caller sees only his own notifications, in the communities where he holds a role; another
user's notification is a 404 like a missing one.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema

from sunlit.api.errors import ERRORS
from sunlit.api.pagination import MAX_OFFSET
from sunlit.notices import access, selectors, services
from sunlit.notices.choices import NotificationKind

router = Router(tags=["notices"])

MAX_PAGE = 100


class NotificationOut(Schema):
    id: int
    community_id: int
    community: str
    kind: NotificationKind
    kind_label: str
    title: str
    body: str
    url: str = Field(..., description="本站相对链接（对象页面），可能为空")
    object_type: str
    object_id: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    is_read: bool

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())


class NotificationPage(Schema):
    count: int
    unread: int = Field(..., description="全部未读条数（不受筛选影响）")
    items: list[NotificationOut]


class NotificationQuery(Schema):
    unread: bool = Field(False, description="只看未读")
    community_id: int | None = Field(None, description="只看一个小区")
    limit: int = Field(20, ge=1, le=MAX_PAGE, description=f"每页条数，最多 {MAX_PAGE}")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")


class ReadAllIn(Schema):
    community_id: int | None = Field(None, description="只处理一个小区；为空表示全部")


class ReadAllOut(Schema):
    updated: int


@router.get("/notices", response={200: NotificationPage, **ERRORS}, summary="我的通知")
def list_notices(request, query: Query[NotificationQuery]):
    rows = selectors.inbox(request.auth, unread_only=query.unread, community=query.community_id)
    return {"count": rows.count(), "unread": selectors.unread_count(request.auth),
            "items": list(rows[query.offset:query.offset + query.limit])}


@router.post("/notices/read-all", response={200: ReadAllOut, **ERRORS}, summary="全部标为已读")
def read_all(request, payload: ReadAllIn | None = None):
    community = payload.community_id if payload is not None else None
    return {"updated": services.mark_all_read(actor=request.auth, community=community)}


@router.post("/notices/{notification_id}/read", response={200: NotificationOut, **ERRORS},
             summary="标为已读")
def read_one(request, notification_id: int):
    notification = access.get_notification_for(request.auth, notification_id)
    return services.mark_read(notification, actor=request.auth)
