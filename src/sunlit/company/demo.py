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
