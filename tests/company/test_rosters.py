"""Duty rosters (排班): rotating patterns with the holiday calendar (调休), overlaps and
coverage refused, leave and swaps approved by another person; on duty for owners."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sunlit.company.choices import HolidayRule, RequestStatus
from sunlit.company.rosters import models as roster_models
from sunlit.company.rosters import selectors
from sunlit.company.rosters import services as rosters
from sunlit.core.choices import DepartmentKind, Role
from sunlit.core.models import Department, Membership
from sunlit.tickets.models import Shift, WorkCalendarDay
from tests.factories import UserFactory

TZ = timezone.get_fixed_timezone(8 * 60)


@pytest.fixture
def security(community):
    return Department.objects.create(community=community, kind=DepartmentKind.SECURITY,
                                     name="秩序部")


@pytest.fixture
def guards(community, security):
    return [Membership.objects.create(
        user=UserFactory(username=f"guard{i}", display_name=f"保安{i}"), community=community,
        role=Role.TECHNICIAN, department=security, job_number=f"B0{i}") for i in (1, 2, 3)]


@pytest.fixture
def kinds(community, manager):
    return {
        "day": rosters.create_shift_type(community, actor=manager, name="白班",
                                         starts=dt.time(8), ends=dt.time(20)),
        "night": rosters.create_shift_type(community, actor=manager, name="夜班",
                                           starts=dt.time(20), ends=dt.time(8)),
    }


def _pattern(community, manager, security, guards, kinds, **extra):
    fields = {"name": "秩序部三班倒", "department": security,
              "cycle": [kinds["day"].pk, kinds["night"].pk, None],
              "members": [g.pk for g in guards], "anchor": dt.date(2026, 12, 1),
              "holiday_rule": HolidayRule.ROTATE, "around_the_clock": True, **extra}
    return rosters.create_pattern(community, actor=manager, **fields)


def test_three_shifts_cover_the_clock_and_the_roster_answers_who_is_on_duty(
        community, manager, security, guards, kinds):
    pattern = _pattern(community, manager, security, guards, kinds)
    shifts = rosters.write_period(pattern, actor=manager, start=dt.date(2026, 12, 1),
                                  end=dt.date(2026, 12, 7))
    assert len(shifts) == 14  # a day and a night shift every day
    noon = dt.datetime(2026, 12, 3, 12, tzinfo=TZ)
    night = dt.datetime(2026, 12, 3, 23, tzinfo=TZ)
    assert len(selectors.on_duty(community, at=noon)) == 1
    assert selectors.on_duty(community, at=night)[0]["department"] == "秩序部"
    assert selectors.on_duty(community, at=noon)[0]["name"] != \
        selectors.on_duty(community, at=night)[0]["name"]
    # the same period again overlaps: refused whole
    with pytest.raises(ValidationError) as refused:
        rosters.write_period(pattern, actor=manager, start=dt.date(2026, 12, 7),
                             end=dt.date(2026, 12, 8))
    assert "重叠" in refused.value.message_dict["start"][0]
    assert Shift.objects.count() == 14


def test_a_gap_in_a_round_the_clock_post_is_refused(community, manager, security, guards, kinds):
    pattern = _pattern(community, manager, security, guards[:2], kinds,
                       cycle=[kinds["day"].pk, None])
    with pytest.raises(ValidationError) as refused:
        rosters.write_period(pattern, actor=manager, start=dt.date(2026, 12, 1),
                             end=dt.date(2026, 12, 2))
    assert "无人值班" in refused.value.message_dict["pattern"][0]
    assert not Shift.objects.exists()


def test_workday_pattern_follows_holidays_and_make_up_days(community, manager, kinds):
    service = Department.objects.create(community=community, kind=DepartmentKind.SERVICE,
                                        name="客服部")
    clerk = Membership.objects.create(user=UserFactory(username="clerk"), community=community,
                                      role=Role.SERVICE, department=service, job_number="K01")
    office = rosters.create_shift_type(community, actor=manager, name="行政班",
                                       starts=dt.time(9), ends=dt.time(17, 30))
    # 10月1–7日 a holiday; Saturday 9月26日 a make-up working day (调休)
    # (the calendar is seeded from chinesecalendar; the test sets its own facts)
    WorkCalendarDay.objects.filter(date__range=(dt.date(2026, 9, 26), dt.date(2026, 10, 9))).delete()
    WorkCalendarDay.objects.create(date=dt.date(2026, 9, 26), is_workday=True, name="国庆调休")
    for d in range(1, 8):
        WorkCalendarDay.objects.create(date=dt.date(2026, 10, d), is_workday=False, name="国庆节")
    pattern = rosters.create_pattern(
        community, actor=manager, name="客服行政班", department=service, cycle=[office.pk],
        members=[clerk.pk], anchor=dt.date(2026, 9, 1), holiday_rule=HolidayRule.WORKDAYS)
    shifts = rosters.write_period(pattern, actor=manager, start=dt.date(2026, 9, 26),
                                  end=dt.date(2026, 10, 9))
    days = sorted(timezone.localtime(s.starts_at).date() for s in shifts)
    assert dt.date(2026, 9, 26) in days  # the Saturday make-up day is worked
    assert dt.date(2026, 9, 27) not in days  # an ordinary Sunday is not
    assert dt.date(2026, 9, 28) in days
    assert not any(dt.date(2026, 10, 1) <= d <= dt.date(2026, 10, 7) for d in days)
    assert dt.date(2026, 10, 8) in days


@pytest.mark.parametrize("field, change", [
    ("cycle", {"cycle": []}), ("members", {"members": []}),
    ("members", {"members": [999999]}), ("holiday_rule", {"holiday_rule": "x"})])
def test_bad_patterns_are_refused(community, manager, security, guards, kinds, field, change):
    with pytest.raises(ValidationError) as refused:
        _pattern(community, manager, security, guards, kinds, **change)
    assert field in refused.value.message_dict


def test_leave_is_asked_by_the_member_and_approved_by_another(community, manager, security,
                                                              guards, kinds):
    pattern = _pattern(community, manager, security, guards, kinds, around_the_clock=False)
    today = timezone.localdate()
    rosters.write_period(pattern, actor=manager, start=today, end=today + dt.timedelta(days=6))
    guard = guards[0]
    before = Shift.objects.filter(member=guard).count()
    leave = rosters.request_leave(community, actor=guard.user,
                                  starts_on=today + dt.timedelta(days=1),
                                  ends_on=today + dt.timedelta(days=3), reason="家中有事")
    with pytest.raises(PermissionDenied):
        rosters.decide_leave(leave, actor=guards[1].user, approve=True)  # not a manager
    with pytest.raises(ValidationError):  # the same days again
        rosters.request_leave(community, actor=guard.user, starts_on=today + dt.timedelta(days=2),
                              ends_on=today + dt.timedelta(days=2), reason="再请")
    leave = rosters.decide_leave(leave, actor=manager, approve=True, note="同意")
    assert leave.status == RequestStatus.APPROVED and leave.shifts_removed > 0
    assert Shift.objects.filter(member=guard).count() == before - leave.shifts_removed


def test_a_swap_passes_the_shift_to_a_free_colleague(community, manager, security, guards,
                                                     kinds):
    pattern = _pattern(community, manager, security, guards, kinds, around_the_clock=False)
    today = timezone.localdate()
    rosters.write_period(pattern, actor=manager, start=today + dt.timedelta(days=1),
                         end=today + dt.timedelta(days=3))
    shift = Shift.objects.filter(member=guards[0]).order_by("starts_at").first()
    busy = Shift.objects.filter(starts_at=shift.starts_at).exclude(member=guards[0]).first()
    free = next(g for g in guards if not Shift.objects.filter(
        member=g, starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at).exists())
    with pytest.raises(PermissionDenied):
        rosters.request_swap(shift, actor=guards[1].user, to_member=free, reason="x")
    if busy is not None:
        swap = rosters.request_swap(shift, actor=guards[0].user, to_member=busy.member,
                                    reason="孩子生病")
        with pytest.raises(ValidationError):
            rosters.decide_swap(swap, actor=manager, approve=True)
        rosters.withdraw(swap, actor=guards[0].user)
    swap = rosters.request_swap(shift, actor=guards[0].user, to_member=free, reason="孩子生病")
    rosters.decide_swap(swap, actor=manager, approve=True)
    shift.refresh_from_db()
    assert shift.member == free


def test_the_pages_manager_sets_up_staff_ask_manager_decides_owner_sees(
        client, community, manager, security, guards, owner):
    from django.urls import reverse

    client.force_login(manager)
    assert client.get(reverse("company:rosters")).status_code == 200
    for name, starts, ends in (("白班", "08:00", "20:00"), ("夜班", "20:00", "08:00")):
        response = client.post(reverse("company:roster_shift_type_new"),
                               {"name": name, "starts": starts, "ends": ends})
        assert response.status_code == 302
    response = client.post(reverse("company:roster_shift_type_new"),
                           {"name": "白班", "starts": "09:00", "ends": "17:00"})
    assert response.status_code == 400 and "已存在" in response.content.decode()
    response = client.post(reverse("company:roster_pattern_new"), {
        "name": "秩序部三班倒", "department": security.pk, "cycle": "白班 夜班 早班",
        "members": [g.pk for g in guards], "anchor": "2026-12-01", "holiday_rule": "rotate"})
    assert "没有这些班次：早班" in response.content.decode()
    client.post(reverse("company:roster_pattern_new"), {
        "name": "秩序部三班倒", "department": security.pk, "cycle": "白班 夜班 休",
        "members": [g.pk for g in guards], "anchor": "2026-12-01", "holiday_rule": "rotate",
        "around_the_clock": "on"})
    pattern = roster_models.RosterPattern.objects.get()
    today = timezone.localdate()
    response = client.post(reverse("company:roster_write", args=[pattern.pk]), {
        "start": today.isoformat(), "end": (today + dt.timedelta(days=6)).isoformat()})
    assert response.status_code == 302 and Shift.objects.count() == 14
    response = client.post(reverse("company:roster_write", args=[pattern.pk]), {
        "start": today.isoformat(), "end": today.isoformat()})
    assert response.status_code == 400 and "重叠" in response.content.decode()
    # a guard asks for leave on his own page
    client.force_login(guards[0].user)
    assert "未来四周" in client.get(reverse("company:my_roster")).content.decode()
    response = client.post(reverse("company:leave_request"), {
        "starts_on": (today + dt.timedelta(days=2)).isoformat(),
        "ends_on": (today + dt.timedelta(days=2)).isoformat(), "reason": "体检"})
    assert response.status_code == 302
    leave = roster_models.LeaveRequest.objects.get()
    assert client.post(reverse("company:roster_decide", args=["leave", leave.pk]),
                       {"decision": "approve"}).status_code == 403
    client.force_login(manager)
    assert "体检" in client.get(reverse("company:rosters")).content.decode()
    client.post(reverse("company:roster_decide", args=["leave", leave.pk]), {"decision": "approve"})
    leave.refresh_from_db()
    assert leave.status == RequestStatus.APPROVED
    # the owner's home says who is on duty now for repairs and security
    client.force_login(owner)
    page = client.get(reverse("web:owner_home")).content.decode()
    assert "正在值班" in page
    on_duty = selectors.on_duty_today(community)
    assert (on_duty and on_duty[0]["name"] in page) or "此刻无人值班" in page
