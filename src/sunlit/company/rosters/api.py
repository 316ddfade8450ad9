"""Roster API (排班): who is on duty, shift types, patterns, writing a period, leave and swaps —
the same services and grants as the pages (``rosters.manage``, ``rosters.request``; who is on
duty: every member, as the disclosure page shows it)."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.scope import community_for
from sunlit.company.choices import HolidayRule, RequestStatus
from sunlit.company.rosters import selectors, services
from sunlit.company.rosters.models import LeaveRequest, RosterPattern, ShiftType, SwapRequest
from sunlit.core.models import Department, Membership

router = Router(tags=["rosters"])


class OnDutyOut(Schema):
    name: str
    job_number: str
    department: str
    role: str
    until: dt.datetime


@router.get("/communities/{community_id}/on-duty", response={200: list[OnDutyOut], **ERRORS},
            summary="正在值班")
def on_duty(request, community_id: int):
    return selectors.on_duty(community_for(request, community_id, "community.view"))


class ShiftTypeIn(Schema):
    name: str = Field(..., max_length=20)
    starts: dt.time
    ends: dt.time = Field(..., description="早于上班时间即跨夜")


class ShiftTypeOut(Schema):
    id: int
    name: str
    starts: str = Field(..., description="上班（HH:MM，北京时间）")
    ends: str = Field(..., description="下班（HH:MM；早于上班即跨夜）")

    @staticmethod
    def resolve_starts(obj) -> str:
        return f"{obj.starts:%H:%M}"

    @staticmethod
    def resolve_ends(obj) -> str:
        return f"{obj.ends:%H:%M}"


@router.get("/communities/{community_id}/shift-types",
            response={200: list[ShiftTypeOut], **ERRORS}, summary="班次")
def shift_types(request, community_id: int):
    community = community_for(request, community_id, "rosters.manage")
    return list(ShiftType.objects.in_community(community))


@router.post("/communities/{community_id}/shift-types",
             response={201: ShiftTypeOut, **ERRORS}, summary="新增班次")
def create_shift_type(request, community_id: int, payload: ShiftTypeIn):
    community = community_for(request, community_id, "rosters.manage")
    return Status(201, services.create_shift_type(community, actor=request.auth,
                                                  **payload.dict()))


class PatternIn(Schema):
    name: str = Field(..., max_length=40)
    department_id: int
    cycle: list[int | None] = Field(..., description="按天的班次 id，null 为休息")
    members: list[int] = Field(..., description="轮班人员的岗位 id，按轮转顺序")
    anchor: dt.date
    holiday_rule: HolidayRule = HolidayRule.ROTATE
    around_the_clock: bool = False


class PatternOut(Schema):
    id: int
    name: str
    department_id: int
    cycle: list[int | None]
    members: list[int]
    anchor: dt.date
    holiday_rule: HolidayRule
    around_the_clock: bool
    is_active: bool


@router.get("/communities/{community_id}/roster-patterns",
            response={200: list[PatternOut], **ERRORS}, summary="排班规则")
def patterns(request, community_id: int):
    community = community_for(request, community_id, "rosters.manage")
    return list(RosterPattern.objects.in_community(community))


@router.post("/communities/{community_id}/roster-patterns",
             response={201: PatternOut, **ERRORS}, summary="新增排班规则")
def create_pattern(request, community_id: int, payload: PatternIn):
    community = community_for(request, community_id, "rosters.manage")
    department = Department.objects.in_community(community).filter(
        pk=payload.department_id).first()
    data = payload.dict(exclude={"department_id"})
    return Status(201, services.create_pattern(community, actor=request.auth,
                                               department=department, **data))


class PeriodIn(Schema):
    start: dt.date
    end: dt.date


class PeriodOut(Schema):
    shifts: int


@router.post("/roster-patterns/{pattern_id}/write", response={201: PeriodOut, **ERRORS},
             summary="按规则排班（整段写入）")
def write(request, pattern_id: int, payload: PeriodIn):
    pattern = get_object_or_404(RosterPattern, pk=pattern_id)
    community_for(request, pattern.community_id, "rosters.manage")
    shifts = services.write_period(pattern, actor=request.auth, start=payload.start,
                                   end=payload.end)
    return Status(201, {"shifts": len(shifts)})


class LeaveRequestIn(Schema):
    starts_on: dt.date
    ends_on: dt.date
    reason: str = Field(..., max_length=200)


class RequestOut(Schema):
    id: int
    status: RequestStatus
    note: str


@router.post("/communities/{community_id}/leave", response={201: RequestOut, **ERRORS},
             summary="请假（本人）")
def request_leave(request, community_id: int, payload: LeaveRequestIn):
    community = community_for(request, community_id, "rosters.request")
    return Status(201, services.request_leave(community, actor=request.auth, **payload.dict()))


class DecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=200)


@router.post("/leave/{leave_id}/decide", response={200: RequestOut, **ERRORS},
             summary="审批请假")
def decide_leave(request, leave_id: int, payload: DecisionIn):
    leave = get_object_or_404(LeaveRequest, pk=leave_id)
    community_for(request, leave.community_id, "rosters.manage")
    return services.decide_leave(leave, actor=request.auth, **payload.dict())


class SwapIn(Schema):
    to_member_id: int
    reason: str = Field(..., max_length=200)


@router.post("/shifts/{shift_id}/swap", response={201: RequestOut, **ERRORS},
             summary="申请换班（本人的班次）")
def request_swap(request, shift_id: int, payload: SwapIn):
    from sunlit.tickets.models import Shift

    # his own shift (anyone else's is a 404 like a missing one), then the grant
    shift = get_object_or_404(Shift.objects.select_related("member"), pk=shift_id,
                              member__user=request.auth)
    community_for(request, shift.community_id, "rosters.request")
    to_member = Membership.objects.filter(pk=payload.to_member_id).first()
    return Status(201, services.request_swap(shift, actor=request.auth, to_member=to_member,
                                             reason=payload.reason))


@router.post("/swaps/{swap_id}/decide", response={200: RequestOut, **ERRORS},
             summary="审批换班")
def decide_swap(request, swap_id: int, payload: DecisionIn):
    swap = get_object_or_404(SwapRequest, pk=swap_id)
    community_for(request, swap.community_id, "rosters.manage")
    return services.decide_swap(swap, actor=request.auth, **payload.dict())
