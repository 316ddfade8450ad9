"""Staff API (员工): hire, post, end a posting, suspend, reinstate, leave — the same services as
the pages at ``/company/staff/``; another company's employee is a 404."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.pagination import Page, PageQuery, page
from sunlit.company.access import get_employee_for, require_company_admin
from sunlit.company.choices import EmployeeStatus
from sunlit.company.models import Employee
from sunlit.company.staff import services as staff

router = Router(tags=["company"])


class PostingOut(Schema):
    membership_id: int
    community_id: int
    community: str
    role: str
    role_label: str
    department: str | None
    post: str
    is_active: bool
    open_tickets: int = Field(..., description="在办工单（件）")


class EmployeeOut(Schema):
    id: int
    name: str
    job_number: str
    status: EmployeeStatus
    is_admin: bool
    hired_at: dt.datetime
    left_at: dt.datetime | None
    postings: list[PostingOut]


def _employee(employee) -> dict:
    from sunlit.core.choices import STAFF_ROLES
    from sunlit.core.models import Membership

    postings = (Membership.objects.filter(user=employee.user, role__in=STAFF_ROLES)
                .select_related("community", "department").order_by("community_id", "pk"))
    return {
        "id": employee.pk, "name": str(employee.user), "job_number": employee.job_number,
        "status": employee.status, "is_admin": employee.is_admin, "hired_at": employee.hired_at,
        "left_at": employee.left_at,
        "postings": [{
            "membership_id": m.pk, "community_id": m.community_id, "community": m.community.name,
            "role": m.role, "role_label": str(m.get_role_display()),
            "department": m.department.name if m.department else None, "post": m.post,
            "is_active": m.is_active,
            "open_tickets": staff.open_work(m).count() if m.is_active else 0} for m in postings],
    }


@router.get("/company/staff", response={200: Page[EmployeeOut], **ERRORS}, summary="员工列表")
def staff_list(request, paging: Query[PageQuery]):
    organization = require_company_admin(request.auth)
    employees = Employee.objects.filter(organization=organization).select_related("user") \
        .order_by("job_number")
    return page(employees, paging, _employee)


class PostingIn(Schema):
    community_id: int
    role: str = Field(..., description="service / dispatcher / manager / technician / finance")
    department_id: int | None = None
    post: str = Field("", max_length=50)


def _posting(request, payload: PostingIn):
    from sunlit.core.models import Community, Department

    organization = require_company_admin(request.auth)
    community = Community.objects.filter(pk=payload.community_id,
                                         organization=organization).first()
    department = (Department.objects.filter(pk=payload.department_id).first()
                  if payload.department_id else None)
    if community is None:
        from django.core.exceptions import ValidationError

        raise ValidationError({"community_id": [_("只能派到本公司的小区")]})
    return staff.Posting(community=community, role=payload.role, department=department,
                         post=payload.post)


class HireIn(Schema):
    name: str = Field(..., max_length=50)
    mobile: str = Field(..., max_length=20)
    job_number: str = Field(..., max_length=20)
    postings: list[PostingIn] = Field(..., min_length=1)


class HireOut(EmployeeOut):
    set_password_url: str = Field(..., description="一次性设置密码的链接：交给员工本人")


@router.post("/company/staff", response={201: HireOut, **ERRORS}, summary="办理入职")
@idempotent
def hire(request, payload: HireIn, idempotency_key: IdempotencyKeyHeader = None):
    employee = staff.hire(request.auth, name=payload.name, mobile=payload.mobile,
                          job_number=payload.job_number,
                          postings=[_posting(request, p) for p in payload.postings])
    return Status(201, {**_employee(employee),
                        "set_password_url": staff.set_password_link(employee.user)})


@router.get("/company/staff/{employee_id}", response={200: EmployeeOut, **ERRORS},
            summary="员工档案")
def staff_detail(request, employee_id: int):
    return _employee(get_employee_for(request.auth, employee_id))


@router.post("/company/staff/{employee_id}/postings", response={201: EmployeeOut, **ERRORS},
             summary="派驻到小区")
def post_to(request, employee_id: int, payload: PostingIn):
    employee = get_employee_for(request.auth, employee_id)
    staff.post_to(employee, _posting(request, payload), actor=request.auth)
    return Status(201, _employee(employee))


class EndIn(Schema):
    successor_membership_id: int | None = Field(None, description="接替人（有在办工单时必填）")
    reason: str = Field("", max_length=200)


def _successor(membership_id: int | None):
    from sunlit.core.models import Membership

    if membership_id is None:
        return None
    return Membership.objects.filter(pk=membership_id).select_related("user").first()


@router.post("/company/staff/{employee_id}/postings/{membership_id}/end",
             response={200: EmployeeOut, **ERRORS}, summary="撤岗（交接工单）")
def end_posting(request, employee_id: int, membership_id: int, payload: EndIn):
    from django.http import Http404

    from sunlit.core.models import Membership

    employee = get_employee_for(request.auth, employee_id)
    membership = Membership.objects.filter(pk=membership_id, user=employee.user) \
        .select_related("community", "user").first()
    if membership is None:
        raise Http404
    staff.end_posting(membership, actor=request.auth,
                      successor=_successor(payload.successor_membership_id),
                      reason=payload.reason)
    return _employee(employee)


class SuspendIn(Schema):
    reason: str = Field(..., max_length=200)


@router.post("/company/staff/{employee_id}/suspend", response={200: EmployeeOut, **ERRORS},
             summary="停职（账号即时停用）")
def suspend(request, employee_id: int, payload: SuspendIn):
    employee = staff.suspend(get_employee_for(request.auth, employee_id), actor=request.auth,
                             reason=payload.reason)
    return _employee(employee)


@router.post("/company/staff/{employee_id}/reinstate", response={200: EmployeeOut, **ERRORS},
             summary="复职")
def reinstate(request, employee_id: int):
    employee = staff.reinstate(get_employee_for(request.auth, employee_id), actor=request.auth)
    return _employee(employee)


class DepartureIn(Schema):
    successors: dict[str, int] = Field(default_factory=dict,
                                       description="小区 id → 接替人的岗位 id（有在办工单的小区必填）")
    reason: str = Field("", max_length=200)


@router.post("/company/staff/{employee_id}/leave", response={200: EmployeeOut, **ERRORS},
             summary="办理离职（交接工单，账号即时停用）")
def leave(request, employee_id: int, payload: DepartureIn):
    from django.core.exceptions import ValidationError

    employee = get_employee_for(request.auth, employee_id)
    try:
        successors = {int(k): _successor(v) for k, v in payload.successors.items()}
    except ValueError:
        raise ValidationError({"successors": [_("小区 id 无效")]}) from None
    employee = staff.leave(employee, actor=request.auth,
                           successors={k: v for k, v in successors.items() if v is not None},
                           reason=payload.reason)
    return _employee(employee)
