"""Company API (物业公司): the company view and onboarding a community, for the company's
administrators (an active ``Employee`` with ``is_admin``). Anyone else gets 403; a community of
another company is a 404 like a missing one. The same services as the pages at ``/company/``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.pagination import Page, PageQuery, page
from sunlit.company.access import get_community_for, get_employee_for, require_company_admin
from sunlit.company.choices import EmployeeStatus
from sunlit.company.models import Employee
from sunlit.company.onboarding import selectors as onboarding_selectors
from sunlit.company.onboarding import services as onboarding
from sunlit.company.overview.selectors import overview
from sunlit.company.staff import services as staff
from sunlit.core import uploads

router = Router(tags=["company"])


class CommunityFiguresOut(Schema):
    community_id: int
    name: str
    code: str
    units: int = Field(..., description="房屋（套）")
    area: Decimal = Field(..., description="建筑面积（㎡）")
    open_tickets: int = Field(..., description="在办工单（件）")
    overdue_tickets: int = Field(..., description="已超时工单（件）")
    sla_rate: Decimal | None = Field(None, description="近30天办结工单的时限达标率（%）")
    sla_judged: int = Field(..., description="其样本：近30天办结且可判定的工单（件）")
    rating: Decimal | None = Field(None, description="近90天工单评分均值（1–5 星）")
    ratings: int = Field(..., description="其样本：评价数")
    billed: Decimal = Field(..., description="本年账期已出账应收（元）")
    collected: Decimal = Field(..., description="其中已收（元）")
    collection_rate: Decimal | None = Field(None, description="收缴率（%）")
    arrears: Decimal = Field(..., description="逾期欠费（元）")
    overdue_units: int = Field(..., description="逾期欠费户（户）")
    fund: Decimal = Field(..., description="维修资金余额（元，科目 2244）")
    board_week: dt.date | None = Field(None, description="最近发布的曝光台（周一日期）")
    board_current: bool = Field(..., description="上周曝光台已发布")
    checkpoint_at: dt.datetime | None = None
    checkpoint_size: int = Field(..., description="最新检查点的条目数")
    cosignatures: int = Field(..., description="最新检查点上的见证人联署数")
    witnesses: int = Field(..., description="有效见证人数")
    onboarding_open: bool = Field(..., description="建档中（尚未开放业主激活）")


class OverviewOut(Schema):
    organization: str
    year: int
    as_of: dt.date
    communities: list[CommunityFiguresOut]


def _figures(row) -> dict:
    c = row.community
    return {
        "community_id": c.pk, "name": c.name, "code": c.code, "units": row.units,
        "area": row.area, "open_tickets": row.open_tickets,
        "overdue_tickets": row.overdue_tickets, "sla_rate": row.sla_rate,
        "sla_judged": row.sla_judged, "rating": row.rating, "ratings": row.ratings,
        "billed": row.billed, "collected": row.collected,
        "collection_rate": row.collection_rate, "arrears": row.arrears,
        "overdue_units": row.overdue_units, "fund": row.fund, "board_week": row.board_week,
        "board_current": row.board_current, "checkpoint_at": row.checkpoint_at,
        "checkpoint_size": row.checkpoint_size, "cosignatures": row.cosignatures,
        "witnesses": row.witnesses, "onboarding_open": row.onboarding_open,
    }


@router.get("/company/overview", response={200: OverviewOut, **ERRORS}, summary="公司总览")
def company_overview(request):
    view = overview(require_company_admin(request.auth))
    return {"organization": view.organization.name, "year": view.year, "as_of": view.as_of,
            "communities": [_figures(row) for row in view.rows]}


class CommunityIn(Schema):
    name: str = Field(..., max_length=100, description="小区名称")
    code: str = Field(..., max_length=40, description="小区编码：3–40 位小写字母、数字或连字符")
    city: str = Field("", max_length=30)
    district: str = Field("", max_length=30)
    address: str = Field("", max_length=200)
    built_year: int | None = None
    service_phone: str = Field("", max_length=30)


class StepOut(Schema):
    key: str
    label: str
    done: bool
    required: bool
    detail: str
    who: str = ""
    url: str = Field("", description="办理该项的页面")


class ChecklistOut(Schema):
    community_id: int
    name: str
    code: str
    log_origin: str | None
    steps: list[StepOut]
    missing: list[str] = Field(..., description="开放业主激活前还缺的必需项（key）")


def _checklist(community) -> dict:
    from sunlit.transparency.models import Log

    steps = onboarding_selectors.checklist(community)
    log = Log.objects.filter(community=community).first()
    return {
        "community_id": community.pk, "name": community.name, "code": community.code,
        "log_origin": log.origin if log else None,
        "steps": [{"key": s.key, "label": str(s.label), "done": s.done, "required": s.required,
                   "detail": str(s.detail), "who": str(s.who), "url": s.url} for s in steps],
        "missing": [s.key for s in onboarding_selectors.missing(steps)],
    }


@router.post("/company/communities", response={201: ChecklistOut, **ERRORS},
             summary="新建小区（建档第一步）")
@idempotent
def create_community(request, payload: CommunityIn, idempotency_key: IdempotencyKeyHeader = None):
    community = onboarding.start_community(request.auth, **payload.dict())
    return Status(201, _checklist(community))


@router.get("/company/communities/{community_id}/checklist",
            response={200: ChecklistOut, **ERRORS}, summary="建档清单")
def checklist(request, community_id: int):
    return _checklist(get_community_for(request.auth, community_id))


class BuildingsIn(Schema):
    names: str = Field(..., max_length=2000, description="楼栋：如“1-12号楼”或“A座 B座”")
    floors: int = Field(..., description="地上层数（1–120）")
    has_elevator: bool = False


class BuildingsOut(Schema):
    added: list[str]
    checklist: ChecklistOut


@router.post("/company/communities/{community_id}/buildings",
             response={201: BuildingsOut, **ERRORS}, summary="登记楼栋")
@idempotent
def add_buildings(request, community_id: int, payload: BuildingsIn,
                  idempotency_key: IdempotencyKeyHeader = None):
    community = get_community_for(request.auth, community_id)
    built = onboarding.add_buildings(community, actor=request.auth, **payload.dict())
    return Status(201, {"added": [b.name for b in built], "checklist": _checklist(community)})


class CommitteeIn(Schema):
    authority: str = Field(..., max_length=100, description="备案机关")
    number: str = Field(..., max_length=60, description="备案编号")
    filed_on: dt.date = Field(..., description="备案日期")
    document_id: int = Field(..., description="备案文件：先上传（/communities/{id}/uploads）")
    member_ids: list[int] = Field(..., description="委员：名册中业主的人员 id")


class CommitteeOut(Schema):
    filing_id: int
    batch: str = Field(..., description="激活码批次：在“账号激活码”页面打印")
    codes: int
    print_url: str


@router.post("/company/communities/{community_id}/committee",
             response={201: CommitteeOut, **ERRORS}, summary="登记业委会备案并邀请委员")
@idempotent
def file_committee(request, community_id: int, payload: CommitteeIn,
                   idempotency_key: IdempotencyKeyHeader = None):
    community = get_community_for(request.auth, community_id)
    document = uploads.resolve_upload(request.auth, payload.document_id, community=community,
                                      purpose=uploads.COMMITTEE_FILING, field="document_id")
    filing = onboarding.file_committee(
        community, actor=request.auth, authority=payload.authority, number=payload.number,
        filed_on=payload.filed_on, document=document, members=payload.member_ids)
    batch = filing.codes.first().batch
    return Status(201, {"filing_id": filing.pk, "batch": batch, "codes": filing.codes.count(),
                        "print_url": reverse("registry:activation_batch", args=[batch])})


class CheckpointOut(Schema):
    signed: bool = Field(..., description="本次签发了新的检查点（否则已是最新）")
    size: int | None = None


@router.post("/company/communities/{community_id}/checkpoint",
             response={200: CheckpointOut, **ERRORS}, summary="签发检查点")
def sign_checkpoint(request, community_id: int):
    community = get_community_for(request.auth, community_id)
    checkpoint = onboarding.sign_first_checkpoint(community, actor=request.auth)
    return {"signed": checkpoint is not None, "size": checkpoint.size if checkpoint else None}


class InviteOut(Schema):
    batch: str
    print_url: str


@router.post("/company/communities/{community_id}/invite",
             response={201: InviteOut, **ERRORS}, summary="开放业主激活（建档完成）")
@idempotent
def invite_owners(request, community_id: int, idempotency_key: IdempotencyKeyHeader = None):
    community = get_community_for(request.auth, community_id)
    batch = onboarding.invite_owners(community, actor=request.auth)
    return Status(201, {"batch": batch,
                        "print_url": reverse("registry:activation_batch", args=[batch])})


# --- staff (员工) ---------------------------------------------------------------------------

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


class LeaveIn(Schema):
    successors: dict[str, int] = Field(default_factory=dict,
                                       description="小区 id → 接替人的岗位 id（有在办工单的小区必填）")
    reason: str = Field("", max_length=200)


@router.post("/company/staff/{employee_id}/leave", response={200: EmployeeOut, **ERRORS},
             summary="办理离职（交接工单，账号即时停用）")
def leave(request, employee_id: int, payload: LeaveIn):
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
