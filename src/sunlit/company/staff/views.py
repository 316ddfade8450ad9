"""Staff pages (员工): the company's people, hiring, postings, suspension and departure."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sunlit.company.access import get_employee_for, require_company_admin
from sunlit.company.choices import EmployeeStatus
from sunlit.company.models import Employee
from sunlit.company.staff import services
from sunlit.company.staff.forms import HireForm, LeaveForm, PostingForm, SuspendForm
from sunlit.core.choices import STAFF_ROLES
from sunlit.core.forms import apply_errors, flash_errors
from sunlit.core.models import Membership


@login_required
def staff_list(request):
    organization = require_company_admin(request.user)
    employees = (Employee.objects.filter(organization=organization).select_related("user")
                 .prefetch_related(Prefetch("user__memberships", to_attr="postings",
                                            queryset=Membership.objects.active()
                                            .filter(role__in=STAFF_ROLES)
                                            .select_related("community", "department"))))
    status = request.GET.get("status", "")
    if status in EmployeeStatus.values:
        employees = employees.filter(status=status)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        employees = employees.filter(Q(job_number__icontains=q) | Q(user__display_name__icontains=q))
    return render(request, "company/staff/list.html", {
        "employees": employees.order_by("job_number")[:500], "status": status, "q": q,
        "statuses": EmployeeStatus.choices})


@login_required
def staff_new(request):
    organization = require_company_admin(request.user)
    form = HireForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            employee = services.hire(request.user, name=data["name"], mobile=data["mobile"],
                                     job_number=data["job_number"], postings=[form.posting()])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _with_link(request, employee, _("已办理入职"))
    return render(request, "company/staff/form.html", {"form": form, "title": _("办理入职")})


def _with_link(request, employee, done: str):
    try:
        link = request.build_absolute_uri(services.set_password_link(employee.user))
    except ValidationError as exc:
        flash_errors(request, exc)
        return _back(employee)
    messages.success(request, done)
    return render(request, "company/staff/link.html", {"employee": employee, "link": link})


def _detail_context(request, employee, **forms):
    organization = employee.organization
    postings = list(Membership.objects.filter(user=employee.user, role__in=STAFF_ROLES)
                    .select_related("community", "department").order_by("-is_active", "community_id"))
    for membership in postings:
        membership.open_work = services.open_work(membership).count() if membership.is_active else 0
        membership.colleagues = (
            list(Membership.objects.in_community(membership.community).active()
                 .filter(role__in=services.POSTABLE_ROLES).exclude(user=employee.user)
                 .select_related("user").order_by("role", "job_number"))
            if membership.open_work else [])
    return {
        "employee": employee, "postings": postings,
        "post_form": forms.get("post_form") or PostingForm(organization=organization),
        "suspend_form": forms.get("suspend_form") or SuspendForm(),
        "leave_form": forms.get("leave_form") or LeaveForm(employee=employee),
        "is_self": employee.user_id == request.user.pk,
    }


@login_required
def staff_detail(request, employee_id: int):
    employee = get_employee_for(request.user, employee_id)
    return render(request, "company/staff/detail.html", _detail_context(request, employee))


def _back(employee):
    return redirect("company:staff_detail", employee_id=employee.pk)


@login_required
@require_POST
def staff_post(request, employee_id: int):
    employee = get_employee_for(request.user, employee_id)
    form = PostingForm(request.POST, organization=employee.organization)
    if form.is_valid():
        try:
            services.post_to(employee, form.posting(), actor=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已派驻"))
            return _back(employee)
    return render(request, "company/staff/detail.html",
                  _detail_context(request, employee, post_form=form), status=400)


@login_required
@require_POST
def staff_end(request, employee_id: int, membership_id: int):
    employee = get_employee_for(request.user, employee_id)
    membership = get_object_or_404(Membership.objects.select_related("community", "user"),
                                   pk=membership_id, user=employee.user)
    successor = None
    if request.POST.get("successor"):
        successor = (Membership.objects.filter(pk=request.POST["successor"])
                     .select_related("user").first()
                     if request.POST["successor"].isdigit() else None)
    try:
        services.end_posting(membership, actor=request.user, successor=successor,
                             reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已撤岗"))
    return _back(employee)


@login_required
@require_POST
def staff_suspend(request, employee_id: int):
    employee = get_employee_for(request.user, employee_id)
    form = SuspendForm(request.POST)
    if form.is_valid():
        try:
            services.suspend(employee, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已停职：账号即时停用"))
            return _back(employee)
    return render(request, "company/staff/detail.html",
                  _detail_context(request, employee, suspend_form=form), status=400)


@login_required
@require_POST
def staff_reinstate(request, employee_id: int):
    employee = get_employee_for(request.user, employee_id)
    try:
        services.reinstate(employee, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已复职"))
    return _back(employee)


@login_required
@require_POST
def staff_leave(request, employee_id: int):
    employee = get_employee_for(request.user, employee_id)
    form = LeaveForm(request.POST, employee=employee)
    if form.is_valid():
        try:
            services.leave(employee, actor=request.user, successors=form.successors(),
                           reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已办理离职：账号即时停用，工单已交接"))
            return _back(employee)
    return render(request, "company/staff/detail.html",
                  _detail_context(request, employee, leave_form=form), status=400)


@login_required
@require_POST
def staff_link(request, employee_id: int):
    employee = get_employee_for(request.user, employee_id)
    if employee.status != EmployeeStatus.ACTIVE:
        messages.error(request, _("员工不在职，不能设置密码"))
        return _back(employee)
    return _with_link(request, employee, _("已生成设置密码的链接"))
