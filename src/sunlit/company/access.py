"""Who acts for the company (STYLE.md rule 5): a company administrator is an active
``Employee`` with ``is_admin`` of the company. He reaches the company's communities, and only
those: another company's community is a 404 like a missing one; someone who administers no
company gets a 403 on the company's pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from sunlit.company.models import Employee
from sunlit.core.models import Community, Organization


def admin_employee(user) -> Employee | None:
    """The user's active administrator record, or None."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cached = getattr(user, "_sunlit_company_admin", False)
    if cached is not False:
        return cached
    from sunlit.core.choices import Role
    from sunlit.core.permissions import role_map

    roles = role_map(user)  # cached per request: no query for the many who are not admins
    if roles and not any(Role.COMPANY_ADMIN in r for r in roles.values()):
        # a company's administrator holds its admin role in the communities he onboarded; one
        # with no community at all is a new company's (asked below)
        user._sunlit_company_admin = None
        return None
    employee = (Employee.objects.admins().select_related("organization")
                .filter(user=user).order_by("pk").first())
    user._sunlit_company_admin = employee
    return employee


def is_company_admin(user) -> bool:
    return admin_employee(user) is not None


def require_company_admin(user) -> Organization:
    """The company ``user`` administers; 403 (PermissionDenied) when he administers none."""
    employee = admin_employee(user)
    if employee is None:
        raise PermissionDenied(_("只有物业公司管理员可以操作"))
    return employee.organization


def get_community_for(user, community_id) -> Community:
    """One of the company's communities for its administrator; 404 for anyone else's (and 403
    for a member of that community who administers no company)."""
    employee = admin_employee(user)
    if employee is None:
        from sunlit.core.permissions import role_map

        # a member of the community may know it exists (403); anyone else learns nothing (404)
        if getattr(user, "is_authenticated", False) and _as_int(community_id) in role_map(user):
            raise PermissionDenied(_("只有物业公司管理员可以操作"))
        raise Http404
    organization = employee.organization
    try:
        return Community.objects.select_related("organization").get(
            pk=int(community_id), organization=organization)
    except (Community.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def get_employee_for(user, employee_id):
    """One of the company's employees for its administrator; 404 for anyone else."""
    from sunlit.company.models import Employee

    employee = admin_employee(user)
    if employee is None:
        raise Http404
    try:
        return Employee.objects.select_related("user", "organization").get(
            pk=int(employee_id), organization=employee.organization)
    except (Employee.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
