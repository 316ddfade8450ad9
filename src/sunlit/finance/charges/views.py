"""Pages of late-fee collection (滞纳金), waivers (减免) and meter-reading imports (抄表导入)."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sunlit.core import exports
from sunlit.core.forms import apply_errors
from sunlit.core.permissions import can, require
from sunlit.core.redirects import safe_next
from sunlit.core.tenancy import page_community
from sunlit.finance.billing import access, selectors, services
from sunlit.finance.billing.choices import MeterKind
from sunlit.finance.charges import access as charges_access
from sunlit.finance.charges import meter_import, waivers
from sunlit.finance.charges.choices import ImportStatus, WaiverStatus, WaiverTarget
from sunlit.finance.charges.filters import WaiverFilter
from sunlit.finance.charges.forms import (
    LateFeeCollectionForm,
    MeterImportForm,
    WaiverDecisionForm,
    WaiverForm,
)
from sunlit.finance.models import LateFeeCharge, MeterImport, Waiver
from sunlit.web.rendering import paginate

# --- late fees ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def late_fees(request):
    """滞纳金: the terms, the collection switch, and the late fees collected lately."""
    community = page_community(request, "finance.view")
    policy = selectors.policy_of(community)
    can_manage = can(request.user, "finance.manage", community=community)
    form = LateFeeCollectionForm(request.POST if request.method == "POST" else None,
                                 initial={"late_fee_collect": policy.late_fee_collect})
    if request.method == "POST":
        require(request.user, "finance.manage", community=community)
        if form.is_valid():
            services.update_policy(community, actor=request.user,
                                   late_fee_collect=form.cleaned_data["late_fee_collect"])
            messages.success(request, _("收费约定已更新并记入透明日志"))
            return redirect("finance:late_fees")
    charges = (LateFeeCharge.objects.in_community(community)
               .select_related("bill", "payment", "unit__building").order_by("-created_at", "-id"))
    return render(request, "finance/charges/late_fees.html", {
        "policy": policy, "form": form, "can_manage": can_manage,
        "pending": Waiver.objects.in_community(community).pending().count(),
        **paginate(request, charges, per_page=30)})


# --- waivers ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def waiver_new(request, bill_id: int):
    """申请减免 of one bill (its amount due or its late fee)."""
    bill = access.get_bill_for(request.user, bill_id)
    require(request.user, "finance.waive", community=bill.community_id)
    view = selectors.bill_view(bill, timezone.localdate())
    initial = {"idempotency_key": secrets.token_urlsafe(16),
               "target": WaiverTarget.LATE_FEE if not bill.outstanding and view.late_fee.amount
               else WaiverTarget.BILL}
    form = WaiverForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            waiver = waivers.request_waiver(
                bill, actor=request.user, target=data["target"], whole=data["whole"],
                amount=None if data["whole"] else data["amount"], reason_category=data["reason_category"],
                reason=data["reason"], idempotency_key=data["idempotency_key"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("减免申请 %(n)s 已提交，待经理审批") % {"n": waiver.number})
            return redirect("finance:bill", bill_id=bill.pk)
    return render(request, "finance/charges/waiver_form.html", {
        "bill": bill, "view": view, "form": form,
        "history": bill.waivers.select_related("requested_by", "decided_by").order_by("-requested_at"),
    }, status=400 if form.errors else 200)


@login_required
def waiver_list(request):
    """减免审批: the queue (pending) for approvers, and the history (approved and rejected)."""
    community = page_community(request, "finance.view")
    filterset = WaiverFilter(request.GET, queryset=Waiver.objects.in_community(community)
                             .select_related("bill", "unit__building", "requested_by", "decided_by"))
    if not filterset.is_valid() or not filterset.form.cleaned_data["status"]:
        # no status, or an unknown one: the queue of pending requests
        filterset = WaiverFilter({"status": WaiverStatus.PENDING}, queryset=filterset.queryset)
    rows = filterset.qs
    return render(request, "finance/charges/waiver_list.html", {
        "status": filterset.form.cleaned_data["status"],
        "statuses": filterset.filters["status"].extra["choices"],
        "can_approve": can(request.user, "finance.approve_waiver", community=community),
        "pending": Waiver.objects.in_community(community).pending().count(),
        **paginate(request, rows, per_page=30)})


@login_required
@require_POST
def waiver_decide(request, waiver_id: int):
    waiver = charges_access.get_waiver_for(request.user, waiver_id)
    require(request.user, "finance.approve_waiver", community=waiver.community_id)
    form = WaiverDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择批准或驳回"))
        return redirect("finance:waiver_list")
    decide = waivers.approve_waiver if form.cleaned_data["decision"] == "approve" else waivers.reject_waiver
    try:
        waiver = decide(waiver, actor=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("减免 %(n)s：%(s)s") % {"n": waiver.number,
                                                          "s": waiver.get_status_display()})
    return redirect(safe_next(request, "finance:waiver_list"))


# --- meter-reading imports -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meter_import_new(request):
    """抄表导入: upload a file of readings (or first download the template)."""
    community = page_community(request, "finance.bill")
    form = MeterImportForm(request.POST or None, request.FILES or None,
                           initial={"kind": MeterKind.WATER, "period": timezone.localdate().replace(day=1)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            if upload.size > meter_import.sheets.max_upload_bytes():
                raise meter_import.sheets.size_error()
            staged = meter_import.stage_meter_import(
                community, actor=request.user, kind=data["kind"], period_start=data["period"].replace(day=1),
                filename=upload.name, data=upload.read(), create_missing=data["create_missing"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                apply_errors(form, exc)
            else:
                form.add_error("file", exc.messages[0])
        else:
            return redirect("finance:meter_import", import_id=staged.pk)
    return render(request, "finance/charges/meter_import.html", {
        "form": form, "imports": MeterImport.objects.in_community(community)[:20],
        "kinds": MeterKind.choices,
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def meter_import_detail(request, import_id: int):
    """The preview: every row's problem, or the readings as they would be written; commit."""
    staged = charges_access.get_meter_import_for(request.user, import_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "discard":
                meter_import.discard_meter_import(staged, actor=request.user)
                messages.info(request, _("已放弃该导入"))
                return redirect("finance:meter_import_new")
            staged = meter_import.commit_meter_import(staged, actor=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已导入 %(n)d 条读数") % {"n": staged.summary.get("rows", 0)})
        return redirect("finance:meter_import", import_id=staged.pk)
    return render(request, "finance/charges/meter_import_detail.html", {
        "imp": staged, "preview": staged.summary.get("preview", []),
        "can_commit": staged.status == ImportStatus.STAGED and not staged.errors,
    })


@login_required
def meter_import_template(request):
    """The template: the community's meters of a kind with their last reading."""
    community = page_community(request, "finance.bill")
    kind = request.GET.get("kind") if request.GET.get("kind") in MeterKind.values else MeterKind.WATER
    return exports.xlsx_response(f"meter-readings-{kind}.xlsx",
                                 meter_import.template_workbook(community, kind))
