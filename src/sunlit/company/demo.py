"""The company's part of the demo: every member of a demo community's service team is an
employee of the demo company (the roster generator hires them as memberships)."""

from __future__ import annotations

from sunlit.company.models import Employee
from sunlit.core.choices import STAFF_ROLES, Role
from sunlit.core.models import Community, Membership


def enroll_staff(community: Community) -> int:
    """Employee records for the community's staff who have none yet; returns how many."""
    organization_id = community.organization_id
    have = set(Employee.objects.filter(organization_id=organization_id)
               .values_list("user_id", flat=True))
    taken = set(Employee.objects.filter(organization_id=organization_id)
                .values_list("job_number", flat=True))
    new = []
    for membership in (Membership.objects.in_community(community).filter(role__in=STAFF_ROLES)
                       .order_by("pk")):
        if membership.user_id in have:
            continue
        number = membership.job_number or f"U{membership.user_id}"
        if number in taken:
            number = f"U{membership.user_id}"
        new.append(Employee(organization_id=organization_id, user_id=membership.user_id,
                            job_number=number, is_admin=membership.role == Role.COMPANY_ADMIN,
                            hired_at=membership.created_at))
        have.add(membership.user_id)
        taken.add(number)
    Employee.objects.bulk_create(new)
    return len(new)


def load_demo(community: Community, *, cast, seed: int, now=None) -> None:
    """The security team's round-the-clock rotation (秩序部: 白白夜夜休休 over six people, so two
    are on each shift) and the service desk's office hours on working days, written for four
    weeks from last Monday: the rosters page has its patterns, owners see who is on duty."""
    import datetime as dt

    from django.utils import timezone

    from sunlit.company.choices import HolidayRule
    from sunlit.company.rosters import services as rosters
    from sunlit.core.choices import DepartmentKind
    from sunlit.core.models import Department

    manager = cast.lead(Role.MANAGER)
    if manager is None:
        return
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday() + 7)
    day = rosters.create_shift_type(community, actor=manager, name="白班", starts=dt.time(8),
                                    ends=dt.time(20))
    night = rosters.create_shift_type(community, actor=manager, name="夜班", starts=dt.time(20),
                                      ends=dt.time(8))
    office = rosters.create_shift_type(community, actor=manager, name="行政班",
                                       starts=dt.time(8, 30), ends=dt.time(17, 30))
    for kind, name, cycle, rule, round_clock in (
            (DepartmentKind.SECURITY, "秩序部四班二运转", [day.pk, day.pk, night.pk, night.pk,
                                                      None, None], HolidayRule.ROTATE, True),
            (DepartmentKind.SERVICE, "客服部行政班", [office.pk], HolidayRule.WORKDAYS, False)):
        department = Department.objects.in_community(community).filter(kind=kind).first()
        members = list(Membership.objects.in_community(community).active()
                       .filter(department=department, role__in=STAFF_ROLES)
                       .exclude(user__username__startswith="demo-").order_by("pk")
                       .values_list("pk", flat=True))
        if department is None or not members:
            continue
        pattern = rosters.create_pattern(
            community, actor=manager, name=name, department=department, cycle=cycle,
            members=members[:6] if round_clock else members[:1], anchor=monday,
            holiday_rule=rule, around_the_clock=round_clock)
        rosters.write_period(pattern, actor=manager, start=monday,
                             end=monday + dt.timedelta(days=27))
