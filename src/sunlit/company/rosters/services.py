"""Duty rosters (排班): shift types, rotating patterns, the shifts they write, leave and swaps.

The manager (or the company) sets shift types and a department's pattern and writes a period
of it into ``tickets.Shift`` — the rows dispatch, the console and the disclosure page read. A
period is written whole or not at all: a shift that would overlap one already on the roster, or
(for a post that must be staffed around the clock) an hour with nobody on duty, refuses it with
the dates. Staff ask for leave and swaps themselves; another person approves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.company.choices import HolidayRule, RequestStatus
from sunlit.company.rosters.models import LeaveRequest, RosterPattern, ShiftType, SwapRequest
from sunlit.core import audit
from sunlit.core.choices import STAFF_ROLES
from sunlit.core.locking import locked
from sunlit.core.models import AuditEvent, Community, Department, Membership, User
from sunlit.core.permissions import require
from sunlit.core.validators import normalize_text

MAX_DAYS = 92  # one quarter written at a time
MAX_CYCLE = 28


def _zone():
    return timezone.get_current_timezone()


# --- shift types and patterns ------------------------------------------------------------------

def create_shift_type(community: Community, *, actor: User, name: str, starts: dt.time,
                      ends: dt.time) -> ShiftType:
    """班次: a name and its hours; ``ends`` at or before ``starts`` runs past midnight."""
    require(actor, "rosters.manage", community=community)
    name = normalize_text(name)
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 20:
        errors["name"] = [_("请填写班次名称（最多 20 个字）")]
    elif ShiftType.objects.in_community(community).filter(name=name).exists():
        errors["name"] = [_("班次“%(name)s”已存在") % {"name": name}]
    for field, value in (("starts", starts), ("ends", ends)):
        if not isinstance(value, dt.time):
            errors[field] = [_("请填写时间，如 08:00")]
    if not errors and starts == ends:
        errors["ends"] = [_("下班时间不能与上班时间相同")]
    if errors:
        raise ValidationError(errors)
    kind = ShiftType.objects.create(community=community, name=name, starts=starts, ends=ends)
    audit.record(AuditEvent.Action.CREATE, kind, actor=actor, summary=f"新增班次 {kind}")
    return kind


def create_pattern(community: Community, *, actor: User, name: str, department: Department,
                   cycle: list, members: list, anchor: dt.date, holiday_rule: str,
                   around_the_clock: bool = False) -> RosterPattern:
    """排班规则: a department's rotation — the cycle of shift types and days off, the people in
    order, the day the cycle starts, and how it meets holidays (轮班 ignores them; 随工作日
    works the national working days, 调休 Saturdays included)."""
    require(actor, "rosters.manage", community=community)
    name = normalize_text(name)
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 40:
        errors["name"] = [_("请填写名称（最多 40 个字）")]
    if not isinstance(department, Department) or department.community_id != community.pk:
        errors["department"] = [_("请选择本小区的部门")]
    kinds = {k.pk: k for k in ShiftType.objects.in_community(community)}
    try:
        cycle = [None if c in (None, "", 0, "0") else int(c) for c in (cycle or [])]
    except (TypeError, ValueError):
        cycle = []
        errors["cycle"] = [_("轮转中的班次无效")]
    if "cycle" not in errors:
        if not cycle or len(cycle) > MAX_CYCLE:
            errors["cycle"] = [_("轮转须有 1–%(n)s 天") % {"n": MAX_CYCLE}]
        elif any(c is not None and c not in kinds for c in cycle):
            errors["cycle"] = [_("轮转中有不属于本小区的班次")]
        elif all(c is None for c in cycle):
            errors["cycle"] = [_("轮转中至少要有一个班次")]
    try:
        member_ids = [int(m) for m in members or []]
    except (TypeError, ValueError):
        member_ids = []
    found = {m.pk: m for m in Membership.objects.in_community(community).active()
             .filter(pk__in=member_ids, role__in=STAFF_ROLES)}
    if not member_ids:
        errors["members"] = [_("请选择参加轮班的人员")]
    elif len(set(member_ids)) != len(member_ids):
        errors["members"] = [_("人员重复")]
    elif len(found) != len(member_ids):
        errors["members"] = [_("人员须是本小区在岗的工作人员")]
    if not isinstance(anchor, dt.date):
        errors["anchor"] = [_("请填写起始日")]
    if holiday_rule not in HolidayRule.values:
        errors["holiday_rule"] = [_("节假日规则无效")]
    if errors:
        raise ValidationError(errors)
    pattern = RosterPattern.objects.create(
        community=community, name=name, department=department, cycle=cycle, members=member_ids,
        anchor=anchor, holiday_rule=holiday_rule, around_the_clock=bool(around_the_clock),
        created_by=actor)
    audit.record(AuditEvent.Action.CREATE, pattern, actor=actor,
                 summary=f"新增排班规则 {name}（{len(cycle)} 天轮转，{len(member_ids)} 人）")
    return pattern


# --- writing a period ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Planned:
    member_id: int
    kind: ShiftType
    starts_at: dt.datetime
    ends_at: dt.datetime


def _span(day: dt.date, kind: ShiftType) -> tuple[dt.datetime, dt.datetime]:
    zone = _zone()
    starts = dt.datetime.combine(day, kind.starts, tzinfo=zone)
    end_day = day + dt.timedelta(days=1) if kind.ends <= kind.starts else day
    return starts, dt.datetime.combine(end_day, kind.ends, tzinfo=zone)


def plan(pattern: RosterPattern, start: dt.date, end: dt.date, *, calendar=None) -> list[Planned]:
    """The shifts ``pattern`` puts on the roster for the days ``start`` … ``end`` (inclusive).
    Pure: reads the shift types and the working-day calendar, writes nothing."""
    from sunlit.tickets.sla import WorkCalendar

    calendar = calendar or WorkCalendar.from_db()
    kinds = {k.pk: k for k in ShiftType.objects.in_community(pattern.community_id)}
    cycle, members = pattern.cycle, pattern.members
    step = len(cycle) / len(members)
    out = []
    day = start
    while day <= end:
        if pattern.holiday_rule == HolidayRule.WORKDAYS and not calendar.is_workday(day):
            day += dt.timedelta(days=1)
            continue
        index = (day - pattern.anchor).days
        for k, member_id in enumerate(members):
            kind_id = cycle[(index - int(k * step)) % len(cycle)]
            if kind_id is None:
                continue
            starts_at, ends_at = _span(day, kinds[kind_id])
            out.append(Planned(member_id, kinds[kind_id], starts_at, ends_at))
        day += dt.timedelta(days=1)
    return out


def _gaps(shifts: list[tuple[dt.datetime, dt.datetime]], start: dt.datetime,
          end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The stretches of [start, end) that no shift covers."""
    gaps, at = [], start
    for s, e in sorted(shifts):
        if s > at:
            gaps.append((at, min(s, end)))
        at = max(at, e)
        if at >= end:
            break
    if at < end:
        gaps.append((at, end))
    return [(a, b) for a, b in gaps if a < b]


def _local(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%m-%d %H:%M}"


def write_period(pattern: RosterPattern, *, actor: User, start: dt.date, end: dt.date):
    """Writes ``pattern``'s shifts for ``start`` … ``end`` into the roster (``tickets.Shift``),
    all or nothing; returns them. Refused: a period over ``MAX_DAYS``, a shift overlapping one
    already on the roster (of the same person), a day a person is on approved leave, and — for a
    post staffed around the clock — any stretch with nobody on duty."""
    from sunlit.tickets.models import Shift

    require(actor, "rosters.manage", community=pattern.community_id)
    errors: dict[str, list[str]] = {}
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise ValidationError({"start": [_("请填写起止日期")]})
    if end < start:
        errors["end"] = [_("结束日期不能早于开始日期")]
    elif (end - start).days + 1 > MAX_DAYS:
        errors["end"] = [_("一次最多排 %(n)s 天") % {"n": MAX_DAYS}]
    if not pattern.is_active:
        errors["pattern"] = [_("该排班规则已停用")]
    if errors:
        raise ValidationError(errors)
    planned = plan(pattern, start, end)
    members = {m.pk: m for m in Membership.objects.filter(pk__in=pattern.members)
               .select_related("user")}
    inactive = [str(m.user) for m in members.values() if not m.is_active]
    if inactive:
        raise ValidationError({"pattern": [_("轮班人员已离岗：%(names)s，请先修改排班规则") % {
            "names": "、".join(inactive)}]})
    zone = _zone()
    first = dt.datetime.combine(start, dt.time(), tzinfo=zone)
    last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    with transaction.atomic():
        for member in sorted(members.values(), key=lambda m: m.pk):
            locked(member)  # the members' rows: no shift is added beside this period meanwhile
        existing = list(Shift.objects.filter(member_id__in=members, starts_at__lt=last,
                                             ends_at__gt=first - dt.timedelta(days=1)))
        leave = list(LeaveRequest.objects.filter(
            member_id__in=members, status=RequestStatus.APPROVED, starts_on__lte=end,
            ends_on__gte=start))
        clashes = []
        for p in planned:
            for s in existing:
                if s.member_id == p.member_id and s.starts_at < p.ends_at and p.starts_at < s.ends_at:
                    clashes.append(_("%(name)s %(start)s 与已有班次重叠") % {
                        "name": members[p.member_id].user, "start": _local(p.starts_at)})
                    break
        away = [p for p in planned for lv in leave if lv.member_id == p.member_id
                and lv.starts_on <= timezone.localtime(p.starts_at).date() <= lv.ends_on]
        planned = [p for p in planned if p not in away]
        if clashes:
            raise ValidationError({"start": clashes[:5] + (
                [_("……共 %(n)s 处") % {"n": len(clashes)}] if len(clashes) > 5 else [])})
        if pattern.around_the_clock and planned:
            # from the period's first shift to its last: the hours before the first shift
            # belong to the previous period's night, which may not be on the roster yet
            window = (min(p.starts_at for p in planned), max(p.ends_at for p in planned))
            gaps = _gaps([(p.starts_at, p.ends_at) for p in planned]
                         + [(s.starts_at, s.ends_at) for s in existing], *window)
            if gaps:
                raise ValidationError({"pattern": [_("无人值班：%(gaps)s") % {"gaps": "；".join(
                    f"{_local(a)}–{_local(b)}" for a, b in gaps[:5])}]})
        shifts = Shift.objects.bulk_create([
            Shift(community_id=pattern.community_id, member_id=p.member_id,
                  starts_at=p.starts_at, ends_at=p.ends_at, note=f"{pattern.name}·{p.kind.name}")
            for p in planned])
        audit.record(AuditEvent.Action.CREATE, pattern, actor=actor,
                     summary=f"按 {pattern.name} 排班 {start}–{end}：{len(shifts)} 个班次"
                             + (f"（请假跳过 {len(away)} 个）" if away else ""))
    return shifts


# --- leave and swaps ----------------------------------------------------------------------------

def _own_membership(actor: User, community_id: int) -> Membership:
    require(actor, "rosters.request", community=community_id)
    member = (Membership.objects.in_community(community_id).active()
              .filter(user=actor, role__in=STAFF_ROLES).order_by("pk").first())
    if member is None:
        raise PermissionDenied(_("只有本小区的工作人员可以申请"))
    return member


def request_leave(community: Community, *, actor: User, starts_on: dt.date, ends_on: dt.date,
                  reason: str) -> LeaveRequest:
    """请假: the staff member himself asks for ``starts_on`` … ``ends_on``."""
    member = _own_membership(actor, community.pk)
    reason = normalize_text(reason)
    errors: dict[str, list[str]] = {}
    if not isinstance(starts_on, dt.date) or not isinstance(ends_on, dt.date):
        errors["starts_on"] = [_("请填写起止日期")]
    elif ends_on < starts_on:
        errors["ends_on"] = [_("结束日期不能早于开始日期")]
    elif (ends_on - starts_on).days >= MAX_DAYS:
        errors["ends_on"] = [_("一次最多请 %(n)s 天") % {"n": MAX_DAYS}]
    elif starts_on < timezone.localdate():
        errors["starts_on"] = [_("不能为已过去的日期请假")]
    if not reason or len(reason) > 200:
        errors["reason"] = [_("请填写事由（最多 200 个字）")]
    if not errors and LeaveRequest.objects.filter(
            member=member, status__in=(RequestStatus.PENDING, RequestStatus.APPROVED),
            starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        errors["starts_on"] = [_("这段时间已有请假申请")]
    if errors:
        raise ValidationError(errors)
    leave = LeaveRequest.objects.create(community=community, member=member, starts_on=starts_on,
                                        ends_on=ends_on, reason=reason)
    audit.record(AuditEvent.Action.CREATE, leave, actor=actor,
                 summary=f"申请请假 {starts_on}–{ends_on}")
    return leave


def _decide(request, actor: User, approve: bool, note: str, who) -> None:
    require(actor, "rosters.manage", community=request.community_id)
    if who.user_id == actor.pk:
        raise PermissionDenied(_("不能审批自己的申请"))
    if request.status != RequestStatus.PENDING:
        raise ValidationError({"status": [_("申请当前为“%(s)s”，不能再审批") % {
            "s": request.get_status_display()}]})
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    request.decided_by, request.decided_at = actor, timezone.now()
    request.note = normalize_text(note)[:200]


def decide_leave(leave: LeaveRequest, *, actor: User, approve: bool, note: str = "") -> LeaveRequest:
    """批准 (his shifts on those days come off the roster) or 不批准 a leave request; never the
    requester himself."""
    from sunlit.tickets.models import Shift

    with transaction.atomic():
        leave = locked(leave, "member__user")
        _decide(leave, actor, approve, note, leave.member)
        if approve:
            zone = _zone()
            first = dt.datetime.combine(leave.starts_on, dt.time(), tzinfo=zone)
            last = dt.datetime.combine(leave.ends_on + dt.timedelta(days=1), dt.time(), tzinfo=zone)
            removed, _detail = Shift.objects.filter(member=leave.member, starts_at__gte=first,
                                                    starts_at__lt=last).delete()
            leave.shifts_removed = removed
        leave.save()
        audit.record(AuditEvent.Action.UPDATE, leave, actor=actor,
                     summary=f"{'批准' if approve else '不批准'}请假 {leave.member.user} "
                             f"{leave.starts_on}–{leave.ends_on}")
    return leave


def request_swap(shift, *, actor: User, to_member: Membership, reason: str) -> SwapRequest:
    """换班: the shift's own member asks that a colleague of the same community takes it."""
    _own_membership(actor, shift.community_id)  # he is staff here
    reason = normalize_text(reason)
    errors: dict[str, list[str]] = {}
    if shift.member.user_id != actor.pk:
        raise PermissionDenied(_("只能为自己的班次申请换班"))
    if shift.starts_at <= timezone.now():
        errors["shift"] = [_("班次已开始，不能换班")]
    if (not isinstance(to_member, Membership) or to_member.community_id != shift.community_id
            or not to_member.is_active or to_member.role not in STAFF_ROLES
            or to_member.user_id == actor.pk):
        errors["to_member"] = [_("请选择本小区在岗的其他同事")]
    if not reason or len(reason) > 200:
        errors["reason"] = [_("请填写事由（最多 200 个字）")]
    if not errors and SwapRequest.objects.filter(shift=shift,
                                                 status=RequestStatus.PENDING).exists():
        errors["shift"] = [_("该班次已有待审批的换班申请")]
    if errors:
        raise ValidationError(errors)
    swap = SwapRequest.objects.create(community_id=shift.community_id, shift=shift,
                                      from_member=shift.member, to_member=to_member,
                                      reason=reason)
    audit.record(AuditEvent.Action.CREATE, swap, actor=actor,
                 summary=f"申请换班 {_local(shift.starts_at)} → {to_member.user}")
    return swap


def decide_swap(swap: SwapRequest, *, actor: User, approve: bool, note: str = "") -> SwapRequest:
    """批准 (the shift passes to the colleague, if he is free then) or 不批准 a swap."""
    from sunlit.tickets.models import Shift

    with transaction.atomic():
        swap = locked(swap, "from_member__user", "to_member__user", "shift")
        _decide(swap, actor, approve, note, swap.from_member)
        if approve:
            shift = locked(swap.shift)
            locked(swap.to_member)
            if shift.member_id != swap.from_member_id:
                raise ValidationError({"shift": [_("该班次已不是申请人的班次")]})
            if Shift.objects.filter(member=swap.to_member, starts_at__lt=shift.ends_at,
                                    ends_at__gt=shift.starts_at).exists():
                raise ValidationError({"to_member": [_("%(name)s 在该时段已有班次") % {
                    "name": swap.to_member.user}]})
            shift.member = swap.to_member
            shift.note = (shift.note + " · 换班")[:100]
            shift.save(update_fields=["member", "note"])
        swap.save()
        audit.record(AuditEvent.Action.UPDATE, swap, actor=actor,
                     summary=f"{'批准' if approve else '不批准'}换班 {swap.from_member.user} → "
                             f"{swap.to_member.user}")
    return swap


def withdraw(request, *, actor: User):
    """The requester withdraws his own pending leave or swap."""
    who = request.member if isinstance(request, LeaveRequest) else request.from_member
    if who.user_id != actor.pk:
        raise PermissionDenied(_("只能撤回自己的申请"))
    with transaction.atomic():
        request = locked(request)
        if request.status != RequestStatus.PENDING:
            raise ValidationError({"status": [_("只能撤回待审批的申请")]})
        request.status = RequestStatus.WITHDRAWN
        request.save(update_fields=["status"])
        audit.record(AuditEvent.Action.UPDATE, request, actor=actor, summary="撤回申请")
    return request
