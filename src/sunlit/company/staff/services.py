"""The company's staff (员工): hire, post to a community, suspend, reinstate, leave with handover.

A company administrator acts; each step is audited and, where it changes who serves a
community, on that community's log (``community.staff.appointed`` / ``.ended``: staff serve in
public by name, role and job number). Suspension and departure end access at once: the account
is deactivated (sessions and API tokens stop working on the next request) and the memberships
end; a departure first hands the open work over to a named colleague in each community.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from sunlit.company.access import require_company_admin
from sunlit.company.choices import EmployeeStatus
from sunlit.company.models import Employee
from sunlit.core import audit, crypto
from sunlit.core.choices import OWNER_SIDE_ROLES, STAFF_ROLES, Role
from sunlit.core.locking import locked
from sunlit.core.models import AuditEvent, Community, Department, Membership, User
from sunlit.core.permissions import forget_roles
from sunlit.core.services import grant_membership
from sunlit.core.validators import normalize_text, validate_mobile
from sunlit.transparency import services as log

#: The roles the company posts its people to (the company admin role is given by is_admin).
POSTABLE_ROLES = (Role.SERVICE, Role.DISPATCHER, Role.MANAGER, Role.TECHNICIAN, Role.FINANCE)


@dataclass(frozen=True)
class Posting:
    community: Community
    role: str
    department: Department | None = None
    post: str = ""


def _check_posting(organization, posting: Posting, errors: dict) -> None:
    if posting.community is None or posting.community.organization_id != organization.pk:
        errors.setdefault("community", []).append(_("只能派到本公司的小区"))
    if posting.role not in POSTABLE_ROLES:
        errors.setdefault("role", []).append(_("岗位角色无效"))
    if posting.department is not None and (
            posting.community is None or posting.department.community_id != posting.community.pk):
        errors.setdefault("department", []).append(_("部门不属于该小区"))
    if len(posting.post) > 50:
        errors.setdefault("post", []).append(_("岗位名称最多 50 个字"))


def set_password_link(user: User) -> str:
    """The one-time link with which a new hire sets his own password (the existing reset page;
    it stops working once used or when the password changes). Only for an account that has no
    password yet and is nobody's owner account: the company never sets an owner's password."""
    if user.has_usable_password() or _owner_side(user):
        raise ValidationError({"employee": [_(
            "该账号已设置密码：请员工本人用“找回密码”重置")]})
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("web:password_reset_confirm", args=[uid, default_token_generator.make_token(user)])


def hire(actor: User, *, name: str, mobile: str, job_number: str,
         postings: list[Posting]) -> Employee:
    """入职: a new person of the company — his account (login by mobile; he sets the password
    himself through ``set_password_link``), his employee record and his first posting(s). A
    job number used in the company, a mobile number of another account (an owner's, a
    colleague's) or someone already employed is refused; nothing is half-created."""
    organization = require_company_admin(actor)
    errors: dict[str, list[str]] = {}
    name, job_number = normalize_text(name), normalize_text(job_number)
    if not name or len(name) > 50:
        errors["name"] = [_("请填写姓名（最多 50 个字）")]
    if not job_number or len(job_number) > 20:
        errors["job_number"] = [_("请填写工号（最多 20 位）")]
    elif Employee.objects.filter(organization=organization, job_number=job_number).exists():
        errors["job_number"] = [_("工号 %(n)s 已被使用") % {"n": job_number}]
    try:
        mobile = validate_mobile(mobile)
    except ValidationError as exc:
        errors["mobile"] = exc.messages
    else:
        holder = User.objects.filter(
            mobile_index=crypto.blind_index(mobile, purpose="mobile")).first()
        employed = (Employee.objects.filter(organization=organization, user=holder).first()
                    if holder is not None else None)
        if employed is not None:
            errors["mobile"] = [_("此人已是本公司员工（工号 %(n)s）") % {"n": employed.job_number}]
        elif holder is not None:
            errors["mobile"] = [_("该手机号已被另一个账号使用（如业主本人的账号），"
                                  "员工请用本人的另一个手机号")]
    if not postings:
        errors["community"] = [_("请至少选择一个小区和岗位")]
    for posting in postings:
        _check_posting(organization, posting, errors)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            user = User(username=f"e{uuid.uuid4().hex[:12]}", display_name=name, mobile=mobile)
            user.set_unusable_password()
            user.save()
            employee = Employee.objects.create(organization=organization, user=user,
                                               job_number=job_number)
            audit.record(AuditEvent.Action.CREATE, employee, actor=actor,
                         summary=f"入职 {job_number} {name}")
            for posting in postings:
                _post(employee, posting, actor)
    except IntegrityError:  # the same job number or mobile a moment ago
        raise ValidationError({"job_number": [_("工号或手机号已被使用")]}) from None
    return employee


def _post(employee: Employee, posting: Posting, actor: User) -> Membership:
    return grant_membership(employee.user, posting.community, posting.role, actor=actor,
                            department=posting.department, job_number=employee.job_number,
                            post=posting.post)


def _check_employee(actor: User, employee: Employee):
    organization = require_company_admin(actor)
    if employee.organization_id != organization.pk:
        raise ValidationError({"employee": [_("不是本公司的员工")]})
    return organization


def post_to(employee: Employee, posting: Posting, *, actor: User) -> Membership:
    """派驻: a role in one more community (or the same community, another role)."""
    organization = _check_employee(actor, employee)
    errors: dict[str, list[str]] = {}
    _check_posting(organization, posting, errors)
    if employee.status != EmployeeStatus.ACTIVE:
        errors["employee"] = [_("员工当前为“%(s)s”，不能派驻") % {
            "s": employee.get_status_display()}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return _post(locked(employee), posting, actor)


def open_work(membership: Membership):
    """The open tickets assigned to ``membership`` (what a departure must hand over)."""
    from sunlit.tickets.models import Ticket

    return Ticket.objects.in_community(membership.community_id).open_load().filter(
        assignee=membership)


def end_posting(membership: Membership, *, actor: User, successor: Membership | None = None,
                reason: str = "") -> Membership:
    """撤岗 (moving away from a community, or leaving): his open tickets go to ``successor``
    (a colleague in that community, through the tickets' own 改派, each on the log); on-site
    or suspended ones must be finished or dealt with by dispatch first. Then the role ends."""
    from sunlit.tickets.choices import TicketStatus
    from sunlit.tickets.services import dispatch_ticket

    organization = require_company_admin(actor)
    if membership.community.organization_id != organization.pk:
        raise ValidationError({"employee": [_("不是本公司小区的岗位")]})
    with transaction.atomic():
        membership = locked(membership, "community", "user")
        if not membership.is_active:
            return membership
        work = list(open_work(membership).order_by("pk"))
        stuck = [t for t in work if t.status not in (TicketStatus.DISPATCHED,
                                                     TicketStatus.REOPENED)]
        if stuck:
            raise ValidationError({"successor": [_(
                "%(community)s 尚有在现场处理或暂停中的工单，须先办结或由调度处理：%(numbers)s") % {
                "community": membership.community.name,
                "numbers": "、".join(t.number for t in stuck[:10])}]})
        if work:
            if successor is None:
                raise ValidationError({"successor": [_(
                    "%(community)s 尚有在办工单 %(n)s 件，请选择接替的同事") % {
                    "community": membership.community.name, "n": len(work)}]})
            if (successor.community_id != membership.community_id or not successor.is_active
                    or successor.user_id == membership.user_id
                    or successor.role not in (*POSTABLE_ROLES, Role.COMPANY_ADMIN)):
                raise ValidationError({"successor": [_("接替人须是该小区在岗的其他工作人员")]})
            note = _("%(name)s 离岗，工单交接") % {"name": membership.user}
            for ticket in work:
                dispatch_ticket(ticket, to=successor, actor=actor, note=note)
        Membership.objects.filter(pk=membership.pk).update(is_active=False)
        membership.is_active = False
        forget_roles(membership.user)
        audit.record(AuditEvent.Action.UPDATE, membership, actor=actor,
                     community=membership.community,
                     summary=f"撤岗 {Role(membership.role).label}（交接工单 {len(work)} 件）")
        log.record(membership.community, "community.staff.ended", membership, public={
            "name": str(membership.user), "role": str(membership.role),
            "job_number": str(membership.job_number) or None,
            "handed_over": len(work), "reason": normalize_text(reason)[:100] or None})
    return membership


def _owner_side(user: User) -> bool:
    return Membership.objects.active().filter(user=user, role__in=OWNER_SIDE_ROLES).exists()


def _set_status(employee: Employee, status: str, actor: User, summary: str) -> Employee:
    """The record's status and the account: a suspended or departed employee's staff roles end
    at once; the account itself is deactivated (sessions and tokens stop) unless it is also an
    owner's or resident's own account, which the company never shuts (docs/security.md)."""
    user = employee.user
    if status == EmployeeStatus.SUSPENDED:
        staff = Membership.objects.active().filter(user=user, role__in=STAFF_ROLES)
        employee.suspended_postings = list(staff.values_list("pk", flat=True))
        staff.update(is_active=False)
    elif status == EmployeeStatus.ACTIVE:
        Membership.objects.filter(user=user, pk__in=employee.suspended_postings or []).update(
            is_active=True)
        employee.suspended_postings = []
    employee.status = status
    employee.left_at = timezone.now() if status == EmployeeStatus.LEFT else None
    employee.save(update_fields=["status", "left_at", "suspended_postings"])
    active = status == EmployeeStatus.ACTIVE or _owner_side(user)
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
    forget_roles(user)
    audit.record(AuditEvent.Action.UPDATE, employee, actor=actor, summary=summary)
    return employee


def suspend(employee: Employee, *, actor: User, reason: str) -> Employee:
    """停职: access ends at once (the account is deactivated); his postings stay, his open work
    stays with him for dispatch to reassign. Reinstating gives the access back."""
    _check_employee(actor, employee)
    reason = normalize_text(reason)
    if not reason:
        raise ValidationError({"reason": [_("请填写停职原因")]})
    if employee.user_id == actor.pk:
        raise ValidationError({"employee": [_("不能停用自己的账号")]})
    with transaction.atomic():
        employee = locked(employee, "user")
        if employee.status != EmployeeStatus.ACTIVE:
            raise ValidationError({"employee": [_("员工当前为“%(s)s”") % {
                "s": employee.get_status_display()}]})
        return _set_status(employee, EmployeeStatus.SUSPENDED, actor,
                           f"停职 {employee.job_number}：{reason[:100]}")


def reinstate(employee: Employee, *, actor: User) -> Employee:
    _check_employee(actor, employee)
    with transaction.atomic():
        employee = locked(employee, "user")
        if employee.status != EmployeeStatus.SUSPENDED:
            raise ValidationError({"employee": [_("只有停职的员工可以复职")]})
        return _set_status(employee, EmployeeStatus.ACTIVE, actor, f"复职 {employee.job_number}")


def leave(employee: Employee, *, actor: User, successors: dict[int, Membership] | None = None,
          reason: str = "") -> Employee:
    """离职: every posting ends with its handover (``end_posting``; a successor per community
    where he has open work), then the account is deactivated. All or nothing."""
    _check_employee(actor, employee)
    if employee.user_id == actor.pk:
        raise ValidationError({"employee": [_("不能为自己办理离职")]})
    successors = successors or {}
    with transaction.atomic():
        employee = locked(employee, "user")
        if employee.status == EmployeeStatus.LEFT:
            raise ValidationError({"employee": [_("该员工已离职")]})
        if employee.status == EmployeeStatus.SUSPENDED:  # his postings end with their handover
            Membership.objects.filter(pk__in=employee.suspended_postings or []).update(
                is_active=True)
            employee.suspended_postings = []
        for membership in (Membership.objects.active().filter(user=employee.user)
                           .select_related("community", "user").order_by("pk")):
            end_posting(membership, actor=actor, successor=successors.get(membership.community_id),
                        reason=reason or _("离职"))
        return _set_status(employee, EmployeeStatus.LEFT, actor,
                           f"离职 {employee.job_number}{('：' + reason[:100]) if reason else ''}")
