"""Who is on duty (今日值班): read from the roster's shifts (``tickets.Shift``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sunlit.core.choices import DepartmentKind


def on_duty(community, *, at: dt.datetime | None = None, kinds=None) -> list[dict]:
    """The staff on duty at ``at`` (now): name, job number, department, role and until when,
    by department. ``kinds`` narrows to department kinds (the owners' card: repairs and
    security)."""
    from sunlit.tickets.models import Shift

    at = at or timezone.now()
    shifts = (Shift.objects.in_community(community).on_duty(at)
              .filter(member__is_active=True)
              .select_related("member__user", "member__department")
              .order_by("member__department__name", "starts_at", "member__job_number"))
    if kinds:
        shifts = shifts.filter(member__department__kind__in=kinds)
    return [{"name": str(s.member.user), "job_number": s.member.job_number,
             "department": s.member.department.name if s.member.department else "",
             "role": s.member.get_role_display(), "until": s.ends_at, "member": s.member}
            for s in shifts]


def on_duty_today(community, *, at: dt.datetime | None = None) -> list[dict]:
    """For owners: who is on duty now for repairs (工程部) and security (秩序部)."""
    return on_duty(community, at=at, kinds=(DepartmentKind.ENGINEERING,
                                            DepartmentKind.SECURITY))
