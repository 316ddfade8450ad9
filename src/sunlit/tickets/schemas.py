"""The tickets API's schemas: what a ticket, its timeline and its categories look like to each
caller (reporters masked for members who are not staff), and what each request takes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Literal

from ninja import Field, Schema

from sunlit.api.pagination import PageQuery
from sunlit.core.permissions import GRANTS, roles_in
from sunlit.tickets import services
from sunlit.tickets.choices import (
    Channel,
    Priority,
    SlaCalendar,
    TicketKind,
    TicketStatus,
)
from sunlit.tickets.filters import RISKS, SCOPES
from sunlit.tickets.models import Ticket

MAX_PHOTOS = services.MAX_PHOTOS
# Who sees a ticket's people unmasked: staff of its community and the technicians on it.
STAFF_VIEW_ROLES = GRANTS["tickets.view_all"] | GRANTS["tickets.work"]


def choice_label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else str(value or "")


def sees_people(user, ticket: Ticket) -> bool:
    return bool(roles_in(user, ticket.community_id) & STAFF_VIEW_ROLES)


def location_of(ticket: Ticket) -> str:
    if ticket.unit_id is not None:
        return ticket.unit.label
    parts = [ticket.building.name if ticket.building_id else "",
             f"{ticket.floor}层" if ticket.floor is not None else "", ticket.location_text]
    return " ".join(p for p in parts if p)


# --- output schemas -------------------------------------------------------------------------


class AssigneeOut(Schema):
    name: str
    job_number: str
    department: str | None


class PromiseOut(Schema):
    minutes: int
    calendar: SlaCalendar
    calendar_label: str


class TargetsOut(Schema):
    accept: PromiseOut | None = Field(None, description="受理时限")
    arrive: PromiseOut | None = Field(None, description="到场时限")
    resolve: PromiseOut | None = Field(None, description="办结时限")
    is_default: bool = Field(..., description="是否为系统默认时限（本类别未单独设置）")


class CategoryOut(Schema):
    id: int
    community_id: int
    kind: TicketKind
    kind_label: str
    name: str
    department: str | None
    default_priority: Priority
    is_active: bool
    auto_dispatch: bool
    targets: dict[str, TargetsOut] = Field(..., description="按优先级（urgent/normal/low）的服务时限")


class TicketOut(Schema):
    id: int
    community_id: int
    number: str = Field(..., examples=["BX-20261118-0001"])
    kind: TicketKind
    kind_label: str
    category_id: int
    category: str
    priority: Priority
    priority_label: str
    status: TicketStatus
    status_label: str
    channel: Channel
    title: str
    common_area: bool
    location: str = Field(..., description="房屋（楼栋-单元-房号）或公共区域位置")
    unit_id: int | None
    building_id: int | None
    reporter: str | None = Field(..., description="报事人姓名；非本小区工作人员看到脱敏姓名")
    assignee: AssigneeOut | None
    due_accept: dt.datetime | None
    due_arrive: dt.datetime | None
    due_resolve: dt.datetime | None
    met_accept: bool | None
    met_arrive: bool | None
    met_resolve: bool | None
    next_due: dt.datetime | None = Field(..., description="最近一个尚未兑现的时限")
    overdue: bool
    paused: bool = Field(..., description="挂起中，计时暂停")
    photo_count: int
    rating: int | None
    needs_manager_review: bool
    reopened_count: int
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None


class EventOut(Schema):
    id: int
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str
    note: str
    public: bool
    at: dt.datetime
    photos: list[int] = Field(..., description="本步骤照片的上传 id")


class PhotoOut(Schema):
    upload_id: int
    event_id: int | None
    url: str
    thumbnail_url: str


class ReporterOut(Schema):
    person_id: int | None = Field(
        None, description="人员档案 id（仅工作人员可见，可经 /persons/{id}/reveal 查看完整信息）")
    name: str
    mobile: str = Field("", description="手机号（脱敏，仅工作人员可见）")


class TicketDetailOut(TicketOut):
    description: str
    floor: int | None
    location_text: str
    preferred_from: dt.datetime | None
    preferred_to: dt.datetime | None
    public_reason: str
    rating_comment: str
    reporter_info: ReporterOut | None
    allowed_actions: list[str] = Field(..., description="当前用户现在可执行的操作")
    timeline: list[EventOut]
    photos: list[PhotoOut]


class TicketPage(Schema):
    count: int
    items: list[TicketOut]


class TicketPhotoOut(Schema):
    id: int
    sha256: str
    width: int | None
    height: int | None
    size: int


# --- input schemas --------------------------------------------------------------------------


RiskChoice = Enum("RiskChoice", {value: value for value, _label in RISKS}, type=str)
ScopeChoice = Enum("ScopeChoice", {value: value for value, _label in SCOPES}, type=str)


class TicketQuery(PageQuery):
    community: int | None = Field(None, description="只看某个小区（id）")
    q: str | None = Field(None, description="工单号或标题")
    scope: ScopeChoice | None = Field(None, description="open 未关闭 / closed 已关闭 / all")
    status: list[TicketStatus] | None = Field(None, description="状态（可多选，重复此参数）")
    kind: TicketKind | None = None
    category: int | None = Field(None, description="类别 id")
    building: int | None = Field(None, description="楼栋 id（房屋所在楼栋或公共区域楼栋）")
    assignee: str | None = Field(None, description="处理人（成员资格 id），none 表示未派单")
    priority: Priority | None = None
    risk: RiskChoice | None = Field(None, description=(
        "时限风险：overdue 已超时、due_1h 1 小时内到期、warn_80 已用 80%、paused 挂起、"
        "missed 有超时、met 按时办结"))
    needs_review: bool | None = Field(None, description="低分待复核")
    reopened: bool | None = Field(None, description="重新打开过")
    created_after: dt.date | None = None
    created_before: dt.date | None = None
    order: Literal["due", "newest"] = Field("due", description="due 按最近时限；newest 最新提交在前")


class TicketIn(Schema):
    community_id: int
    kind: TicketKind
    category_id: int
    title: str = Field(..., max_length=services.MAX_TITLE)
    description: str = Field(..., max_length=services.MAX_DESCRIPTION)
    priority: Priority | None = Field(None, description="不填为类别的默认优先级")
    unit_id: int | None = Field(None, description="自家房屋（入户报修）；与公共区域位置二选一")
    building_id: int | None = Field(None, description="公共区域：楼栋")
    floor: int | None = Field(None, description="公共区域：楼层")
    location_text: str = Field("", max_length=100, description="公共区域：位置说明")
    preferred_from: dt.datetime | None = None
    preferred_to: dt.datetime | None = None
    photo_ids: list[int] = Field([], max_length=MAX_PHOTOS,
                                 description="先经 POST /tickets/photos 上传得到的 id，最多 9 张")
    channel: Channel = Field(Channel.API, description="phone/counter：客服代业主登记")
    reporter_id: int | None = Field(None, description="代业主登记时的报事人（人员档案 id）")


class MaterialIn(Schema):
    name: str = Field(..., max_length=60)
    quantity: Decimal
    unit: str = Field("", max_length=10)
    unit_price: Decimal | None = Field(None, description="单价（元），仅在业主同意报价后收取")


class QuoteItemIn(Schema):
    name: str
    amount: Decimal


ACTIONS = ("accept", "take", "dispatch", "auto_dispatch", "arrive", "resolve", "follow_up", "archive",
           "withdraw", "mark_unresolvable", "reopen", "suspend", "resume", "quote",
           "accept_quote", "reject_quote")
ActionName = Enum("ActionName", {name: name for name in ACTIONS}, type=str)


class ActionIn(Schema):
    """The fields of one step; each action reads its own and ignores the rest."""

    note: str = Field("", max_length=services.MAX_NOTE, description="说明（回访结果必填）")
    reason: str = Field("", max_length=services.MAX_NOTE,
                        description="原因：无法解决（公开）、重新打开、挂起必填")
    to: int | None = Field(None, description="派单：派给的成员资格 id")
    photo_ids: list[int] = Field([], max_length=MAX_PHOTOS,
                                 description="到场、处理完成、无法解决、重新打开、挂起可附照片")
    materials: list[MaterialIn] | None = Field(None, description="处理完成：用料")
    labor_minutes: int | None = Field(None, description="处理完成：用时（分钟）")
    amount: Decimal | None = Field(None, description="报价：金额（元）")
    items: list[QuoteItemIn] | None = Field(None, description="报价：明细")


class RateIn(Schema):
    rating: int = Field(..., description="1–5 分")
    comment: str = Field("", max_length=services.MAX_NOTE)
